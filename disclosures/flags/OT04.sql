-- code: OT04
-- title_zh: 供应商占采购人支出比例过高
-- title_en: Winner's share of a buyer's spending
-- record_kind: organisation
-- definition: In a calendar year, one supplier won at least min_share of the amount a buyer
--    awarded, where the buyer made at least min_awards awards with an amount that year. The
--    year is that of the award date (else the tender's award date, else its publication). A
--    consortium's amount counts in full for each member; the buyer's total counts each award
--    (tender and lot) once.
-- threshold: min_share = 0.5 : Share of the buyer's yearly awarded amount (a fraction) that raises the flag.
-- threshold: min_awards = 5 : Fewest awards with an amount a buyer must make in the year to be evaluated.
-- evidence: year : Calendar year.
-- evidence: supplier_amount : Amount awarded to the supplier by the buyer that year.
-- evidence: buyer_amount : Amount the buyer awarded that year.
-- evidence: share : supplier_amount / buyer_amount.
-- evidence: buyer_awards : Awards (tenders and lots) the buyer made that year.
-- source: opentender.eu / DIGIWHIST, indicator "Winner's share of issuer's contracts" | https://opentender.eu/
WITH dated AS (
    SELECT a.tender_id, coalesce(a.lot, '') AS lot_key, a.supplier_id, a.amount, t.buyer_id,
           year(cn_date(coalesce(a.award_date, t.award_date, t.published_at))) AS year
    FROM current_awards a JOIN current_tenders t USING (tender_id)
    WHERE a.amount IS NOT NULL AND t.buyer_id IS NOT NULL
), buyer_year AS (
    SELECT buyer_id, year, sum(amount) AS buyer_amount, count(*) AS buyer_awards
    FROM (SELECT buyer_id, year, tender_id, lot_key, max(amount) AS amount FROM dated GROUP BY ALL)
    GROUP BY ALL
), supplier_year AS (
    SELECT buyer_id, year, supplier_id, sum(amount) AS supplier_amount
    FROM dated
    GROUP BY ALL
)
SELECT 'organisation' AS record_kind,
       s.supplier_id AS record_id,
       CAST(NULL AS VARCHAR) AS tender_id,
       s.buyer_id,
       s.supplier_id,
       s.year,
       s.supplier_amount,
       b.buyer_amount,
       CAST(s.supplier_amount AS DOUBLE) / CAST(b.buyer_amount AS DOUBLE) AS share,
       b.buyer_awards
FROM supplier_year s JOIN buyer_year b USING (buyer_id, year)
WHERE b.buyer_amount > 0
  AND b.buyer_awards >= flag_threshold('OT04', 'min_awards')
  AND CAST(s.supplier_amount AS DOUBLE) / CAST(b.buyer_amount AS DOUBLE) >= flag_threshold('OT04', 'min_share')
