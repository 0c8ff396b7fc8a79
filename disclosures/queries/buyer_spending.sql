-- name: buyer_spending
-- title: Buyer spending by year
-- description: For each buyer and year, the awards made, the amount awarded (each tender and
--    lot counted once, a consortium's amount not multiplied), the number of distinct suppliers
--    and the largest supplier's share of the amount.
-- param: year INTEGER NULL Only this calendar year; every year when omitted.
-- param: buyer VARCHAR NULL Fragment of the buyer's name; every buyer when omitted.
WITH dated AS (
    SELECT t.buyer_id, a.tender_id, coalesce(a.lot, '') AS lot_key, a.supplier_id, a.amount,
           year(cn_date(coalesce(a.award_date, t.award_date, t.published_at))) AS year
    FROM current_awards a JOIN current_tenders t USING (tender_id)
    WHERE t.buyer_id IS NOT NULL
), per_award AS (
    SELECT buyer_id, year, tender_id, lot_key, max(amount) AS amount FROM dated GROUP BY ALL
), per_supplier AS (
    SELECT buyer_id, year, supplier_id, sum(amount) AS amount FROM dated GROUP BY ALL
)
SELECT o.name AS buyer,
       p.buyer_id,
       p.year,
       count(*) AS awards,
       sum(p.amount) AS amount_awarded,
       (SELECT count(DISTINCT supplier_id) FROM per_supplier s
        WHERE s.buyer_id = p.buyer_id AND s.year = p.year) AS suppliers,
       (SELECT max(s.amount) FROM per_supplier s
        WHERE s.buyer_id = p.buyer_id AND s.year = p.year) / nullif(sum(p.amount), 0) AS top_supplier_share
FROM per_award p
LEFT JOIN current_organisations o ON o.org_id = p.buyer_id
WHERE ($year IS NULL OR p.year = $year)
  AND ($buyer IS NULL OR o.name ILIKE '%' || $buyer || '%')
GROUP BY o.name, p.buyer_id, p.year
ORDER BY p.year DESC, amount_awarded DESC NULLS LAST
