"""Country identity, defined once: the labels foreign_holdings stores, how TIC's files spell them, the names a
scenario spec may use, and the TIC codes foreign_flows keys them by.

Used by the TIC parser (flows/sources/tic_rows.py), the spec validator (model/spec.py) and the calibration's
holder list (calibration/inputs.py). Pure data and functions: importing it opens no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# TIC source spellings (casefolded) -> the one label stored across mfhhis01, slt_table5, slt_table3 and mfh.txt.
TIC_ALIASES: dict[str, str] = {
    "china, mainland": "China",
    "korea, south": "South Korea",
    "korea": "South Korea",  # mfh.txt spells it without ", South"
    "carib bnkng ctrs": "Caribbean Banking Centers",
    "for. official": "Foreign Official",
    "foreign official treasury bills": "Foreign Official: Treasury Bills",
    "foreign official t-bonds & notes": "Foreign Official: T-Bonds & Notes",
    "memo: euro area": "Euro Area",
    "memo: european union": "European Union",
    "total regional orgs.": "Total Regional Organizations",
}

# TIC "Major Foreign Holders" names as the TIC parser stores them, plus holders seen in older vintages: the
# countries a scenario's sellers may name.
KNOWN_COUNTRIES: frozenset[str] = frozenset(
    {
        "Japan",
        "China",
        "United Kingdom",
        "Cayman Islands",
        "Belgium",
        "Luxembourg",
        "Canada",
        "France",
        "Ireland",
        "Taiwan",
        "Switzerland",
        "Singapore",
        "Hong Kong",
        "Norway",
        "India",
        "Brazil",
        "Saudi Arabia",
        "South Korea",
        "Israel",
        "United Arab Emirates",
        "Germany",
        "Mexico",
        "Thailand",
        "Philippines",
        "Kuwait",
        "Australia",
        "Netherlands",
        "Sweden",
        "Bermuda",
        "Bahamas",
        "Italy",
        "Spain",
        "Poland",
        "Colombia",
        "Chile",
        "Peru",
        "Vietnam",
        "Iraq",
        "Turkey",
        "Russia",
        "Oil Exporters",
        "Foreign Official",
    }
)

# Names a spec may use for a known country (lower case): TIC's own spellings of countries, and common short forms.
SPEC_ALIASES: dict[str, str] = {
    **{k: TIC_ALIASES[k] for k in ("china, mainland", "korea, south", "korea")},
    "mainland china": "China",
    "uk": "United Kingdom",
    "uae": "United Arab Emirates",
}


@cache  # called once per TIC row when resolving holdings
def canonical_country(name: str) -> str:
    """'china, mainland' -> 'China'; other names are matched case-insensitively to KNOWN_COUNTRIES."""
    key = " ".join(name.split()).lower()
    if key in SPEC_ALIASES:
        return SPEC_ALIASES[key]
    for known in KNOWN_COUNTRIES:
        if known.lower() == key:
            return known
    return " ".join(name.split())


@dataclass(frozen=True)
class Holder:
    """A holder the calibration estimates on: its foreign_holdings label and its TIC code in foreign_flows."""

    label: str
    tic_code: int


# The headline holder: the largest foreign holder and the article's case (the run JSON's `mark_to_market.japan`,
# the reports' holdings chart and claims, a sweep's default seller).
HEADLINE_HOLDER = "Japan"

# Holder key -> identity; the calibration's panel columns are named after the keys.
HOLDERS: dict[str, Holder] = {
    "total": Holder("Grand Total", 99996),
    "official": Holder("Foreign Official", 99990),
    "japan": Holder("Japan", 42609),
    "china": Holder("China", 41408),
}
