-- code: AP02
-- title_zh: 办件超过法定时限
-- title_en: Approval case overdue against the statutory limit
-- record_kind: approval_case
-- definition: An approval case completed after the last day of the statutory time limit (法定时限)
--    of its list item (matched by item code; where several current items share the code, a
--    power-list item first, then the longest limit), or still open (status accepted or
--    in_progress) after it, as of today in Asia/Shanghai. Days are counted as for AP01: from
--    the day after acceptance, working days (工作日) from the `calendar` table, calendar days
--    (自然日) moved to the next working day when the last one is a rest day. Cases outside the
--    calendar's years, or whose item has no statutory limit, are not evaluated.
-- evidence: department_id : Department handling the case (organisations.org_id).
-- evidence: item_code : Item code (事项编码) of the case.
-- evidence: list_item_id : The list item whose statutory limit applies (list_items.item_id).
-- evidence: accepted_on : Date of acceptance (Asia/Shanghai); not counted.
-- evidence: completed_on : Date of completion (Asia/Shanghai); NULL while open.
-- evidence: open_case : True when the case is still open and overdue as of today.
-- evidence: time_limit : Statutory limit, in unit.
-- evidence: unit : workday or calendar_day.
-- evidence: deadline : Last day of the limit.
-- evidence: days_used : Days, in unit, from acceptance to completion (or today).
-- source: 中华人民共和国行政许可法 第四十二条、第八十二条 | https://flk.npc.gov.cn/
-- source: 中华人民共和国民法典 第二百零一条、第二百零三条 | https://flk.npc.gov.cn/
WITH item AS (
    SELECT * FROM (
        SELECT item_code, item_id, statutory_limit, statutory_unit,
               row_number() OVER (PARTITION BY item_code
                                  ORDER BY list_kind = 'power' DESC, statutory_limit DESC NULLS LAST, item_id) AS pick
        FROM current_list_items)
    WHERE pick = 1
), dated AS (
    SELECT c.case_id, c.department_id, c.item_code, i.item_id AS list_item_id,
           cn_date(c.accepted_at) AS accepted_on,
           cn_date(c.completed_at) AS completed_on,
           c.completed_at IS NULL AND c.status IN ('accepted', 'in_progress') AS open_case,
           i.statutory_limit AS time_limit,
           i.statutory_unit AS unit,
           CASE i.statutory_unit
                WHEN 'workday' THEN add_working_days(cn_date(c.accepted_at), i.statutory_limit)
                WHEN 'calendar_day' THEN next_workday(cn_date(c.accepted_at) + i.statutory_limit)
           END AS deadline
    FROM current_approval_cases c JOIN item i USING (item_code)
    WHERE i.statutory_limit IS NOT NULL
), measured AS (
    SELECT *, CASE WHEN open_case THEN cn_date(current_timestamp) ELSE completed_on END AS measured_to
    FROM dated
)
SELECT 'approval_case' AS record_kind,
       case_id AS record_id,
       CAST(NULL AS VARCHAR) AS tender_id,
       CAST(NULL AS VARCHAR) AS buyer_id,
       CAST(NULL AS VARCHAR) AS supplier_id,
       department_id,
       item_code,
       list_item_id,
       accepted_on,
       completed_on,
       open_case,
       time_limit,
       unit,
       deadline,
       CASE unit WHEN 'workday' THEN working_days_between(accepted_on, measured_to)
                 ELSE date_diff('day', accepted_on, measured_to) END AS days_used
FROM measured
WHERE measured_to > deadline
