"""The accepted spellings of the registry's enumerations in import files."""

from __future__ import annotations

from tanhua.org.models import Gender, Level, Tier

LEVEL_WORDS = {
    **{v: v for v in Level.values},
    "省": Level.PROVINCE,
    "市": Level.CITY,
    "县": Level.COUNTY,
    "乡": Level.TOWNSHIP,
}
TIER_WORDS = {
    **{v: v for v in Tier.values},
    "中管": Tier.CENTRAL,
    "省管": Tier.PROVINCIAL,
    "市管": Tier.CITY,
    "县管": Tier.COUNTY,
}
GENDER_WORDS = {
    "male": Gender.MALE,
    "female": Gender.FEMALE,
    "男": Gender.MALE,
    "女": Gender.FEMALE,
}
