-- name: rejects_by_reason
-- title: Rejected records by reason
-- description: What could not be accepted, by source, record kind and reason, with the first
--    and last time it was seen and one example URL: where the data is incomplete, and why.
-- param: source VARCHAR NULL Only this source (its name in sources.toml).
SELECT source,
       kind,
       reason_code,
       count(*) AS rejects,
       min(rejected_at) AS first_seen,
       max(rejected_at) AS last_seen,
       min(url) AS example_url,
       min(reason) AS example_reason
FROM rejects
WHERE $source IS NULL OR source = $source
GROUP BY source, kind, reason_code
ORDER BY rejects DESC, source, kind, reason_code
