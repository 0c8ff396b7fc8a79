-- code: CN01
-- title_zh: 投标（响应）期限短于法定最短期限
-- title_en: Bidding period shorter than the statutory minimum
-- record_kind: tender
-- definition: The period from the publication of the tender notice (tender_published_at, taken
--    as the day the tender documents began to be issued) to the bid deadline is shorter than
--    the law's minimum for the method, counted as the law counts periods: the first day is not counted (民法典
--    第二百零一条) and the deadline day is. Minimums: open or invited tendering (公开招标,
--    邀请招标) 20 days (招标投标法 第二十四条; 政府采购货物和服务招标投标管理办法 第二十条);
--    competitive consultation (竞争性磋商) 10 days (政府采购竞争性磋商采购方式管理暂行办法
--    第十条); competitive negotiation (竞争性谈判) and inquiry (询价) 3 working days
--    (政府采购非招标采购方式管理办法 第二十九条, 第四十五条), working days from the `calendar`
--    table. Only tenders whose tender-notice date is known and precedes the bid deadline are
--    evaluated, and a working-day period outside the calendar's years is not evaluated (unknown, not assumed).
-- threshold: tendering_days = 20 : Minimum for open and invited tendering, in calendar days.
-- threshold: consultation_days = 10 : Minimum for competitive consultation, in calendar days.
-- threshold: negotiation_workdays = 3 : Minimum for competitive negotiation, in working days.
-- threshold: inquiry_workdays = 3 : Minimum for inquiry, in working days.
-- evidence: procurement_method : Procurement method of the tender.
-- evidence: period_start : Date the tender notice was published (Asia/Shanghai); not counted.
-- evidence: period_end : Date of the bid deadline (Asia/Shanghai); counted.
-- evidence: unit : calendar_day or workday.
-- evidence: period : Length of the period in that unit.
-- evidence: statutory_minimum : The minimum in force for the method.
-- source: 中华人民共和国招标投标法 第二十四条 | https://flk.npc.gov.cn/
-- source: 政府采购货物和服务招标投标管理办法（财政部令第87号）第二十条 | https://www.ccgp.gov.cn/
-- source: 政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）第十条 | https://www.ccgp.gov.cn/
-- source: 政府采购非招标采购方式管理办法（财政部令第74号）第二十九条、第四十五条 | https://www.ccgp.gov.cn/
-- source: 中华人民共和国民法典 第二百零一条 | https://flk.npc.gov.cn/
WITH periods AS (
    SELECT tender_id, buyer_id, procurement_method,
           cn_date(tender_published_at) AS period_start,
           cn_date(bid_deadline_at) AS period_end,
           CASE WHEN procurement_method IN ('competitive_negotiation', 'inquiry')
                THEN 'workday' ELSE 'calendar_day' END AS unit,
           CASE procurement_method
                WHEN 'open' THEN flag_threshold('CN01', 'tendering_days')
                WHEN 'selective' THEN flag_threshold('CN01', 'tendering_days')
                WHEN 'competitive_consultation' THEN flag_threshold('CN01', 'consultation_days')
                WHEN 'competitive_negotiation' THEN flag_threshold('CN01', 'negotiation_workdays')
                WHEN 'inquiry' THEN flag_threshold('CN01', 'inquiry_workdays')
           END AS statutory_minimum
    FROM current_tenders
    WHERE tender_published_at < bid_deadline_at
), measured AS (
    SELECT *,
           CASE unit WHEN 'workday' THEN working_days_between(period_start, period_end)
                     ELSE date_diff('day', period_start, period_end) END AS period
    FROM periods
    WHERE statutory_minimum IS NOT NULL
)
SELECT 'tender' AS record_kind,
       tender_id AS record_id,
       tender_id,
       buyer_id,
       CAST(NULL AS VARCHAR) AS supplier_id,
       procurement_method,
       period_start,
       period_end,
       unit,
       period,
       statutory_minimum
FROM measured
WHERE period < statutory_minimum
