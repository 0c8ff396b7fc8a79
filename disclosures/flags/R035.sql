-- code: R035
-- title_zh: 除中标人外其他投标均被否决
-- title_en: All except the winning bid disqualified
-- record_kind: tender
-- definition: In a tender (or lot), exactly one bidder has valid bids, that bidder is the only
--    supplier awarded, and at least min_disqualified other bidders had their bids rejected
--    (否决/无效).
-- threshold: min_disqualified = 1 : Fewest other bidders with disqualified bids that raise the flag.
-- evidence: lot : Lot (标段/包), if any.
-- evidence: disqualified_bidders : Other bidders whose bids were disqualified.
-- evidence: disqualified_count : How many they are.
-- source: Open Contracting Partnership, Cardinal indicator R035 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/035.html
WITH per_tender AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key,
           count(DISTINCT bidder_id) FILTER (WHERE NOT coalesce(disqualified, false)) AS valid_bidders,
           any_value(bidder_id) FILTER (WHERE NOT coalesce(disqualified, false)) AS valid_bidder,
           list(DISTINCT bidder_id ORDER BY bidder_id) FILTER (WHERE disqualified) AS rejected
    FROM current_bids
    GROUP BY ALL
), winners AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key,
           count(DISTINCT supplier_id) AS suppliers, any_value(supplier_id) AS supplier_id
    FROM current_awards
    GROUP BY ALL
), hits AS (
    SELECT p.tender_id, p.lot_key, w.supplier_id,
           list_filter(coalesce(p.rejected, []), lambda x: x <> w.supplier_id) AS disqualified_bidders
    FROM per_tender p JOIN winners w USING (tender_id, lot_key)
    WHERE p.valid_bidders = 1 AND w.suppliers = 1 AND w.supplier_id = p.valid_bidder
)
SELECT 'tender' AS record_kind,
       h.tender_id AS record_id,
       h.tender_id,
       t.buyer_id,
       h.supplier_id,
       nullif(h.lot_key, '') AS lot,
       h.disqualified_bidders,
       len(h.disqualified_bidders) AS disqualified_count
FROM hits h
LEFT JOIN current_tenders t USING (tender_id)
WHERE len(h.disqualified_bidders) >= flag_threshold('R035', 'min_disqualified')
