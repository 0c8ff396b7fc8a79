-- Views over the three lists and approval cases: list changes snapshot to snapshot, timing of
-- each case in working days, project timelines, and the reconciliation of cases with lists.
-- Installed after the red flags (`disclosures.flags`), whose views some of these read.

-- One row per change: an item added (version 1), removed (missing from a later complete
-- snapshot of its source and list) or changed (one row per field that differs from the
-- previous version).
CREATE OR REPLACE VIEW list_changes AS
WITH as_text AS (
    SELECT item_id, version,
           name, sub_item, power_type, department, region, legal_basis,
           CAST(statutory_limit AS VARCHAR) AS statutory_limit, statutory_unit,
           CAST(promised_limit AS VARCHAR) AS promised_limit, promised_unit,
           fees, level, power_item_code, industry, restriction, duties, accountability,
           description
    FROM list_items
), fields AS (
    SELECT * FROM as_text UNPIVOT INCLUDE NULLS (value FOR field IN (
        name, sub_item, power_type, department, region, legal_basis, statutory_limit,
        statutory_unit, promised_limit, promised_unit, fees, level, power_item_code, industry,
        restriction, duties, accountability, description))
), last_versions AS (
    SELECT l.*, r.started_at AS stored_at
    FROM list_items l
    LEFT JOIN (SELECT run_id, min(started_at) AS started_at FROM runs GROUP BY run_id) r
           ON r.run_id = l.first_run
    WHERE NOT l.is_current
      AND l.version = (SELECT max(version) FROM list_items m WHERE m.item_id = l.item_id)
), removals AS (
    -- The first complete snapshot of the item's source and list, after its last version was
    -- stored, that no longer lists it. Items retired without a snapshot have no run.
    SELECT v.item_id, v.version,
           (SELECT s.run_id FROM list_snapshots s
            WHERE s.source = v.source AND s.list_kind = v.list_kind
              AND s.taken_at >= coalesce(v.stored_at, '-infinity'::TIMESTAMPTZ)
              AND NOT list_contains(s.item_ids, v.item_id)
            ORDER BY s.taken_at LIMIT 1) AS run_id
    FROM last_versions v
)
SELECT l.item_id, l.list_kind, l.item_code, l.source, l.version, l.first_run AS run_id,
       'added' AS change, CAST(NULL AS VARCHAR) AS field,
       CAST(NULL AS VARCHAR) AS old_value, CAST(NULL AS VARCHAR) AS new_value
FROM list_items l WHERE l.version = 1
UNION ALL
SELECT l.item_id, l.list_kind, l.item_code, l.source, l.version, l.first_run,
       'changed', n.field, o.value, n.value
FROM list_items l
JOIN fields n ON n.item_id = l.item_id AND n.version = l.version
JOIN fields o ON o.item_id = l.item_id AND o.version = l.version - 1 AND o.field = n.field
WHERE l.version > 1 AND n.value IS DISTINCT FROM o.value
UNION ALL
SELECT l.item_id, l.list_kind, l.item_code, l.source, l.version, r.run_id,
       'removed', NULL, NULL, NULL
FROM removals r JOIN list_items l USING (item_id, version);
COMMENT ON VIEW list_changes IS 'Changes to the three lists, from the versions of list_items and the complete snapshots in list_snapshots: one row per item added, per item removed and per field changed.';
COMMENT ON COLUMN list_changes.item_id IS 'The item (list_items.item_id).';
COMMENT ON COLUMN list_changes.list_kind IS 'power, responsibility or negative.';
COMMENT ON COLUMN list_changes.item_code IS 'Item code (事项编码) as published.';
COMMENT ON COLUMN list_changes.source IS 'Source the item came from.';
COMMENT ON COLUMN list_changes.version IS 'Version of the item this change made (for a removal: its last version).';
COMMENT ON COLUMN list_changes.run_id IS 'Run that saw the change; for a removal, the run of the first snapshot without the item (NULL when it was retired without one).';
COMMENT ON COLUMN list_changes.change IS 'added, removed or changed.';
COMMENT ON COLUMN list_changes.field IS 'For a change: the list_items column that changed.';
COMMENT ON COLUMN list_changes.old_value IS 'For a change: the value before, as text.';
COMMENT ON COLUMN list_changes.new_value IS 'For a change: the value after, as text.';

-- The list item whose limits apply to a case with this item code: a power-list item first, as
-- flags AP01 and AP02 choose it.
CREATE OR REPLACE VIEW case_list_items AS
SELECT item_code, item_id, list_kind, statutory_limit, statutory_unit, promised_limit,
       promised_unit
