-- code: R048
-- title_zh: 中标品类异常多样
-- title_en: Heterogeneous supplier
-- record_kind: organisation
-- definition: The variety of what a supplier is awarded is a high outlier: the number of distinct
--    categories of the tenders it won is at or above the upper fence Q3 + 1.5 × IQR of all
--    suppliers' varieties, or a fixed fence when one is set. A category that is a code of the
--    government procurement catalogue (政府采购品目分类目录, e.g. A02010104) is compared on its first
--    prefix_length characters (A02: 通用设备); a plain category (goods, works, services) as it is.
--    A supplier of one category is never flagged, and a fence is computed only over at least
--    min_population suppliers.
-- threshold: fence = NULL : Fixed upper fence for the variety; NULL computes Q3 + 1.5 × IQR.
-- threshold: prefix_length = 3 : Characters of a catalogue code that make its first level.
-- threshold: min_population = 5 : Fewest suppliers before a computed fence is used.
-- evidence: variety : Distinct categories of the tenders the supplier won.
-- evidence: categories : Those categories.
-- evidence: upper_fence : The fence in force.
-- source: Open Contracting Partnership, Cardinal indicator R048 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/048.html
WITH won AS (
    SELECT DISTINCT a.supplier_id,
           CASE WHEN regexp_matches(t.category, '^[A-C][0-9]')
                THEN left(t.category, CAST(flag_threshold('R048', 'prefix_length') AS INTEGER))
                ELSE t.category END AS category
    FROM current_awards a JOIN current_tenders t USING (tender_id)
    WHERE t.category IS NOT NULL
), varieties AS (
    SELECT supplier_id, count(*) AS variety, list(category ORDER BY category) AS categories
    FROM won
    GROUP BY supplier_id
), fence AS (
    SELECT coalesce(
               flag_threshold('R048', 'fence'),
               CASE WHEN count(*) >= flag_threshold('R048', 'min_population')
                    THEN quantile_cont(variety, 0.75)
                         + 1.5 * (quantile_cont(variety, 0.75) - quantile_cont(variety, 0.25))
               END) AS upper_fence
    FROM varieties
)
SELECT 'organisation' AS record_kind,
       v.supplier_id AS record_id,
       CAST(NULL AS VARCHAR) AS tender_id,
       CAST(NULL AS VARCHAR) AS buyer_id,
       v.supplier_id,
       v.variety,
       v.categories,
       f.upper_fence
FROM varieties v CROSS JOIN fence f
WHERE v.variety > 1 AND v.variety >= f.upper_fence
