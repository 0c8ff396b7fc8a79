-- code: R024
-- title_zh: 报价与中标价过于接近
-- title_en: Price close to the winning bid
-- record_kind: tender
-- definition: For each tender (or lot) with a single winner whose own valid bid is the lowest,
--    the difference is (second-lowest valid bid − winning bid) / winning bid. A tender is
--    flagged when its difference is at or below the lower fence Q1 − 1.5 × IQR of all such
--    differences (quartiles by linear interpolation, DuckDB quantile_cont), or at or below a
--    fixed fence when one is set. The fence is computed only over at least min_population
--    tenders, since quartiles of a handful of values mean little.
-- threshold: fence = NULL : Fixed lower fence for the difference (a fraction); NULL computes Q1 − 1.5 × IQR.
-- threshold: min_population = 5 : Fewest tenders with a difference before a computed fence is used.
-- evidence: lot : Lot (标段/包), if any.
-- evidence: winning_bid : The winner's lowest valid bid.
-- evidence: second_lowest_bid : The lowest valid bid of any other bidder.
-- evidence: difference : (second_lowest_bid − winning_bid) / winning_bid.
-- evidence: lower_fence : The fence in force.
-- source: Open Contracting Partnership, Cardinal indicator R024 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/024.html
WITH single_winner AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key, any_value(supplier_id) AS supplier_id
    FROM current_awards
    GROUP BY ALL
    HAVING count(DISTINCT supplier_id) = 1
), valid_bids AS (
    SELECT tender_id, coalesce(lot, '') AS lot_key, bidder_id, amount, currency
    FROM current_bids
    WHERE amount IS NOT NULL AND NOT coalesce(disqualified, false)
), pairs AS (
    SELECT w.tender_id, w.lot_key, w.supplier_id,
           min(v.amount) FILTER (WHERE v.bidder_id = w.supplier_id) AS winning_bid,
           min(v.amount) FILTER (WHERE v.bidder_id <> w.supplier_id) AS second_lowest_bid,
           count(DISTINCT v.currency) AS currencies
    FROM single_winner w JOIN valid_bids v USING (tender_id, lot_key)
    GROUP BY ALL
), differences AS (
    SELECT *, CAST(second_lowest_bid - winning_bid AS DOUBLE) / CAST(winning_bid AS DOUBLE) AS difference
    FROM pairs
    WHERE winning_bid > 0 AND second_lowest_bid >= winning_bid AND currencies <= 1
), fence AS (
    SELECT coalesce(
               flag_threshold('R024', 'fence'),
               CASE WHEN count(*) >= flag_threshold('R024', 'min_population')
                    THEN quantile_cont(difference, 0.25)
                         - 1.5 * (quantile_cont(difference, 0.75) - quantile_cont(difference, 0.25))
               END) AS lower_fence
    FROM differences
)
SELECT 'tender' AS record_kind,
       d.tender_id AS record_id,
       d.tender_id,
       t.buyer_id,
       d.supplier_id,
       nullif(d.lot_key, '') AS lot,
       d.winning_bid,
       d.second_lowest_bid,
       d.difference,
       f.lower_fence
FROM differences d
CROSS JOIN fence f
LEFT JOIN current_tenders t USING (tender_id)
WHERE d.difference <= f.lower_fence