FROM (
    SELECT *, row_number() OVER (PARTITION BY item_code
                                 ORDER BY list_kind = 'power' DESC, statutory_limit DESC NULLS LAST,
                                          item_id) AS pick
    FROM current_list_items)
WHERE pick = 1;
COMMENT ON VIEW case_list_items IS 'For each item code, the current list item approval cases are checked against: a power-list item first, then the longest statutory limit.';
COMMENT ON COLUMN case_list_items.item_code IS 'Item code (事项编码).';
COMMENT ON COLUMN case_list_items.item_id IS 'The list item (list_items.item_id).';
COMMENT ON COLUMN case_list_items.list_kind IS 'Its list: power, responsibility or negative.';
COMMENT ON COLUMN case_list_items.statutory_limit IS 'Its statutory limit (法定时限).';
COMMENT ON COLUMN case_list_items.statutory_unit IS 'workday or calendar_day.';
COMMENT ON COLUMN case_list_items.promised_limit IS 'Its promised limit (承诺时限).';
COMMENT ON COLUMN case_list_items.promised_unit IS 'workday or calendar_day.';

-- Elapsed days of every current case; the overdue verdicts are those of flags AP01 and AP02,
-- so the timing and the red flags never disagree.
CREATE OR REPLACE VIEW approval_case_timing AS
WITH measured AS (
    SELECT c.case_id, c.item_code, c.department, c.status, c.accepted_at, c.completed_at,
           c.deadline_at,
           cn_date(c.accepted_at) AS accepted_on,
           c.completed_at IS NULL AS open_case,
           coalesce(cn_date(c.completed_at), cn_date(current_timestamp)) AS measured_to,
           coalesce(c.promised_limit, i.promised_limit) AS promised_limit,
           CASE WHEN c.promised_limit IS NOT NULL THEN c.promised_unit ELSE i.promised_unit END
               AS promised_unit,
           i.item_id AS list_item_id,
           i.statutory_limit, i.statutory_unit
    FROM current_approval_cases c LEFT JOIN case_list_items i USING (item_code)
)
SELECT case_id, item_code, department, status, accepted_on,
       cn_date(completed_at) AS completed_on,
       open_case,
       working_days_between(accepted_on, measured_to) AS elapsed_working_days,
       date_diff('day', accepted_on, measured_to) AS elapsed_calendar_days,
       list_item_id,
       promised_limit, promised_unit,
       CASE WHEN promised_limit IS NOT NULL AND working_days_between(accepted_on, measured_to) IS NOT NULL
            THEN case_id IN (SELECT record_id FROM flag_ap01) END AS promised_overdue,
       statutory_limit, statutory_unit,
       CASE WHEN statutory_limit IS NOT NULL AND working_days_between(accepted_on, measured_to) IS NOT NULL
            THEN case_id IN (SELECT record_id FROM flag_ap02) END AS statutory_overdue,
       deadline_at,
       CASE WHEN deadline_at IS NOT NULL
            THEN coalesce(completed_at, current_timestamp) > deadline_at END AS past_deadline
FROM measured;
COMMENT ON VIEW approval_case_timing IS 'Every current approval case with the days it took (open cases: so far, to today in Asia/Shanghai), and whether it overran its promised limit (flag AP01), its statutory limit (flag AP02) or the deadline published with it.';
COMMENT ON COLUMN approval_case_timing.case_id IS 'The case (approval_cases.case_id).';
COMMENT ON COLUMN approval_case_timing.item_code IS 'Item code (事项编码) of the case.';
COMMENT ON COLUMN approval_case_timing.department IS 'Department handling the case.';
COMMENT ON COLUMN approval_case_timing.status IS 'Status of the case.';
COMMENT ON COLUMN approval_case_timing.accepted_on IS 'Date of acceptance (Asia/Shanghai); not counted.';
COMMENT ON COLUMN approval_case_timing.completed_on IS 'Date of completion; NULL while open.';
COMMENT ON COLUMN approval_case_timing.open_case IS 'True when the case has no completion time.';
COMMENT ON COLUMN approval_case_timing.elapsed_working_days IS 'Working days (工作日, Chinese holiday calendar) after acceptance up to completion or today; NULL outside the calendar''s years.';
COMMENT ON COLUMN approval_case_timing.elapsed_calendar_days IS 'Calendar days (自然日) after acceptance up to completion or today.';
COMMENT ON COLUMN approval_case_timing.list_item_id IS 'The list item matched by item code (see case_list_items).';
COMMENT ON COLUMN approval_case_timing.promised_limit IS 'Promised limit: the case''s own, else its list item''s.';
COMMENT ON COLUMN approval_case_timing.promised_unit IS 'workday or calendar_day.';
COMMENT ON COLUMN approval_case_timing.promised_overdue IS 'Overdue against the promised limit (flag AP01); NULL when there is no limit or the dates are outside the calendar.';
COMMENT ON COLUMN approval_case_timing.statutory_limit IS 'Statutory limit of the list item.';
COMMENT ON COLUMN approval_case_timing.statutory_unit IS 'workday or calendar_day.';
COMMENT ON COLUMN approval_case_timing.statutory_overdue IS 'Overdue against the statutory limit (flag AP02); NULL when there is no limit or the dates are outside the calendar.';
COMMENT ON COLUMN approval_case_timing.deadline_at IS 'Deadline published with the case (case logs), if any.';
COMMENT ON COLUMN approval_case_timing.past_deadline IS 'Completed after the published deadline, or still open past it; NULL without one.';

