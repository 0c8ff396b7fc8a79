-- code: OT03L
-- title_zh: 定标期过长
-- title_en: Long decision period
-- record_kind: tender
-- definition: More than max_days calendar days passed between the bid deadline and the award
--    decision (the tender's award date, else its earliest award's date). The default, 90 days,
--    is the bid validity period (投标有效期) most tender documents set: a decision after it
--    rests on bids that may no longer bind, and delay is room for negotiation.
-- threshold: max_days = 90 : Longest decision period, in calendar days, that is not flagged.
-- evidence: bid_deadline : Date of the bid deadline (Asia/Shanghai).
-- evidence: decision_date : Date of the award decision (Asia/Shanghai).
-- evidence: decision_days : Calendar days from bid_deadline to decision_date.
-- source: opentender.eu / DIGIWHIST, indicator "Decision period" | https://opentender.eu/
WITH decided AS (
    SELECT t.tender_id, t.buyer_id,
           cn_date(t.bid_deadline_at) AS bid_deadline,
           cn_date(coalesce(t.award_date, a.first_award_date)) AS decision_date
    FROM current_tenders t
    LEFT JOIN (SELECT tender_id, min(award_date) AS first_award_date
               FROM current_awards GROUP BY tender_id) a USING (tender_id)
)
SELECT 'tender' AS record_kind,
       tender_id AS record_id,
       tender_id,
       buyer_id,
       CAST(NULL AS VARCHAR) AS supplier_id,
       bid_deadline,
       decision_date,
       date_diff('day', bid_deadline, decision_date) AS decision_days
FROM decided
WHERE date_diff('day', bid_deadline, decision_date) > flag_threshold('OT03L', 'max_days')
