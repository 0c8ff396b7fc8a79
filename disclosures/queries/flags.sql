-- name: flags
-- title: Red-flag hits
-- description: Every hit of every red flag with the flag's title and its evidence, newest
--    records first; give a code to see one flag only. Definitions are in flag_definitions.
-- param: code VARCHAR NULL Only hits of this flag code (e.g. R018); all flags when omitted.
SELECT h.flag_code,
       d.title_zh,
       d.title_en,
       h.record_kind,
       h.record_id,
       h.tender_id,
       h.buyer_id,
       h.supplier_id,
       h.evidence
FROM flag_hits h
JOIN flag_definitions d ON d.code = h.flag_code
WHERE $code IS NULL OR h.flag_code = upper($code)
ORDER BY h.flag_code, h.record_id
