-- name: list_changes
-- title: Changes to the three lists
-- description: Items added to, changed in or removed from the power, responsibility and
--    negative lists, snapshot to snapshot, with the fields that changed. A removal has no run:
--    it is known from the item's absence in a later complete snapshot.
-- param: since DATE NULL Only additions and changes stored on or after this date.
-- param: kind VARCHAR NULL Only this list: power, responsibility or negative.
WITH versions AS (
    SELECT l.*,
           lag(l.name) OVER w AS prev_name,
           lag(l.department) OVER w AS prev_department,
           lag(l.legal_basis) OVER w AS prev_legal_basis,
           lag(l.statutory_limit) OVER w AS prev_statutory_limit,
           lag(l.promised_limit) OVER w AS prev_promised_limit,
           lag(l.fees) OVER w AS prev_fees,
           lag(l.power_type) OVER w AS prev_power_type,
           max(l.version) OVER (PARTITION BY l.item_id) AS last_version
    FROM list_items l
    WINDOW w AS (PARTITION BY l.item_id ORDER BY l.version)
), changes AS (
    SELECT item_id, list_kind, item_code, name, department, version, first_run AS run_id,
           CASE WHEN version = 1 THEN 'added' ELSE 'changed' END AS change,
           CASE WHEN version = 1 THEN [] ELSE list_filter([
               CASE WHEN name IS DISTINCT FROM prev_name THEN 'name' END,
               CASE WHEN department IS DISTINCT FROM prev_department THEN 'department' END,
               CASE WHEN legal_basis IS DISTINCT FROM prev_legal_basis THEN 'legal_basis' END,
               CASE WHEN statutory_limit IS DISTINCT FROM prev_statutory_limit THEN 'statutory_limit' END,
               CASE WHEN promised_limit IS DISTINCT FROM prev_promised_limit THEN 'promised_limit' END,
               CASE WHEN fees IS DISTINCT FROM prev_fees THEN 'fees' END,
               CASE WHEN power_type IS DISTINCT FROM prev_power_type THEN 'power_type' END],
               lambda f: f IS NOT NULL) END AS changed_fields
    FROM versions
    UNION ALL
    SELECT item_id, list_kind, item_code, name, department, version, NULL, 'removed', []
    FROM versions
    WHERE version = last_version AND NOT is_current
)
SELECT c.change,
       c.list_kind,
       c.item_code,
       c.name,
       c.department,
       c.version,
       c.changed_fields,
       c.run_id,
       r.started_at AS stored_at,
       c.item_id
FROM changes c
LEFT JOIN (SELECT run_id, min(started_at) AS started_at FROM runs GROUP BY run_id) r USING (run_id)
WHERE ($since IS NULL OR c.change = 'removed' OR cn_date(r.started_at) >= $since)
  AND ($kind IS NULL OR c.list_kind = $kind)
ORDER BY stored_at DESC NULLS FIRST, c.list_kind, c.item_code, c.version
