"""The partner type an organisation's name suggests, offered first when it is added.

A council typed into "New organisation" was offered "Integrated Care Board", the first
type in the list; the user had to notice and change it. ``guess_partner_type`` reads the
name the way a person would and offers the likely type, which the user confirms or
changes. Pure: no I/O, no Qt.
"""

from __future__ import annotations

import re

from .domain import PartnerType

# A care provider type is newer than some databases' code; until it is there, a care
# provider is "other", as before.
_CARE_PROVIDER = PartnerType.__members__.get("CARE_PROVIDER", PartnerType.OTHER)

# In order: the first rule whose pattern is found in the name decides. Voluntary sector
# bodies come before councils ("Council for Voluntary Service"), public health before
# councils ("Northshire County Council Public Health"), the ICB and primary care before
# care providers ("Integrated Care Board", "Primary Care Network"), and a council's
# district or borough before the council as such.
_RULES: tuple[tuple[str, PartnerType], ...] = (
    (r"\bhealthwatch\b", PartnerType.HEALTHWATCH),
    (
        r"\bvoluntary\b|\bvcse\b|\bvcs\b|\bcvs\b|\bthird sector\b|\bvolunteer",
        PartnerType.VCSE,
    ),
    (r"\bintegrated care board\b|\bicb\b|\bclinical commissioning group\b", PartnerType.ICB),
    (r"\bpublic health\b", PartnerType.PUBLIC_HEALTH),
    (
        r"\bprimary care\b|\bpcn\b|\bgps?\b|\bgeneral practice\b|\bmedical practice\b"
        r"|\bsurgery\b|\blocal medical committee\b",
        PartnerType.PRIMARY_CARE,
    ),
    (
        r"\bnhs\b.*\btrust\b|\bfoundation trust\b|\bhospitals?\b|\bambulance service\b",
        PartnerType.NHS_TRUST,
    ),
    # A London, metropolitan or royal borough, or a county borough (Wales), is a
    # unitary or upper-tier council; other borough and district councils are districts.
    (
        r"\b(london|metropolitan|royal|county) borough\b",
        PartnerType.UPPER_TIER_COUNCIL,
    ),
    (
        r"\b(district|borough)\b.*\bcouncil\b|\bcouncil\b.*\b(district|borough)\b",
        PartnerType.DISTRICT_COUNCIL,
    ),
    (r"\bcouncil\b|\bcombined authority\b", PartnerType.UPPER_TIER_COUNCIL),
    (
        r"\bcare (home|homes|association|providers?|services|group)\b|\bhome care\b"
        r"|\bnursing homes?\b|\bdomiciliary\b",
        _CARE_PROVIDER,
    ),
)


def guess_partner_type(name: str) -> PartnerType:
    """The partner type ``name`` most likely is ("Westmoor County Council" an upper-tier
    council, "Eastdale District Council" a district council, "Northshire CVS" the
    voluntary sector); OTHER when the name says nothing either way."""
    text = " ".join(name.casefold().split())
    for pattern, partner_type in _RULES:
        if re.search(pattern, text):
            return partner_type
    return PartnerType.OTHER


__all__ = ["guess_partner_type"]
