-- code: AP01
-- title_zh: 办件超过承诺时限
-- title_en: Approval case overdue against its promised limit
-- record_kind: approval_case
-- definition: An approval case completed after the last day of its promised time limit (承诺时限),
--    or still open (status accepted or in_progress) after it, as of today in Asia/Shanghai.
--    The limit is the one published with the case, else the one of its list item (matched by
--    item code). Counting starts the day after acceptance: a limit in working days (工作日) ends
--    on the N-th working day of the `calendar` table (holidays and 调休 make-up days included);
--    a limit in calendar days (自然日) ends N days later, moved to the next working day when that
--    is a rest day (民法典 第二百零三条). Cases outside the calendar's years are not evaluated.
-- evidence: department_id : Department handling the case (organisations.org_id).
-- evidence: item_code : Item code (事项编码) of the case.
-- evidence: accepted_on : Date of acceptance (Asia/Shanghai); not counted.
-- evidence: completed_on : Date of completion (Asia/Shanghai); NULL while open.
-- evidence: open_case : True when the case is still open and overdue as of today.
-- evidence: time_limit : Promised limit, in unit.
-- evidence: unit : workday or calendar_day.
-- evidence: limit_source : case (published with the case) or list_item.
-- evidence: deadline : Last day of the limit.
-- evidence: days_used : Days, in unit, from acceptance to completion (or today).
-- source: 中华人民共和国行政许可法 第四十二条、第八十二条 | https://flk.npc.gov.cn/
-- source: 中华人民共和国民法典 第二百零一条、第二百零三条 | https://flk.npc.gov.cn/
WITH item AS (
    SELECT * FROM (
        SELECT item_code, item_id, promised_limit, promised_unit,
               row_number() OVER (PARTITION BY item_code
                                  ORDER BY list_kind = 'power' DESC, promised_limit DESC NULLS LAST, item_id) AS pick
        FROM current_list_items)
    WHERE pick = 1
), limited AS (
    SELECT c.case_id, c.department_id, c.item_code, c.accepted_at, c.completed_at, c.status,
           coalesce(c.promised_limit, i.promised_limit) AS time_limit,
           CASE WHEN c.promised_limit IS NOT NULL THEN c.promised_unit ELSE i.promised_unit END AS unit,
           CASE WHEN c.promised_limit IS NOT NULL THEN 'case' ELSE 'list_item' END AS limit_source
    FROM current_approval_cases c LEFT JOIN item i USING (item_code)
), dated AS (
    SELECT *,
           cn_date(accepted_at) AS accepted_on,
           cn_date(completed_at) AS completed_on,
           completed_at IS NULL AND status IN ('accepted', 'in_progress') AS open_case,
           CASE unit WHEN 'workday' THEN add_working_days(cn_date(accepted_at), time_limit)
                     WHEN 'calendar_day' THEN next_workday(cn_date(accepted_at) + time_limit)
           END AS deadline
    FROM limited
    WHERE time_limit IS NOT NULL
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
       accepted_on,
       completed_on,
       open_case,
       time_limit,
       unit,
       limit_source,
       deadline,
       CASE unit WHEN 'workday' THEN working_days_between(accepted_on, measured_to)
                 ELSE date_diff('day', accepted_on, measured_to) END AS days_used
FROM measured
WHERE measured_to > deadline
