-- code: OT03S
-- title_zh: 定标期过短
-- title_en: Short decision period
-- record_kind: tender
-- definition: Fewer than min_days calendar days passed between the bid deadline and the award
--    decision (the tender's award date, else its earliest award's date). For tenders that must
--    be tendered by law, the winning candidates have to be on public display for at least three
--    days before the award (招标投标法实施条例 第五十四条). A decision dated before the deadline
--    is flagged too: it is either a data error or a decision taken before bids were in.
-- threshold: min_days = 3 : Shortest decision period, in calendar days, that is not flagged.
-- evidence: bid_deadline : Date of the bid deadline (Asia/Shanghai).
-- evidence: decision_date : Date of the award decision (Asia/Shanghai).
-- evidence: decision_days : Calendar days from bid_deadline to decision_date.
-- source: opentender.eu / DIGIWHIST, indicator "Decision period" | https://opentender.eu/
-- source: 中华人民共和国招标投标法实施条例 第五十四条 | https://flk.npc.gov.cn/
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
WHERE date_diff('day', bid_deadline, decision_date) < flag_threshold('OT03S', 'min_days')
