"""The typed records of ADB's IATI activity files; their field names are the staging columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

# Codes are kept as the codelists write them. Those of a codelist of small whole numbers
# (ActivityStatus, OrganisationRole, ActivityDateType, TransactionType, BudgetType,
# BudgetStatus) are ints, so that a value outside the codelist is an unread value, not a row;
# the others (country, region, sector, organisation type) are text, as their codelists are.
# Every child row is keyed by its `position`: its rank among the rows of its table in the
# activity, from 1, in file order.


@dataclass(frozen=True)
class IatiActivity:
    """One `<iati-activity>` of an IATI activity file: the row of `staging.iati_activities`."""

    table: ClassVar[str] = "iati_activities"

    iati_identifier: str  # "XM-DAC-46004-55343-001-GRNT0822"
    layout: str | None = None  # "iati-2.03": the IATI standard version its file declares
    project_number: str | None = None  # "55343-001", from the identifier
    loan_or_grant_number: str | None = None  # "GRNT0822", what follows it in the identifier
    hierarchy: int | None = None
    default_language: str | None = None  # the activity's xml:lang, for narratives without one
    default_currency: str | None = None
    last_updated_at: datetime | None = None  # UTC (a time written without offset is taken as UTC)
    reporting_org_ref: str | None = None
    reporting_org_type: str | None = None
    reporting_org_name: str | None = None  # its narrative in the activity's default language
    activity_status_code: int | None = None  # ActivityStatus codelist, 1-6
    title: str | None = None  # the English narrative of the title, for convenience
    description: str | None = None  # the English narrative of the general description (type 1)


@dataclass(frozen=True)
class IatiTitle:
    """One narrative of the activity's title, in one language."""

    table: ClassVar[str] = "iati_titles"

    position: int
    language: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class IatiDescription:
    """One narrative of one of the activity's descriptions (DescriptionType codelist)."""

    table: ClassVar[str] = "iati_descriptions"

    position: int
    description_type_code: int | None = None  # DescriptionType codelist: 1 general, 2 objectives,
    # 3 target groups, 4 other
    language: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class IatiParticipatingOrg:
    table: ClassVar[str] = "iati_participating_orgs"

    position: int
    ref: str | None = None
    organisation_type: str | None = None  # OrganisationType codelist ("40" multilateral)
    role_code: int | None = (
        None  # OrganisationRole codelist: 1 funding, 2 accountable, 3 extending,
    )
    # 4 implementing
    name: str | None = None  # its narrative in the activity's default language, else its first


@dataclass(frozen=True)
class IatiRecipientCountry:
    table: ClassVar[str] = "iati_recipient_countries"

    position: int
    country_code: str | None = (
        None  # ISO 3166-1 alpha-2 (IATI's Country codelist has no vocabulary)
    )
    percentage: Decimal | None = None


@dataclass(frozen=True)
class IatiRecipientRegion:
    table: ClassVar[str] = "iati_recipient_regions"

    position: int
    region_code: str | None = None
    vocabulary: str | None = None  # RegionVocabulary codelist; "1" (OECD DAC) when not written
    percentage: Decimal | None = None


@dataclass(frozen=True)
class IatiSector:
    table: ClassVar[str] = "iati_sectors"

    position: int
    sector_code: str | None = None
    vocabulary: str | None = (
        None  # SectorVocabulary codelist; "1" (OECD DAC 5-digit) when not written
    )
    percentage: Decimal | None = None


@dataclass(frozen=True)
class IatiActivityDate:
    table: ClassVar[str] = "iati_activity_dates"

    position: int
    date_type_code: int | None = None  # ActivityDateType codelist: 1 planned start, 2 actual start,
    # 3 planned end, 4 actual end
    activity_date: date | None = None


@dataclass(frozen=True)
class IatiBudget:
    table: ClassVar[str] = "iati_budgets"

    position: int
    budget_type_code: int | None = None  # BudgetType codelist: 1 original, 2 revised
    budget_status_code: int | None = None  # BudgetStatus codelist: 1 indicative, 2 committed
    period_start_date: date | None = None
    period_end_date: date | None = None
    amount: Decimal | None = None
    currency: str | None = None  # the value's own, else the activity's default currency
    value_date: date | None = None


@dataclass(frozen=True)
class IatiTransaction:
    table: ClassVar[str] = "iati_transactions"

    position: int
    transaction_ref: str | None = None
    transaction_type_code: int | None = None  # TransactionType codelist, 1-13 (2 commitment,
    # 3 disbursement, 4 expenditure, ...)
    transaction_date: date | None = None
    amount: Decimal | None = None
    currency: str | None = None  # the value's own, else the activity's default currency
    value_date: date | None = None
    description: str | None = None
    provider_org_ref: str | None = None
    provider_org_name: str | None = None
    receiver_org_ref: str | None = None
    receiver_org_name: str | None = None


# Parent first, then the children in the order the parser reads them.
RECORD_TYPES: tuple[type, ...] = (
    IatiActivity,
    IatiTitle,
    IatiDescription,
    IatiParticipatingOrg,
    IatiRecipientCountry,
    IatiRecipientRegion,
    IatiSector,
    IatiActivityDate,
    IatiBudget,
    IatiTransaction,
)
