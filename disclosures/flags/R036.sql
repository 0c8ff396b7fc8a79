-- code: R036
-- title_zh: 最低报价被否决
-- title_en: Lowest bid disqualified
-- record_kind: tender
-- definition: A tender (or lot) with at least one award in which the lowest bid price belongs to
--    a disqualified bid: the cheapest disqualified bid is strictly below every valid bid. Where
--    the award criterion is not price alone (综合评分法) a hit is weaker, yet still worth reading
--    the reasons given for the rejection.
-- evidence: lot : Lot (标段/包), if any.
-- evidence: lowest_disqualified_bid : Price of the cheapest disqualified bid.
-- evidence: lowest_disqualified_bidder : Who submitted it.
-- evidence: lowest_valid_bid : Price of the cheapest valid bid.
-- source: Open Contracting Partnership, Cardinal indicator R036 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/036.html
WITH per_tender AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key,
           min(amount) FILTER (WHERE disqualified) AS lowest_disqualified_bid,
           arg_min(bidder_id, amount) FILTER (WHERE disqualified) AS lowest_disqualified_bidder,
           min(amount) FILTER (WHERE NOT coalesce(disqualified, false)) AS lowest_valid_bid
    FROM current_bids
    WHERE amount IS NOT NULL
    GROUP BY ALL
), winners AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key, min(supplier_id) AS supplier_id
    FROM current_awards
    GROUP BY ALL
)
SELECT 'tender' AS record_kind,
       p.tender_id AS record_id,
       p.tender_id,
       t.buyer_id,
       w.supplier_id,
       nullif(p.lot_key, '') AS lot,
       p.lowest_disqualified_bid,
       p.lowest_disqualified_bidder,
       p.lowest_valid_bid
FROM per_tender p
JOIN winners w USING (tender_id, lot_key)
LEFT JOIN current_tenders t USING (tender_id)
WHERE p.lowest_disqualified_bid < p.lowest_valid_bid
