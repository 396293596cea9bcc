"""How CDIA intervention pages write what they write, as the generator describes the layout
(never the parser's spelling): its labels, furniture and separators."""

from __future__ import annotations

from devfin.sources.cdia.records import (
    CdiaCity,
    CdiaImpactArea,
    CdiaInfrastructureSector,
    CdiaStakeholder,
)

SOURCE = "cdia"
URL_PREFIX = "https://cdia.asia/project/"  # a page is URL_PREFIX + slug + "/"
SITE = "https://cdia.asia"

# The layout the pages are written in, described here as the site writes it (independently of
# the parser, which must read it): its name, its labels and furniture, its separators.
LAYOUT = "intervention-2019"
BREADCRUMB = "City Interventions"
BACK_TO_TOP = "Back to Top"
COUNTRY = "Country"
CITY = "City"
STAKEHOLDERS = "Key Stakeholders and Partners"
STUDY_PERIOD = "Project Preparation Study Period"
CDIA_SUPPORT = "CDIA Support"
DOWNSTREAM_FINANCING = "Expected Downstream Financing"
INFRASTRUCTURE_SECTORS = "Infrastructure sectors"
IMPACT_AREAS = "CDIA priority impact areas"
KEY_ISSUES = "Key City Development Issues"
COOPERATION_DETAILS = "Details of Cooperation"
EXPECTED_OUTCOMES = "Expected Development Outcomes"
EXPECTED_IMPACTS = "Expected Development Impacts"  # some pages head the outcomes so
DOWNLOAD = "Download"
CITY_INFORMATION = "Key City information"
LAND_AREA = "Land Area"
POPULATION = "Estimated Population"
CITY_WEBSITE = "City website"
PLACEHOLDER = "n/a"
LIST_SEPARATOR = "; "
PERIOD_SEPARATOR = " \u2013 "
# How the site writes a downstream amount not yet known.
TO_BE_CONFIRMED = ("TBC", "tbc", "To be confirmed")
# How several cities are written in the City value, besides one a line.
CITY_SEPARATORS = (", ", "; ")

# The page's sections, each a group of labels in page order.
LOCATION = (COUNTRY, CITY)
FACTS = (
    STAKEHOLDERS,
    STUDY_PERIOD,
    CDIA_SUPPORT,
    DOWNSTREAM_FINANCING,
    INFRASTRUCTURE_SECTORS,
    IMPACT_AREAS,
)
NARRATIVES = (KEY_ISSUES, COOPERATION_DETAILS, EXPECTED_OUTCOMES)
CITY_FACTS = (LAND_AREA, POPULATION, CITY_WEBSITE)
# Every label of the layout, in page order: the order of `missing_labels`.
LABELS = (*LOCATION, *FACTS, *NARRATIVES, DOWNLOAD, *CITY_FACTS)
CHILD_TABLES = {
    CITY: CdiaCity,
    STAKEHOLDERS: CdiaStakeholder,
    INFRASTRUCTURE_SECTORS: CdiaInfrastructureSector,
    IMPACT_AREAS: CdiaImpactArea,
}


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
AREA_UNITS = ("sq. km.", "sq km", "km\u00b2", "square kilometres")
NBSP = "\u00a0"
# Download links are set apart by a run of spaces and no-break spaces, as on the live page.
LINK_GAP = f" {NBSP}{NBSP} {NBSP}{NBSP}"
