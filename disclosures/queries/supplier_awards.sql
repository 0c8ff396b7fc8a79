-- name: supplier_awards
-- title: Awards won by a supplier
-- description: Current awards of the suppliers whose name (or any recorded alias) contains the
--    given fragment, with the tender, the buyer, the amount and the notice it came from.
-- param: name VARCHAR NULL Fragment of the supplier's name, e.g. 建设; all suppliers when omitted.
SELECT s.name AS supplier,
       a.supplier_id,
       t.title AS tender,
       a.tender_id,
       b.name AS buyer,
       a.lot,
       a.amount,
       a.currency,
       a.amount_text,
       cn_date(coalesce(a.award_date, t.award_date, t.published_at)) AS award_date,
       a.url
FROM current_awards a
JOIN current_organisations s ON s.org_id = a.supplier_id
LEFT JOIN current_tenders t ON t.tender_id = a.tender_id
LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
WHERE $name IS NULL
   OR s.name ILIKE '%' || $name || '%'
   OR list_bool_or(list_transform(coalesce(s.aliases, []), lambda alias: alias ILIKE '%' || $name || '%'))
ORDER BY award_date DESC NULLS LAST, a.tender_id
