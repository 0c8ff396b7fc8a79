"""The site's interface in Chinese and English: a small catalogue of zh-CN → en strings.

Templates are written in Chinese and pass every interface string through `t(text, lang)` (a
Jinja2 global and filter): Chinese pages print it as it stands, English pages print the
catalogue's translation. Strings may hold `{name}` placeholders filled after translation. The
data itself (names, titles, legal texts) is shown as published, in either language.
A string missing from the catalogue is shown in Chinese; `tests/test_i18n.py` fails on any.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANG = "zh-CN"
LANGUAGES: tuple[str, ...] = ("zh-CN", "en")
# Where each language's pages live: Chinese at the root, English under /en/.
PREFIXES: dict[str, str] = {"zh-CN": "", "en": "/en"}
NAMES: dict[str, str] = {"zh-CN": "中文", "en": "English"}

CATALOGUE: dict[str, str] = {
    # frame
    "阳光公示": "Sunlit",
    "跳到正文": "Skip to content",
    "搜索": "Search",
    "搜索项目、单位、事项": "Search tenders, organisations, items",
    "主导航": "Main",
    "招标结果": "Tenders",
    "机构": "Organisations",
    "三张清单": "The three lists",
    "办件公示": "Approvals",
    "风险提示": "Red flags",
    "数据": "Data",
    "关于": "About",
    "订阅": "Feeds",
    "语言": "Language",
    "订阅本页": "Follow this page",
    "订阅最新中标结果": "Subscribe to the latest awards",
    "全部订阅": "All feeds",
    "数据来自各地政府公开网站，每条记录注明来源与抓取时间。":
        "Data from public government websites; every record names its source and fetch time.",
    "方法说明": "Methodology",
    "最新中标结果": "Latest awards",
    "招投标结果、三张清单与办件公示": "Public tenders, the three lists and approvals",
    # pager
    "分页": "Pages",
    "上一页": "Previous",
    "下一页": "Next",
    "第 {number} / {pages} 页": "Page {number} of {pages}",
    "（第 {number} 页）": " (page {number})",
    # provenance
    "数据来源": "Source",
    "来源": "Source",
    "原始网页": "Original page",
    "抓取时间": "Fetched",
    "版本": "Version",
    "第 {version} 版": "version {version}",
    "记录编号": "Record id",
    # home
    "关键数字": "Key figures",
    "中标记录": "Awards",
    "中标总额": "Total awarded",
    "清单事项": "List items",
    "办件": "Cases",
    "超期办件": "Overdue cases",
    "数据更新至 {when}": "Data as of {when}",
    "最新中标": "Latest awards",
    "中标人 {name}": "Supplier {name}",
    "全部招标结果": "All tenders",
    "订阅最新中标": "Follow the latest awards",
    "暂无中标记录。": "No awards yet.",
    "最新清单变更": "Latest list changes",
    "暂无清单变更。": "No list changes yet.",
    "超期的办件": "Overdue approvals",
    "暂无超期办件。": "No overdue approvals.",
    "全部办件公示": "All approvals",
    # labels
    "公开招标": "Open tender",
    "邀请招标": "Selective tender",
    "竞争性谈判": "Competitive negotiation",
    "竞争性磋商": "Competitive consultation",
    "询价": "Request for quotations",
    "单一来源": "Single source",
    "货物": "Goods",
    "工程": "Works",
    "服务": "Services",
    "个工作日": " working days",
    "个自然日": " calendar days",
    "已受理": "Accepted",
    "办理中": "In progress",
    "已办结": "Completed",
    "不予受理": "Rejected",
    "禁止": "Prohibited",
    "限制": "Restricted",
    "权力清单": "Power list",
    "责任清单": "Responsibility list",
    "负面清单": "Negative list",
    "新增": "Added",
    "删除": "Removed",
    "修改": "Changed",
    "元": " yuan",
    "万元": "10k yuan",
    "{n} 天": "{n} days",
    "{n} 个工作日": "{n} working days",
    # tenders
    "共 {n} 个项目，按公告时间从新到旧。": "{n} tenders, newest notice first.",
    "采购人未公布": "Buyer not published",
    "浏览": "Browse",
    "按年份": "By year",
    "按地区": "By region",
    "按品目": "By category",
    "按采购方式": "By method",
    "年份": "Year",
    "地区": "Region",
    "品目": "Category",
    "采购方式": "Method",
    "未注明": "Not stated",
    "{facet}：{value}": "{facet}: {value}",
    # tender
    "更正公告": "Correction notice",
    "项目编号": "Notice number",
    "采购人": "Buyer",
    "代理机构": "Agency",
    "预算金额": "Budget",
    "公告时间": "Published",
    "投标截止": "Bid deadline",
    "定标日期": "Award date",
    "行政区划": "Region",
    "进程": "Timeline",
    "招标公告": "Tender notice",
    "开标": "Bid deadline",
    "定标": "Award",
    "结果公告": "Result notice",
    "中标结果": "Awards",
    "中标人": "Supplier",
    "标段": "Lot",
    "中标金额": "Amount",
    "原文金额": "Amount as published",
    "工期": "Period",
    "下浮率 {rate}": "discount {rate}",
    "本公告未列出中标人。": "This notice names no supplier.",
    "候选人与报价": "Bidders and prices",
    "排名": "Rank",
    "投标人": "Bidder",
    "报价": "Price",
    "下浮率": "Discount rate",
    "备注": "Note",
    "被否决": "Disqualified",
    "本项目的风险提示": "Red flags raised",
    "命中只说明记录值得核查，不等于违规。":
        "A hit marks a record worth a closer look, not a wrongdoing.",
    "代码": "Code",
    "提示": "Flag",
    "对象": "Record",
    # organisations
    "采购人、代理机构、供应商和部门，共 {n} 个，按名称排列。":
        "Buyers, agencies, suppliers and departments: {n}, by name.",
    "统一社会信用代码": "Unified social credit code",
    "未公布": "Not published",
    "（校验位不符）": " (check digit does not match)",
    "其他名称": "Other names",
    "合并的名称": "Merged names",
    "作为采购人": "As buyer",
    "{n} 个项目": "{n} tenders",
    "中标": "Won",
    "{n} 次": "{n} times",
    "中标金额合计": "Total won",
    "采购金额合计": "Total spent",
    "中标记录（作为中标人）": "Awards won",
    "作为采购人的项目": "Tenders as buyer",
    "暂无。": "None yet.",
    "各年采购金额": "Spending by year",
    "各年中标金额": "Awards won by year",
    "{name}各年采购金额（万元）": "Spending of {name} by year (10k yuan)",
    "{name}各年中标金额（万元）": "Awards won by {name} by year (10k yuan)",
    "金额（万元）": "Amount (10k yuan)",
    "图表数据": "The numbers behind the chart",
    "主要中标人": "Top suppliers",
    "主要采购人": "Top buyers",
    "次数": "Count",
    "金额": "Amount",
    "部门页面": "Department page",
    # departments
    "部门": "Departments",
    "部门 Department": "Department",
    "部门的清单事项与办件表现。": "Departments: their list items and how their approvals perform.",
    "清单事项数": "List items",
    "办件数": "Cases",
    "用时中位数（工作日）": "Median (working days)",
    "超期比例": "Overdue share",
    "本部门的清单事项": "List items of this department",
    "本部门的办件事项": "Approval items of this department",
    "暂无清单事项。": "No list items.",
    # lists
    "权力清单列出政府部门可以行使的权力，责任清单列出与之对应的责任，负面清单列出禁止或限制投资的领域。":
        "The power list names the powers government departments may use, the responsibility "
        "list the duties that go with them, and the negative list the fields where investment "
        "is prohibited or restricted.",
    "{n} 项": "{n} items",
    "共 {n} 项，按事项编码排列。": "{n} items, by item code.",
    "暂无清单数据。": "No list data yet.",
    "事项编码": "Item code",
    "权力类型": "Kind of power",
    "实施部门": "Department",
    "行使层级": "Level",
    "法定时限": "Statutory limit",
    "承诺时限": "Promised limit",
    "收费标准": "Fees",
    "不收费": "No fee",
    "对应权力事项": "Power item",
    "行业": "Industry",
    "措施": "Measure",
    "设定依据": "Legal basis",
    "本事项的办件公示（{n} 件）": "Approval cases of this item ({n})",
    "变更记录": "History of changes",
    "日期": "Date",
    "变更": "Change",
    "字段": "Field",
    "原内容": "Before",
    "新内容": "After",
    "首次收录": "First listed",
    "暂无变更。": "No changes recorded.",
    "名称": "Name",
    "子项": "Sub-item",
    "说明": "Description",
    "职责": "Duties",
    "追责情形": "Accountability",
    # approvals
    "每个审批事项的受理与办结时间，对照承诺时限。":
        "When each approval item's cases were accepted and completed, against the promised limit.",
    "事项": "Item",
    "超期": "Overdue",
    "用时中位数": "Median time",
    "暂无办件数据。": "No approval data yet.",
    "办理部门": "Department",
    "查看清单中的本事项": "This item in the lists",
    "最长用时": "Longest",
    "超期：已办结的，用时超过承诺时限或法定时限"
    "（工作日按国务院节假日安排计算，与风险提示 AP01、AP02 相同），"
    "或晚于公布的期限；未办结的，至最近一次抓取已过公布的期限或按自然日计的承诺时限"
    "（按工作日计且未公布期限的不作判断）。":
        "Overdue: a completed case that took longer than its promised or statutory limit "
        "(working days under the State Council's holiday calendar, as red flags AP01 and AP02 "
        "count them), or finished after a published deadline; an open case past its published "
        "deadline or its promised limit in calendar days at the latest fetch (open cases with "
        "limits in working days and no published deadline are not judged).",
    "办件编号": "Case number",
    "申请人": "Applicant",
    "受理": "Accepted",
    "办结": "Completed",
    "用时": "Time taken",
    "期限": "Deadline",
    "状态": "Status",
    "办理用时分布": "Processing time",
    "办结用时（工作日）分布": "Working days to completion",
    "工作日": "Working days",
    "件数": "Cases",
    "承诺": "Promised",
    "法定": "Statutory",
    "已办结办件的用时，竖线为承诺时限与法定时限。":
        "Working days taken by completed cases; the vertical lines mark the promised and "
        "statutory limits.",
    "超期比例 {share}": "{share} overdue",
    # projects
    "投资项目": "Projects",
    "投资项目代码下的全部审批办件。": "Every approval case filed under an investment project code.",
    "项目代码": "Project code",
    "起止": "From – to",
    "未结": "Open",
    "历时（自然日）": "Elapsed (calendar days)",
    "并联审批进程": "Joint approvals",
    "{code} 的审批进程": "Approvals of {code}",
    "办理中（至最近一次抓取）": "open (to the latest fetch)",
    "所属投资项目": "Investment project",
    # flags, data, sources, feeds, search
    "红色提示": "Red flags",
    "每项提示都有公开的定义、阈值和依据；命中只说明记录值得核查，不等于违规。":
        "Each flag has a public definition, thresholds and sources; a hit marks a record worth "
        "a closer look, not a wrongdoing.",
    "各项提示的命中数": "Hits per flag",
    "命中": "Hits",
    "定义": "Definition",
    "阈值": "Thresholds",
    "参数": "Parameter",
    "默认值": "Default",
    "依据": "Sources",
    "命中记录": "Hits",
    "记录": "Record",
    "项目": "Tender",
    "供应商": "Supplier",
    "发布日期": "Published",
    "当前数据中没有命中。": "No record raises this flag.",
    "数据下载": "Data",
    "本站全部数据，随每次构建导出：Parquet、CSV、DuckDB 数据库和 OCDS 发布包。清单见":
        "All of this site's data, exported with every build: Parquet, CSV, the DuckDB database "
        "and the OCDS release package. The list is",
    "（含每个文件的 SHA-256）。": " (with each file's SHA-256).",
    "文件": "Files",
    "表": "Table",
    "行": "Rows",
    "字节": "Bytes",
    "数据字典": "Data dictionary",
    "列": "Column",
    "类型": "Type",
    "每个来源最近的抓取运行、记录数和被拒绝的记录（按原因计数；被拒绝记录的原文不公开）。":
        "Each source's recent runs, record counts and rejected records (counted by reason; the "
        "raw text of a rejected record is never published).",
    "最近运行": "Recent runs",
    "开始": "Started",
    "页": "Pages",
    "拒绝": "Rejected",
    "拒绝原因": "Rejects by reason",
    "原因": "Reason",
    "数量": "Count",
    "示例": "Example",
    "没有被拒绝的记录。": "No rejected records.",
    "暂无抓取记录。": "No runs yet.",
    "用阅读器订阅，有新的中标结果、风险提示、清单变更或超期办件时自动收到。"
    "每个订阅有 Atom 和 RSS 两种格式；OPML 文件可一次导入一组订阅。":
        "Follow with any feed reader: new awards, red flags, list changes and overdue "
        "approvals come to you. Each feed comes as Atom and RSS; an OPML file subscribes to a "
        "whole group at once.",
    "订阅分类": "Feed kinds",
    "搜索项目名称、采购人、中标人、清单事项和办件事项，可按类型、年份、地区和部门筛选。":
        "Search tenders, buyers, suppliers, list and approval items; filter by type, year, "
        "region and department.",
    "搜索需要启用 JavaScript。也可以浏览": "Search needs JavaScript. You can also browse",
}


def t(text: str, lang: str | None = DEFAULT_LANG, **values: Any) -> str:
    """`text` (Chinese, as written in the templates) in `lang`, its placeholders filled."""
    if lang and lang != DEFAULT_LANG:
        text = CATALOGUE.get(text, text)
    return text.format(**values) if values else text


def prefix(lang: str | None) -> str:
    """The path prefix of a language's pages: "" for Chinese, "/en" for English."""
    return PREFIXES.get(lang or DEFAULT_LANG, "")


def other_languages(lang: str | None) -> list[str]:
    return [other for other in LANGUAGES if other != (lang or DEFAULT_LANG)]
