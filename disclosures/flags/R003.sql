-- code: R003
-- title_zh: 投标期过短
-- title_en: Short submission period
-- record_kind: tender
-- definition: An open tender (公开招标) whose bidding period, counted in calendar days from the
--    date its tender notice was published (tender_published_at) to the date of the bid deadline,
--    is shorter than min_days. Tenders whose tender-notice date is not known (a source that
--    publishes only result notices), or does not precede the deadline, are not evaluated.
-- threshold: min_days = 15 : Shortest bidding period, in calendar days, that is not flagged.
-- evidence: procurement_method : Procurement method of the tender.
-- evidence: period_start : Date the tender notice was published (Asia/Shanghai).
-- evidence: period_end : Date of the bid deadline (Asia/Shanghai).
-- evidence: period_days : Calendar days from period_start to period_end.
-- evidence: min_days : Threshold in force.
-- source: Open Contracting Partnership, Cardinal indicator R003 | https://cardinal.readthedocs.io/en/latest/cli/indicators/R/003.html
SELECT 'tender' AS record_kind,
       tender_id AS record_id,
       tender_id,
       buyer_id,
       CAST(NULL AS VARCHAR) AS supplier_id,
       procurement_method,
       cn_date(tender_published_at) AS period_start,
       cn_date(bid_deadline_at) AS period_end,
       date_diff('day', period_start, period_end) AS period_days,
       flag_threshold('R003', 'min_days') AS min_days
FROM current_tenders
WHERE procurement_method = 'open'
  AND tender_published_at < bid_deadline_at
  AND date_diff('day', cn_date(tender_published_at), cn_date(bid_deadline_at)) < flag_threshold('R003', 'min_days')
