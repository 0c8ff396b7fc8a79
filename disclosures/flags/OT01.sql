-- code: OT01
-- title_zh: 单一投标人
-- title_en: Single bidder
-- record_kind: tender
-- definition: Exactly one bidder is recorded for a tender, whatever its procurement method,
--    except single-source procurement (单一来源), where one bidder is the method itself.
--    The opentender.eu indicator counts every procedure; Cardinal R018 only competitive ones.
-- evidence: procurement_method : Procurement method of the tender.
-- evidence: bidders : Distinct bidders recorded for the tender.
-- source: opentender.eu / DIGIWHIST, indicator "Single bidder" | https://opentender.eu/
-- source: Fazekas, Tóth, King: An Objective Corruption Risk Index Using Public Procurement Data (2016) | https://doi.org/10.1007/s10610-016-9308-z
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
WHERE b.bidders = 1 AND coalesce(t.procurement_method, '') <> 'single_source'
