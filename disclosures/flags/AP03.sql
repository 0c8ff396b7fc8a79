-- code: AP03
-- title_zh: 承诺时限长于法定时限
-- title_en: Promised limit longer than the statutory limit
-- record_kind: list_item
-- definition: A current list item whose promised time limit (承诺时限) is longer than its statutory
--    limit (法定时限): a promise should shorten the law's limit, never stretch it. Limits in the
--    same unit are compared directly; a promise in working days against a statutory limit in
--    calendar days is flagged when its number is larger, since N working days always span at
--    least N calendar days. A promise in calendar days against a statutory limit in working days
--    cannot be compared without a start date and is not evaluated.
-- evidence: item_code : Item code (事项编码).
-- evidence: department_id : Department (organisations.org_id).
-- evidence: promised_limit : Promised limit.
-- evidence: promised_unit : Its unit.
-- evidence: statutory_limit : Statutory limit.
-- evidence: statutory_unit : Its unit.
-- source: 中华人民共和国行政许可法 第四十二条 | https://flk.npc.gov.cn/
SELECT 'list_item' AS record_kind,
       item_id AS record_id,
       CAST(NULL AS VARCHAR) AS tender_id,
       CAST(NULL AS VARCHAR) AS buyer_id,
       CAST(NULL AS VARCHAR) AS supplier_id,
       item_code,
       department_id,
       promised_limit,
       promised_unit,
       statutory_limit,
       statutory_unit
FROM current_list_items
WHERE promised_limit > statutory_limit
  AND promised_unit IN ('workday', 'calendar_day')
  AND statutory_unit IN ('workday', 'calendar_day')
  AND NOT (promised_unit = 'calendar_day' AND statutory_unit = 'workday')
