-- name: list_changes
-- title: Changes to the three lists
-- description: Items added to, changed in or removed from the power, responsibility and
--    negative lists, snapshot to snapshot, with the fields that changed (the view
--    list_changes has one row per field, with old and new values). A removal's run is that of
--    the first complete snapshot without the item.
-- param: since DATE NULL Only additions and changes stored on or after this date.
-- param: kind VARCHAR NULL Only this list: power, responsibility or negative.
WITH grouped AS (
    SELECT item_id, change, version, run_id,
           list(field ORDER BY field) FILTER (WHERE field IS NOT NULL) AS changed_fields
    FROM list_changes
    GROUP BY ALL
)
SELECT g.change,
       l.list_kind,
       l.item_code,
       l.name,
       l.department,
       g.version,
       coalesce(g.changed_fields, []) AS changed_fields,
       g.run_id,
       r.started_at AS stored_at,
       g.item_id
FROM grouped g
JOIN list_items l ON l.item_id = g.item_id AND l.version = g.version
LEFT JOIN (SELECT run_id, min(started_at) AS started_at FROM runs GROUP BY run_id) r USING (run_id)
WHERE ($since IS NULL OR g.change = 'removed' OR cn_date(r.started_at) >= $since)
  AND ($kind IS NULL OR l.list_kind = $kind)
ORDER BY stored_at DESC NULLS FIRST, l.list_kind, l.item_code, g.version
