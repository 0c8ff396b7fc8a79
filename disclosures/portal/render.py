# The HTML templates below reproduce the real portals' markup line for line; wrapping them at
# 100 columns would change the documents they stand for.
# ruff: noqa: E501
"""The sample portal's formats: each function turns generated records into what a real
portal of that kind sends (Epoint list-API JSON and its notice HTML, 中国政府采购网 pages,
OCDS release packages, list and approval APIs)."""

from __future__ import annotations

import html
import json
import math
import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import cn2an

from disclosures.portal.generator import (
    APPROVAL_RATIO,
    AWARD_CATEGORY,
    CANDIDATE_CATEGORY,
    CCGP_RATIO,
    LIST_RATIO,
    OCDS_RATIO,
    ApprovalCase,
    PortalData,
    PowerItem,
    Tender,
    award_infoid,
    candidate_infoid,
    ccgp_detail_path,
    corrupt_check_digit,
    make_guid,
    ocid,
    person_name,
    timeline,
)
from disclosures.portal.names import BUILD_SCOPES, METHODS, OCDS_CATEGORIES, QUALITY_TARGETS

CCGP_PAGE_SIZE = 20
OCDS_PAGE_SIZE = 25
BAD_DATE_TEXT = "2025年13月45日"
BAD_DATE_ISO = "2025-13-45"
CATEGORY_GUIDS = {
    AWARD_CATEGORY: "74bcbdfd-7c7a-4278-be44-ab89ffa7281a",
    CANDIDATE_CATEGORY: "6e68ea8a-4803-437b-af4d-46bb988d5ec8",
}
CATEGORY_NAMES = {AWARD_CATEGORY: "中标结果公告", CANDIDATE_CATEGORY: "中标候选人公示"}
TRADE_TYPES = {"工程": "A01", "服务": "A02", "货物": "A03"}  # projectjiaoyitypeex
_HANZI_DIGITS = "〇一二三四五六七八九"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def hanzi_date(day: date) -> str:
    """二〇二五年三月二十四日, as closing lines of notices date them."""
    year = "".join(_HANZI_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{cn2an.an2cn(day.month, 'low')}月{cn2an.an2cn(day.day, 'low')}日"


def wan(amount: Decimal) -> str:
    """An amount in 元 written in 万元 without trailing zeros: 123.4567."""
    text = format(amount / 10000, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def epoint_amount(tender: Tender) -> tuple[str, str]:
    """(label, cell) of an award notice's price row, in the style the tender was given."""
    winner = tender.winner
    if "missing_amount" in tender.defects:
        return "中标价(元):", ""
    if tender.amount_style == "rate" or winner.price is None:
        return "中标价(报价承诺):", f"下浮率{winner.rate}%"
    price = winner.price
    return {
        "plain": ("中标价(元):", f"{price}"),
        "comma": ("中标价(元):", f"{price:,}元"),
        "wan": ("中标价(万元):", wan(price)),
        "daxie": ("中标价(元):", cn2an.an2cn(f"{price}", "rmb")),
        "promise": ("中标价(报价承诺):", f"{price}元"),
    }[tender.amount_style]


def epoint_date(tender: Tender) -> str:
    if "bad_date" in tender.defects:
        return BAD_DATE_TEXT
    day = tender.award_date
    return {
        "iso": f"{day:%Y-%m-%d}",
        "cn": f"{day.year}年{day.month}月{day.day}日",
        "slash": f"{day:%Y/%m/%d}",
        "hanzi": hanzi_date(day.date()),
        "datetime": f"{day:%Y-%m-%d} 10:00:00",
    }[tender.date_style]


# ---- Epoint WebBuilder -----------------------------------------------------------------------

_AWARD_HEAD = """<!DOCTYPE html>
<html>
<head>
\t<meta charset='UTF-8' />
\t<meta http-equiv='X-UA-Compatible' content='IE=edge' />
</head>
<title></title>
<style type="text/css">
\t.topjsgc {
\t\twidth: 820px;
\t\tmargin-top: 25px;
\t\tmargin-left: 10px;
\t\ttext-align:center;
\t\tfont-family:宋体;
\t\tfont-size:20px;
\t\tfont-weight:bold;
\t}
\ttable td{padding:10px}
\t.title{
\t\ttext-align:left;
\t\twidth:600px
\t}
\t.contenttd{
\t\ttext-align:left;
\t\twidth:400px
\t}
</style>
</head>
<body>
<div>
\t<div style="text-align:center">
\t\t<table cellspacing="0" cellpadding="0" border="1" style="margin:0 auto; width:100%">
\t\t\t<tbody>
"""
_AWARD_TAIL = """
\t\t\t</tbody>
\t\t</table>
\t</div>

</div>

</body>
</html>"""


def _pair_row(label: str, value: str, label2: str | None = None, value2: str = "") -> str:
    cells = f'\t\t\t\t<td class="title">{esc(label)}</td>\n'
    if label2 is None:
        cells += f'\t\t\t\t<td class="contenttd" colspan="3"> {esc(value)}</td>\n'
    else:
        cells += (f'\t\t\t\t<td class="contenttd">{esc(value)}</td>\n'
                  f'\t\t\t\t<td class="title">{esc(label2)}</td>\n'
                  f'\t\t\t\t<td class="contenttd">{esc(value2)}</td>\n')
    return f"\t\t\t<tr>\n{cells}\t\t\t</tr>\n"


def award_content(tender: Tender, correction_of: str = "") -> str:
    """The notice HTML of an award (中标结果公告) in the portal's label/value table layout."""
    price_label, price = epoint_amount(tender)
    rng = random.Random(f"phone:{tender.index}")
    rows = [
        _pair_row(" 招标人:", tender.buyer.name, "建设地点", tender.region.province
                  + tender.region.city + tender.region.county),
        _pair_row(" 招标机构:", tender.agency.name, "标段(包)编号:", tender.section_code),
        _pair_row("项目编号:", tender.project_code),
        _pair_row("标段(包)名称:", tender.project),
        _pair_row("中标人:", tender.winner.bidder),
        _pair_row("中标范围和内容:", _scope(tender), "投诉电话", f"0717-{rng.randrange(10**7):07d}"),
        _pair_row(price_label, price, "履约期限(天):", str(tender.duration_days)),
        _pair_row("质量目标:", _quality(tender)),
        _pair_row(" 资质证书名称及编号:", "/" if tender.category == "货物" else
                  f"市政公用工程施工总承包贰级  D2420{rng.randrange(10**5):05d}"),
        _pair_row(" 安全生产许可证名称及编号:", "/" if tender.category != "工程" else
                  f"(鄂)JZ安许证字[20{rng.randrange(11, 24)}]0{rng.randrange(10**5):05d}"),
    ]
    for role, holder in tender.staff:
        if role == "项目负责人" and tender.manager is not None:
            manager = tender.manager
            holder = f"{manager.name},身份证号:{manager.id_card},联系电话:{manager.mobile}"
        rows.append(_pair_row(role, holder))
    rows.append(_pair_row("招标公告发布时间:", f"{tender.notice_date:%Y-%m-%d %H:%M}"))
    rows.append(_pair_row("公告发布日期:", epoint_date(tender)))
    remark = "/"
    if correction_of:
        remark = (f"原公告（{correction_of}）中标价填写有误，现更正为{tender.amount}元，"
                  "其他内容不变。")
    rows.append(_pair_row("备注:", remark))
    return _AWARD_HEAD + "".join(rows) + _AWARD_TAIL


def _scope(tender: Tender) -> str:
    return BUILD_SCOPES[tender.category]


def _quality(tender: Tender) -> str:
    return QUALITY_TARGETS[tender.category]


_CELL = 'valign=center style="width:26%;text-align:center;line-height:30px;font-family:宋体;font-size:16px;"'
_HEAD_CELL = ('colspan=2 valign=center style="width:20%;text-align:center;line-height:30px;'
              'font-family:宋体;font-size:16px;"')
_ORDINALS = ("第一名", "第二名", "第三名")


def _candidate_row(label: str, values: Iterable[str]) -> str:
    cells = "".join(f"\n            <td {_CELL}><b><span>&nbsp;{esc(v)}&nbsp;</span></b></td>"
                    for v in values)
    return (f"    <tr>\n        <td {_HEAD_CELL}><b><span>{esc(label)}</span></b></td>{cells}\n"
            "    </tr>\n")


def candidate_content(tender: Tender) -> str:
    """The notice HTML of a candidate list (中标候选人公示), as the portal lays it out."""
    candidates = tender.bids[:3]
    prices = [f"下浮率{b.rate}%" if b.rate is not None else f"{b.price}" for b in candidates]
    place = tender.region.county or tender.region.city
    verb = "发出投标邀请书" if tender.method == "邀请招标" else "发布招标公告"
    opened = tender.bid_deadline
    start = tender.candidate_date
    end = datetime.combine(start.date() + timedelta(days=3), datetime.min.time()).replace(
        hour=23, minute=59)
    bidders = len(tender.bids)
    table = (
        _candidate_row("名 次", _ORDINALS[: len(candidates)])
        + _candidate_row("中标候选人名称", (b.bidder for b in candidates))
        + _candidate_row("投标报价(元/%)", prices)
        + _candidate_row("质量目标", (_quality(tender) for _ in candidates))
        + _candidate_row("履约期限（天）", (f"{tender.duration_days}日历天" for _ in candidates))
        + _candidate_row("项目负责人", (b.manager for b in candidates))
    )
    ranking = "".join(f"<p><span><span>第{'一二三'[i]}中标候选人：{esc(b.bidder)}</span></span></p>"
                      for i, b in enumerate(candidates))
    return f"""<meta http-equiv="Content-Type" content="text/html;charset=utf-8">
<p></p>

<p style="font-family:宋体;font-size:22px;text-align:center;line-height:40px;" ><b>中标候选人公示</b></p>
<p style="font-family:宋体;font-size:16px;text-align:center;" ><b>标段（包）编号：{esc(tender.section_code)}</b></p>

<p><span style="font-family:宋体;font-size:18px;line-height:20px;" ><b>一、招标概况</b></span></p>
<p><b><span style="font-family:宋体;font-size:16px;line-height:20px;" >&nbsp;&nbsp;{esc(tender.project)}于{tender.notice_date:%Y年%m月%d日}在宜昌公共资源交易电子服务系统{verb}，{opened:%Y年%m月%d日 %H时%M分}在{esc(place)}公共资源交易中心开标、评标,根据评标委员会提交的评标报告，现将中标候选人公示如下：</span></b></p>

<p><span style="font-family:宋体;font-size:18px;line-height:20px;" ><b>二、评标结果</b></span></p>

<table  border=1  cellspacing=1  style="border-collapse:collapse;width:100%;">
    <tbody>
{table}    </tbody>
</table>
<p><p>
<table  border=1  cellspacing=1 >
    <tbody>
    <tr>
        <td valign=center><b><span>评标情况</span></b></td>
        <td><b>
            <div>&nbsp;<p><span><span>一、初步评审：参与初步评审的投标单位共{bidders}家。</span></span></p><p><span><span>二、详细评审：经评标委员会评审{bidders}家投标单位均通过详细评审。</span></span></p><p><span><span>三、评审结果：评标委员会依据招标文件规定，推荐中标候选人</span></span></p>{ranking}</div>
        </b></td>
    </tr>
    </tbody>
</table>
<p><p>

<p><span ><b>三、公示时间</b></span></p>
<p><b><span >&nbsp;&nbsp;公示期为{start:%Y年%m月%d日 %H时%M分}至{end:%Y年%m月%d日 %H时%M分}</span></b></p>
<p><span ><b>四、联系方式</b></span></p>
<p><b><span>1.招标人：{esc(tender.buyer.name)}</span></b></p>
<p><b><span>2.招标代理机构：{esc(tender.agency.name)}</span></b></p>
<p></p>"""


def _epoint_record(data: PortalData, category: str, infoid: str, tender: Tender, title: str,
                   published: datetime, content: str) -> dict[str, Any]:
    """One list-API record, with the 63 fields the real portal sends, in its order."""
    rng = random.Random(f"{data.seed}:record:{infoid}")
    pub = f"{published:%Y-%m-%d %H:%M:%S}"
    day = f"{published:%Y-%m-%d}"
    edited = f"{published + timedelta(minutes=rng.randrange(1, 240)):%Y-%m-%d %H:%M:%S}"
    if "bad_date" in tender.defects:
        pub = edited = f"{BAD_DATE_ISO} {published:%H:%M:%S}"
        day = BAD_DATE_ISO
    url = f"/jyxx/003001/{category}/{published:%Y%m%d}/{infoid}.html"
    return {
        "isconverge": 0, "infokey": None, "isshowweibo": None, "activityguid": "",
        "infostatuscode": 9, "projectjiaoyitypeex": TRADE_TYPES[tender.category],
        "titlecolor": None, "startdate": pub, "feedback": 0, "secondtitle": "", "score": None,
        "istop": 0, "titlesize": None, "sourcetype": None, "isstop": 1, "urlname": "linkurl",
        "xiaquname": tender.region.xiaquname, "infoid": infoid, "sysid": None, "author": "",
        "zhuanzai": "", "urlcategorynum": None, "collection": None, "haveheadnews": None,
        "enddate": "2099-12-31 23:59:59", "flowguid": None, "customtitle": title,
        "feedbackdesc": None, "xiaqucode": tender.region.code, "pubinwebdate": pub,
        "infotype": "News", "shared": None, "catedescription": None, "imgcategorynum": None,
        "recommend": None, "specialguid": None, "title": title, "rowguid": make_guid(rng),
        "templateurl": None, "titletype": "Text", "lasteditdate": edited, "oucode": None,
        "categorynum": category, "strcomment": None, "ouguid": None, "ishtml": None,
        "titlefontstyle": None, "isflow": None, "isshowtitle": 1, "clicktimes": None,
        "ordernum": 0, "isenable": 1, "sourceinfoid": None, "userguid": None,
        "infocontent": content, "infourl": url, "categoryguid": CATEGORY_GUIDS[category],
        "shixiao": None, "categoryname": CATEGORY_NAMES[category], "infodate": day,
        "referencetype": "4", "infolock": None, "overduetype": "1", "linkurl": url,
    }


def award_record(data: PortalData, position: int) -> dict[str, Any]:
    """The award list's entry at `position` (0 = newest)."""
    variant, index = data.epoint_award_entry(position)
    tender = data.tender("epoint", index)
    title = f"{tender.project}中标结果公告"
    correction_of = ""
    if variant == "correction":
        correction_of = award_infoid(data, "notice", index)
        tender = data.correction(tender)
        title = f"{tender.project}中标结果更正公告"
    infoid = award_infoid(data, variant if variant == "correction" else "notice", index)
    return _epoint_record(data, AWARD_CATEGORY, infoid, tender, title, tender.award_date,
                          award_content(tender, correction_of))


def candidate_record(data: PortalData, index: int) -> dict[str, Any]:
    """Candidate notice `index` (0 = newest): the candidates of tender 2 × index."""
    tender = data.tender("epoint", 2 * index)
    # The candidate notice predates the award notice's defects; its dates are sound.
    tender = replace(tender, defects=tender.defects - {"bad_date"})
    return _epoint_record(data, CANDIDATE_CATEGORY, candidate_infoid(data, index), tender,
                          f"{tender.project}中标候选人公示", tender.candidate_date,
                          candidate_content(tender))


def epoint_page(data: PortalData, category: str, page_index: int, page_size: int) -> bytes:
    if category == AWARD_CATEGORY:
        total, build = data.epoint_award_count, lambda p: award_record(data, p)
    elif category == CANDIDATE_CATEGORY:
        total, build = data.candidate_count, lambda p: candidate_record(data, p)
    else:
        total, build = 0, None
    start = page_index * page_size
    records = [build(p) for p in range(start, min(start + page_size, total))] if build else []
    return dumps({"custom": {"count": total, "infodata": records}})


def epoint_detail(record: dict[str, Any]) -> bytes:
    """The notice's own page (its infourl), with the notice HTML inside the site's frame."""
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{esc(record["title"])}</title></head>
<body>
<div class="ewb-article">
<h3 class="ewb-article-tt">{esc(record["title"])}</h3>
<p class="ewb-article-sources">【信息时间：<span id="infodate">{esc(record["infodate"])}</span>】</p>
<div class="ewb-article-info">
{record["infocontent"]}
</div>
</div>
</body>
</html>""".encode()


# ---- 中国政府采购网 -----------------------------------------------------------------------------

_CCGP_NAV = """<div class="vT_z w760"><div class="vT_nav">
<ul class="vT_nav_list w760">
<li><a href="/zcfg/" title="政策法规">政策法规</a></li>
<li><a href="/bx/" title="标讯频道">标讯频道</a></li>
<li><a href="/zycg/" title="中央采购">中央采购</a></li>
<li><a href="/dfcg/" title="地方采购">地方采购</a></li>
</ul></div></div>"""


def ccgp_title(tender: Tender) -> str:
    # Tenders (招标) end in 中标公告, negotiated procedures in 成交公告.
    suffix = "中标公告" if tender.method in ("公开招标", "邀请招标") else "成交公告"
    return f"{tender.project}{suffix}"


def ccgp_amount(amount: Decimal, style: int) -> str:
    if style == 0:
        return f"&yen;{amount / 10000:.2f}万元"  # exact: CCGP amounts are whole hundreds
    if style == 1:
        return f"&yen;{amount:.2f}元"
    return f"￥{amount / 10000:.6f}万元（人民币）"


def ccgp_list_page(data: PortalData, page: int) -> bytes | None:
    pages = math.ceil(data.ccgp_count / CCGP_PAGE_SIZE)
    if page >= pages:
        return None
    items = []
    for index in range(page * CCGP_PAGE_SIZE, min((page + 1) * CCGP_PAGE_SIZE, data.ccgp_count)):
        tender = data.tender("ccgp", index)
        href = "." + ccgp_detail_path(tender).removeprefix("/ccgp/cggg/zbgg")
        items.append(
            f'<li><a href="{href}" title="{esc(ccgp_title(tender))}">{esc(ccgp_title(tender))}</a>'
            f"<em>{tender.award_date:%Y-%m-%d %H:%M}</em><em>{esc(tender.region.province[:2])}"
            f"</em><em>{esc(tender.buyer.name)}</em></li>")
    links = []
    if page > 0:
        links.append(f'<a href="{"index.htm" if page == 1 else f"index_{page - 1}.htm"}">上一页</a>')
    if page + 1 < pages:
        links.append(f'<a href="index_{page + 1}.htm">下一页</a>')
    return f"""<!doctype html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>中标公告_地方标讯</title>
</head>
<body>
{_CCGP_NAV}
<div class="vT_z w760">
<div class="vT_detail_nav_lks"><a href="../../" class="CurrChnlCls">首页</a>&nbsp;&raquo;&nbsp;<a href="../" class="CurrChnlCls">地方标讯</a>&nbsp;&raquo;&nbsp;<span class="CurrChnlCls">中标公告</span></div>
<ul class="c_list_bid">
{chr(10).join(items)}
</ul>
<div class="pager">共{pages}页 第{page + 1}页 {" ".join(links)}</div>
</div>
</body>
</html>""".encode()


def ccgp_detail(data: PortalData, tender: Tender, charset_meta: str) -> str:
    """A 中标公告 detail page in the 2016 layout; `charset_meta` is what its meta tag claims."""
    rng = random.Random(f"{data.seed}:ccgp-page:{tender.index}")
    packages = data.ccgp_packages(tender)
    total = sum((amount for _, winners in packages for _, amount in winners), Decimal(0))
    style = rng.choice((0, 0, 0, 1, 2))
    winners = "、".join(name for _, group in packages for name, _ in group)
    title = ccgp_title(tender)
    published = tender.award_date
    rows = []
    for package, group in packages:
        for position, (name, amount) in enumerate(group):
            head = (f'<td rowspan="{len(group)}" width="15%"><p align="center">{esc(package)}</p></td>'
                    if position == 0 else "")
            rows.append(f'<tr>{head}<td width="55%"><p align="center">{esc(name)}</p></td>'
                        f'<td width="30%"><p align="center">{ccgp_amount(amount, 0)}</p></td></tr>')
    experts = "、".join(names_of(rng, 5))
    contact = names_of(rng, 1)[0]
    return f"""<!doctype html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}" />
<title>{esc(title)}</title>
<link href="/images/dsytle.css" rel="stylesheet" type="text/css" />
</head>
<body>
<div class="nav_xc"><div class="nav_xc_main w760"><div class="n_fl">财政部唯一指定政府采购信息网络发布媒体 国家级政府采购专业网站</div><div class="n_fr">服务热线：400-810-1996</div></div></div><span class="blank10"></span>
{_CCGP_NAV}
<span class="blank20"></span>
<div class="vT_z w760">
\t<div class="vT_detail_nav">
        <div class="vT_detail_nav_lks"><a href="../../../" class="CurrChnlCls">首页</a>&nbsp;&raquo;&nbsp;<a href="../../" class="CurrChnlCls">地方标讯</a>&nbsp;&raquo;&nbsp;<a href="../" class="CurrChnlCls">中标公告</a></div>
    </div>
    <div class="vT_detail_main">
        \t<div class="vT_detail_header"><h2 class="tc">{esc(title)}</h2>
            <p class="tc"><span id="pubTime">{published:%Y年%m月%d日 %H:%M}</span> 来源：<span id="sourceName">{esc(tender.region.province)}政府采购网</span> 【<span id="printBtn">打印</span>】 <span id="shareTo"></span></p></div>
            <span class="blank20" id="slicedLine"></span>
            <div class="vT_detail_content w760c">
<p style="line-height: 25pt; text-indent: 26.9pt" class="MsoNormal"><span style="font-family: 宋体; font-size: 14pt">{esc(tender.buyer.name)}{esc(tender.project)}（项目编号：{esc(tender.project_code)}），于{tender.notice_date:%Y年%m月%d日}发布采购公告，{tender.bid_deadline:%Y年%m月%d日}在{esc(tender.region.city)}公共资源交易中心开标（评审）后，已完成评审工作，经采购人确认，现将结果公布如下：</span></p>
<p class="MsoNormal">一、项目名称：{esc(tender.project)}</p>
<p class="MsoNormal">二、项目编号：{esc(tender.project_code)}</p>
<p class="MsoNormal">三、采购人：{esc(tender.buyer.name)}</p>
<p class="MsoNormal">四、采购代理机构：{esc(tender.agency.name)}</p>
<p class="MsoNormal">五、采购方式：{esc(tender.method)}</p>
<p class="MsoNormal">六、中标供应商：{esc(winners)}</p>
<p class="MsoNormal">七、中标金额：{ccgp_amount(total, style)}</p>
<p class="MsoNormal">八、公告日期：{published.year}年{published.month}月{published.day}日</p>
<div align="center"><table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>
<tr><td width="15%"><p align="center">包号</p></td><td width="55%"><p align="center">中标供应商</p></td><td width="30%"><p align="center">中标金额</p></td></tr>
{chr(10).join(rows)}
</tbody></table></div>
&nbsp;评审小组成员名单：<b>{esc(experts)}</b>&nbsp;特此公告<br />采购人：{esc(tender.buyer.name)}<br />代理机构：{esc(tender.agency.name)}<br />联 系 人：{esc(contact)}&nbsp;&nbsp;&nbsp;&nbsp; 联系电话：0{rng.randrange(10, 99)}-{rng.randrange(10**7, 10**8)}&nbsp;&nbsp;{hanzi_date(published.date())}
            </div>
    </div>
</div>
<div class="vT_nav_cp"><div class="vT_z w760"><div class="vT_b_c vT_cp">&copy; 1999- 中华人民共和国财政部版权所有</div></div></div>
</body>
</html>"""


def names_of(rng: random.Random, count: int) -> list[str]:
    return [person_name(rng) for _ in range(count)]


# ---- OCDS ------------------------------------------------------------------------------------

_OCDS_METHODS = dict(METHODS)


def _iso(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}+08:00"


def _money(amount: Decimal) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "CNY"}


def ocds_release(data: PortalData, index: int) -> dict[str, Any]:
    """Release `index` (0 = newest): a tender release for every sixth, an award release else."""
    tender = data.tender("ocds", index)
    awarded = index % 6 != 5
    release_ocid = ocid(index)
    parties: dict[str, dict[str, Any]] = {}

    def party(name: str, code: str, role: str) -> dict[str, str]:
        party_id = f"CN-USCC-{code}"
        entry = parties.setdefault(party_id, {
            "id": party_id, "name": name,
            "identifier": {"scheme": "CN-USCC", "id": code, "legalName": name},
            "roles": [],
        })
        if role not in entry["roles"]:
            entry["roles"].append(role)
        return {"id": party_id, "name": name}

    buyer = party(tender.buyer.name, tender.buyer.uscc, "buyer")
    procuring = party(tender.agency.name, tender.agency.uscc, "procuringEntity")
    release: dict[str, Any] = {
        "ocid": release_ocid,
        "id": f"{release_ocid}-{'award' if awarded else 'tender'}",
        "date": _iso(tender.award_date),
        "tag": ["award"] if awarded else ["tender"],
        "initiationType": "tender",
        "language": "zh",
        "parties": [],
        "buyer": buyer,
    }
    tender_section: dict[str, Any] = {
        "id": tender.project_code,
        "title": tender.project,
        "status": "complete" if awarded else "active",
        "value": _money(tender.budget),
        "procurementMethod": _OCDS_METHODS[tender.method],
        "procurementMethodDetails": tender.method,
        "mainProcurementCategory": OCDS_CATEGORIES[tender.category],
        "procuringEntity": procuring,
        "tenderPeriod": {"startDate": _iso(tender.notice_date),
                         "endDate": _iso(tender.bid_deadline)},
    }
    if not awarded:
        # An open tender: its notice is the release, at the release's place in the timeline.
        closes = tender.award_date.date() + timedelta(days=tender.bidding_days)
        tender_section["tenderPeriod"] = {
            "startDate": _iso(tender.award_date),
            "endDate": _iso(datetime.combine(closes, tender.bid_deadline.time())),
        }
    if awarded:
        winner = tender.winner
        suppliers = []
        for member in winner.members:
            code = member.uscc
            if "invalid_uscc" in tender.defects and member == winner.members[0]:
                code = corrupt_check_digit(code)
            suppliers.append(party(member.name, code, "supplier"))
            party(member.name, code, "tenderer")
        tenderers = [dict(s) for s in suppliers]
        for bid in tender.bids[1:]:
            for member in bid.members:
                tenderers.append(party(member.name, member.uscc, "tenderer"))
        tender_section["numberOfTenderers"] = len(tender.bids)
        tender_section["tenderers"] = tenderers
        # The bid extension's bids.details: every bid with its price and evaluation status
        # (the winner's tenderers are its suppliers, with the identifiers printed for them).
        release["bids"] = {"details": [{
            "id": f"{release_ocid}-bid-{rank}",
            "status": "disqualified" if bid.disqualified else "valid",
            "value": _money(bid.price or Decimal(0)),
            "tenderers": [dict(s) for s in suppliers] if rank == 1 else [
                party(m.name, m.uscc, "tenderer") for m in bid.members],
        } for rank, bid in enumerate(tender.bids, 1)]}
        release["awards"] = [{
            "id": f"{release_ocid}-award-1",
            "title": tender.project,
            "status": "active",
            "date": _iso(tender.award_date),
            "value": _money(winner.price or Decimal(0)),
            "suppliers": suppliers,
        }]
    release["tender"] = tender_section
    release["parties"] = list(parties.values())
    return release


def ocds_page(data: PortalData, page: int, base_url: str, path: str) -> bytes | None:
    pages = math.ceil(data.ocds_count / OCDS_PAGE_SIZE)
    if not 1 <= page <= pages:
        return None
    start = (page - 1) * OCDS_PAGE_SIZE
    releases = [ocds_release(data, i)
                for i in range(start, min(start + OCDS_PAGE_SIZE, data.ocds_count))]
    package: dict[str, Any] = {
        "uri": f"{base_url}{path}?page={page}",
        "version": "1.1",
        # Generated on demand, so the date of the newest release stands for the last change.
        "publishedDate": ocds_newest_date(data),
        "publisher": {"name": "阳光公示示例门户", "scheme": "CN-USCC",
                      "uid": "11420500MB0000000X", "uri": base_url + "/"},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": f"{base_url}/",
        "releases": releases,
    }
    if page < pages:
        package["links"] = {"next": f"{base_url}{path}?page={page + 1}"}
    return dumps(package)


def ocds_newest_date(data: PortalData) -> str:
    return _iso(timeline(0, data.ocds_count))


# ---- the three lists and the approvals ---------------------------------------------------------


def power_item_json(item: PowerItem) -> dict[str, str]:
    return {
        "事项编码": item.code,
        "事项名称": item.name,
        "子项名称": item.sub_name,
        "事项类型": item.type_shown,
        "实施主体": item.department,
        "设定依据": item.legal_basis,
        "法定办结时限": item.statutory_limit,
        "承诺办结时限": item.promised_limit,
        "收费标准": item.fee,
        "行使层级": item.levels,
    }


def list_page(data: PortalData, kind: str, page: int, page_size: int) -> bytes:
    start = (page - 1) * page_size
    indexes = range(max(start, 0), min(start + page_size, data.list_count))
    items: list[dict[str, str]]
    if kind == "power":
        items = [power_item_json(data.power_item(i)) for i in indexes]
    elif kind == "responsibility":
        items = [data.responsibility_item(i) for i in indexes]
    else:
        items = [data.negative_item(i) for i in indexes]
    return dumps({"total": data.list_count, "page": page, "pageSize": page_size, "items": items})


def case_json(case: ApprovalCase) -> dict[str, str]:
    return {
        "办件编号": case.number,
        "事项编码": case.item_code,
        "事项名称": case.item_name,
        "受理部门": case.department,
        "项目代码": case.project_code,
        "申请人": case.applicant,
        "申请人类型": case.applicant_type,
        "统一社会信用代码": case.applicant_uscc,
        "受理时间": f"{case.accepted_at:%Y-%m-%d %H:%M:%S}",
        "办结时间": f"{case.finished_at:%Y-%m-%d %H:%M:%S}" if case.finished_at else "",
        "办件状态": case.status,
        "承诺时限": case.promised_limit,
    }


def approvals_page(data: PortalData, page: int, page_size: int) -> bytes:
    start = (page - 1) * page_size
    indexes = range(max(start, 0), min(start + page_size, data.approval_count))
    return dumps({"total": data.approval_count,
                  "data": [case_json(data.approval_case(i)) for i in indexes]})


# ---- the index -------------------------------------------------------------------------------


def index_page(data: PortalData, entry_points: dict[str, str | list[str]]) -> bytes:
    links = []
    for name, target in entry_points.items():
        for url in [target] if isinstance(target, str) else target:
            links.append(f'<li>{esc(name)}: <a href="{esc(url)}">{esc(url)}</a></li>')
    ratios = (f"CCGP {CCGP_RATIO[0]}/{CCGP_RATIO[1]}, OCDS {OCDS_RATIO[0]}/{OCDS_RATIO[1]}, "
              f"lists {LIST_RATIO[0]}/{LIST_RATIO[1]}, approvals {APPROVAL_RATIO[0]}×")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>阳光公示示例门户 — Sunlit sample portal</title></head>
<body>
<h1>阳光公示示例门户</h1>
<p>Sunlit's generated sample portal: size {data.size}, seed {data.seed} ({esc(ratios)}).</p>
<ul>
{chr(10).join(links)}
</ul>
</body>
</html>""".encode()
