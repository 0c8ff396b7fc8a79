"""The kinds of search document and their labels, apart from `search.documents` so that the
query path of `sunlit search` does not import what building documents needs."""

from __future__ import annotations

# Labels shown in results and used as filter values.
KIND_LABELS = {
    "tender": "招标结果",
    "award": "中标记录",
    "organisation": "机构",
    "list_item": "清单事项",
    "approval_item": "办件事项",
    "flag": "风险提示",
}
KINDS = tuple(KIND_LABELS)
