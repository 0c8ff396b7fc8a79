-- code: R018
-- title_zh: 单一投标
-- title_en: Single bid received
-- record_kind: tender
-- definition: A competitive tender (公开招标 open or 邀请招标 selective) for which exactly one
--    bidder is recorded. Notices that publish only the winning candidates understate the bids
--    received, so a hit asks for the bid-opening record (开标记录), it does not prove one bid.
-- evidence: procurement_method : Procurement method of the tender.
-- evidence: bidders : Distinct bidders recorded for the tender.
-- source: Open Contracting Partnership, Cardinal indicator R018 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/018.html
SELECT 'tender' AS record_kind,
       t.tender_id AS record_id,
       t.tender_id,
       t.buyer_id,
       b.bidder AS supplier_id,
       t.procurement_method,
       b.bidders
FROM current_tenders t
JOIN (SELECT tender_id, count(DISTINCT bidder_id) AS bidders, any_value(bidder_id) AS bidder
      FROM current_bids GROUP BY tender_id) b USING (tender_id)
WHERE t.procurement_method IN ('open', 'selective') AND b.bidders = 1