-- Approvals of one investment project (项目代码), first acceptance to last completion.
CREATE OR REPLACE VIEW project_timelines AS
SELECT project_code,
       count(*) AS cases,
       list(case_id ORDER BY accepted_at, case_id) AS case_ids,
       list(DISTINCT department) FILTER (WHERE department IS NOT NULL) AS departments,
       min(accepted_at) AS first_accepted_at,
       CASE WHEN bool_and(completed_at IS NOT NULL) THEN max(completed_at) END AS last_completed_at,
       count(*) FILTER (WHERE completed_at IS NULL) AS open_cases,
       date_diff('day', cn_date(min(accepted_at)),
                 coalesce(CASE WHEN bool_and(completed_at IS NOT NULL)
                               THEN cn_date(max(completed_at)) END,
                          cn_date(current_timestamp))) AS elapsed_calendar_days,
       working_days_between(cn_date(min(accepted_at)),
                            coalesce(CASE WHEN bool_and(completed_at IS NOT NULL)
                                          THEN cn_date(max(completed_at)) END,
                                     cn_date(current_timestamp))) AS elapsed_working_days
FROM current_approval_cases
WHERE project_code IS NOT NULL
GROUP BY project_code;
COMMENT ON VIEW project_timelines IS 'Investment projects (项目代码) with every approval case filed under them: how long the whole project waited.';
COMMENT ON COLUMN project_timelines.project_code IS 'Investment project code (项目代码).';
COMMENT ON COLUMN project_timelines.cases IS 'Number of approval cases of the project.';
COMMENT ON COLUMN project_timelines.case_ids IS 'Its cases (approval_cases.case_id), by acceptance time.';
COMMENT ON COLUMN project_timelines.departments IS 'Departments that handled them.';
COMMENT ON COLUMN project_timelines.first_accepted_at IS 'When the first case was accepted.';
COMMENT ON COLUMN project_timelines.last_completed_at IS 'When the last case was completed; NULL while any is open.';
COMMENT ON COLUMN project_timelines.open_cases IS 'Cases still open.';
COMMENT ON COLUMN project_timelines.elapsed_calendar_days IS 'Calendar days from the first acceptance to the last completion (or today).';
COMMENT ON COLUMN project_timelines.elapsed_working_days IS 'Working days over the same span; NULL outside the calendar''s years.';

-- Reconciliation: cases and lists should tell the same story.
CREATE OR REPLACE VIEW recon_cases_unknown_item AS
SELECT c.case_id, c.item_code, c.item_name, c.department, c.accepted_at, c.url
FROM current_approval_cases c
WHERE c.item_code IS NOT NULL
  AND c.item_code NOT IN (SELECT item_code FROM current_list_items);
COMMENT ON VIEW recon_cases_unknown_item IS 'Approval cases whose item code (事项编码) matches no current item of any list: a case handled under a power the lists do not publish.';
COMMENT ON COLUMN recon_cases_unknown_item.case_id IS 'The case.';
COMMENT ON COLUMN recon_cases_unknown_item.item_code IS 'Its item code, unknown to the lists.';
COMMENT ON COLUMN recon_cases_unknown_item.item_name IS 'Item name published with the case.';
COMMENT ON COLUMN recon_cases_unknown_item.department IS 'Department handling the case.';
COMMENT ON COLUMN recon_cases_unknown_item.accepted_at IS 'When the case was accepted.';
COMMENT ON COLUMN recon_cases_unknown_item.url IS 'Where the case was published.';

