-- code: OT02
-- title_zh: 非公开招标方式
-- title_en: Non-open procedure
-- record_kind: tender
-- definition: The tender used a procurement method other than open tendering (公开招标): invited
--    tendering, competitive negotiation or consultation, inquiry, single source, or any other
--    method as published. These methods are lawful within their conditions; the flag marks
--    less competition, not a breach. Tenders without a known method are not flagged.
-- evidence: procurement_method : Procurement method of the tender.
-- source: opentender.eu / DIGIWHIST, indicator "Procedure type" | https://opentender.eu/
-- source: Fazekas, Tóth, King: An Objective Corruption Risk Index Using Public Procurement Data (2016) | https://doi.org/10.1007/s10610-016-9308-z
SELECT 'tender' AS record_kind,
       tender_id AS record_id,
       tender_id,
       buyer_id,
       CAST(NULL AS VARCHAR) AS supplier_id,
       procurement_method
FROM current_tenders
WHERE procurement_method IS NOT NULL AND procurement_method <> 'open'
