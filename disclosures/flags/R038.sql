-- code: R038
-- title_zh: 否决投标比例异常高
-- title_en: Excessive disqualified bids
-- record_kind: organisation
-- definition: The share of bids disqualified is a high outlier for a buyer (bids it received,
--    over at least min_tenders tenders) or for a bidder (bids it submitted, at least min_bids):
--    at or above the upper fence Q3 + 1.5 × IQR of the shares of all buyers (respectively all
--    bidders), or a fixed fence when one is set. A share of zero is never flagged, and a fence
--    is computed only over at least min_population buyers or bidders.
-- threshold: fence = NULL : Fixed upper fence for the share (a fraction); NULL computes Q3 + 1.5 × IQR.
-- threshold: min_tenders = 2 : Fewest tenders a buyer must have with bids to be evaluated.
-- threshold: min_bids = 2 : Fewest bids a bidder must have submitted to be evaluated.
-- threshold: min_population = 5 : Fewest buyers (or bidders) before a computed fence is used.
-- evidence: role : buyer or bidder.
-- evidence: disqualified_bids : Bids disqualified.
-- evidence: submitted_bids : Bids received (buyer) or submitted (bidder).
-- evidence: share : disqualified_bids / submitted_bids.
-- evidence: upper_fence : The fence in force for this role.
-- source: Open Contracting Partnership, Cardinal indicator R038 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/038.html
WITH bids_with_buyer AS (
    SELECT b.tender_id, b.bidder_id, coalesce(b.disqualified, false) AS disqualified, t.buyer_id
    FROM current_bids b LEFT JOIN current_tenders t USING (tender_id)
), shares AS (
    SELECT 'buyer' AS role, buyer_id AS org_id,
           count(*) FILTER (WHERE disqualified) AS disqualified_bids, count(*) AS submitted_bids
    FROM bids_with_buyer
    WHERE buyer_id IS NOT NULL
    GROUP BY buyer_id
    HAVING count(DISTINCT tender_id) >= flag_threshold('R038', 'min_tenders')
    UNION ALL
    SELECT 'bidder' AS role, bidder_id AS org_id,
           count(*) FILTER (WHERE disqualified), count(*)
    FROM bids_with_buyer
    GROUP BY bidder_id
    HAVING count(*) >= flag_threshold('R038', 'min_bids')
), fences AS (
    SELECT role,
           coalesce(
               flag_threshold('R038', 'fence'),
               CASE WHEN count(*) >= flag_threshold('R038', 'min_population')
                    THEN quantile_cont(disqualified_bids / submitted_bids, 0.75)
                         + 1.5 * (quantile_cont(disqualified_bids / submitted_bids, 0.75)
                                  - quantile_cont(disqualified_bids / submitted_bids, 0.25))
               END) AS upper_fence
    FROM shares
    GROUP BY role
)
SELECT 'organisation' AS record_kind,
       s.org_id AS record_id,
       CAST(NULL AS VARCHAR) AS tender_id,
       CASE WHEN s.role = 'buyer' THEN s.org_id END AS buyer_id,
       CASE WHEN s.role = 'bidder' THEN s.org_id END AS supplier_id,
       s.role,
       s.disqualified_bids,
       s.submitted_bids,
       s.disqualified_bids / s.submitted_bids AS share,
       f.upper_fence
FROM shares s JOIN fences f USING (role)
WHERE s.disqualified_bids > 0 AND s.disqualified_bids / s.submitted_bids >= f.upper_fence