CREATE OR REPLACE VIEW recon_items_never_exercised AS
SELECT l.item_id, l.item_code, l.name, l.power_type, l.department, l.url
FROM current_list_items l
WHERE l.list_kind = 'power'
  AND l.item_code NOT IN (SELECT item_code FROM current_approval_cases WHERE item_code IS NOT NULL);
COMMENT ON VIEW recon_items_never_exercised IS 'Current power-list items with no approval case collected: powers published but never seen exercised (meaningful for the item types a portal publishes cases of, such as 行政许可).';
COMMENT ON COLUMN recon_items_never_exercised.item_id IS 'The item (list_items.item_id).';
COMMENT ON COLUMN recon_items_never_exercised.item_code IS 'Item code (事项编码).';
COMMENT ON COLUMN recon_items_never_exercised.name IS 'Item name.';
COMMENT ON COLUMN recon_items_never_exercised.power_type IS 'Power type (行政许可 …), to narrow to the types that have cases.';
COMMENT ON COLUMN recon_items_never_exercised.department IS 'Department (实施部门).';
COMMENT ON COLUMN recon_items_never_exercised.url IS 'Where the item was published.';

CREATE OR REPLACE VIEW recon_limit_mismatch AS
SELECT c.case_id, c.item_code, i.item_id AS list_item_id,
       c.promised_limit AS case_limit, c.promised_unit AS case_unit,
       i.promised_limit AS list_limit, i.promised_unit AS list_unit, c.url
FROM current_approval_cases c JOIN case_list_items i USING (item_code)
WHERE c.promised_limit IS NOT NULL AND i.promised_limit IS NOT NULL
  AND (c.promised_limit <> i.promised_limit OR c.promised_unit IS DISTINCT FROM i.promised_unit);
COMMENT ON VIEW recon_limit_mismatch IS 'Approval cases published with a promised limit (承诺时限) other than the one their list item promises.';
COMMENT ON COLUMN recon_limit_mismatch.case_id IS 'The case.';
COMMENT ON COLUMN recon_limit_mismatch.item_code IS 'Its item code.';
COMMENT ON COLUMN recon_limit_mismatch.list_item_id IS 'The list item it was matched to (see case_list_items).';
COMMENT ON COLUMN recon_limit_mismatch.case_limit IS 'Promised limit published with the case.';
COMMENT ON COLUMN recon_limit_mismatch.case_unit IS 'Its unit.';
COMMENT ON COLUMN recon_limit_mismatch.list_limit IS 'Promised limit of the list item.';
COMMENT ON COLUMN recon_limit_mismatch.list_unit IS 'Its unit.';
COMMENT ON COLUMN recon_limit_mismatch.url IS 'Where the case was published.';

-- The rule is flag AP03's; this view gives its items with their names and sources.
CREATE OR REPLACE VIEW recon_promise_exceeds_statute AS
SELECT l.item_id, l.list_kind, l.item_code, l.name, l.department,
       l.promised_limit, l.promised_unit, l.statutory_limit, l.statutory_unit, l.url
FROM flag_ap03 f JOIN current_list_items l ON l.item_id = f.record_id;
COMMENT ON VIEW recon_promise_exceeds_statute IS 'List items promising a longer limit than the law allows (flag AP03), with their names and sources.';
COMMENT ON COLUMN recon_promise_exceeds_statute.item_id IS 'The item (list_items.item_id).';
COMMENT ON COLUMN recon_promise_exceeds_statute.list_kind IS 'Its list.';
COMMENT ON COLUMN recon_promise_exceeds_statute.item_code IS 'Item code (事项编码).';
COMMENT ON COLUMN recon_promise_exceeds_statute.name IS 'Item name.';
COMMENT ON COLUMN recon_promise_exceeds_statute.department IS 'Department (实施部门).';
COMMENT ON COLUMN recon_promise_exceeds_statute.promised_limit IS 'Promised limit (承诺时限).';
COMMENT ON COLUMN recon_promise_exceeds_statute.promised_unit IS 'Its unit.';
COMMENT ON COLUMN recon_promise_exceeds_statute.statutory_limit IS 'Statutory limit (法定时限).';
COMMENT ON COLUMN recon_promise_exceeds_statute.statutory_unit IS 'Its unit.';
COMMENT ON COLUMN recon_promise_exceeds_statute.url IS 'Where the item was published.';
