"""Sunlit's sample portal: a deterministic, generated government portal served on 127.0.0.1.

It serves the formats Sunlit collects — an Epoint WebBuilder list API, 中国政府采购网 pages
(some in GBK), OCDS release packages, the three lists and approval cases — with a few
defects planted on purpose (`planted_defects`) and a positive and a near-miss of every red
flag (`planted_flags`). See docs/sample-portal.md.
"""

from disclosures.portal.generator import (
    PlantedDefect,
    PlantedFlag,
    PortalData,
    planted_defects,
    planted_flags,
)
from disclosures.portal.server import Portal, entry_points, start_portal

__all__ = ["PlantedDefect", "PlantedFlag", "Portal", "PortalData", "entry_points",
           "planted_defects", "planted_flags", "start_portal"]
