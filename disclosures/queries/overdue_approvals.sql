-- name: overdue_approvals
-- title: Overdue approval cases
-- description: Approval cases completed (or still open) after their promised limit (flag AP01)
--    or their statutory limit (flag AP02), with the days used and the deadline, counted in
--    working days under the Chinese holiday calendar where the limit is in working days.
-- param: department VARCHAR NULL Fragment of the department's name; every department when omitted.
SELECT c.department,
       c.item_name,
       h.record_id AS case_id,
       CASE h.flag_code WHEN 'AP01' THEN 'promised' ELSE 'statutory' END AS limit_kind,
       CAST(h.evidence ->> 'time_limit' AS INTEGER) AS time_limit,
       h.evidence ->> 'unit' AS unit,
       CAST(h.evidence ->> 'accepted_on' AS DATE) AS accepted_on,
       CAST(h.evidence ->> 'deadline' AS DATE) AS deadline,
       CAST(h.evidence ->> 'completed_on' AS DATE) AS completed_on,
       CAST(h.evidence ->> 'open_case' AS BOOLEAN) AS still_open,
       CAST(h.evidence ->> 'days_used' AS INTEGER) AS days_used,
       c.url
FROM flag_hits h
JOIN current_approval_cases c ON c.case_id = h.record_id
WHERE h.flag_code IN ('AP01', 'AP02')
  AND ($department IS NULL OR c.department ILIKE '%' || $department || '%')
ORDER BY accepted_on DESC, case_id, limit_kind
