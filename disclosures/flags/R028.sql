-- code: R028
-- title_zh: 不同投标人报价相同
-- title_en: Identical bid prices
-- record_kind: bid
-- definition: Two or more different bidders submitted bids with exactly the same price in the
--    same tender (and lot). Every such bid is flagged, so each bidder involved is named.
-- evidence: lot : Lot (标段/包), if any.
-- evidence: amount : The shared bid price.
-- evidence: bidders_with_amount : Distinct bidders that bid this price in the tender.
-- source: Open Contracting Partnership, Cardinal indicator R028 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/028.html
WITH shared AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key, amount, count(DISTINCT bidder_id) AS bidders_with_amount
    FROM current_bids
    WHERE amount IS NOT NULL
    GROUP BY ALL
    HAVING count(DISTINCT bidder_id) >= 2
)
SELECT 'bid' AS record_kind,
       b.bid_id AS record_id,
       b.tender_id,
       t.buyer_id,
       b.bidder_id AS supplier_id,
       b.lot,
       b.amount,
       s.bidders_with_amount
FROM current_bids b
JOIN shared s ON s.tender_id = b.tender_id AND s.lot_key = coalesce(b.lot, '') AND s.amount = b.amount
LEFT JOIN current_tenders t ON t.tender_id = b.tender_id
