-- name: run_history
-- title: Collection runs
-- description: The latest collection runs per source with their counts and status: how fresh
--    and how complete the data is.
-- param: source VARCHAR NULL Only this source.
-- param: limit INTEGER 50 Most runs to show.
SELECT run_id,
       source,
       status,
       started_at,
       finished_at,
       date_diff('second', started_at, finished_at) AS seconds,
       pages,
       items,
       new,
       changed,
       unchanged,
       rejected,
       rejects_by_reason,
       message
FROM runs
WHERE $source IS NULL OR source = $source
ORDER BY started_at DESC, source
LIMIT $limit
