"""The truth of an activity: the records a parser must read back from it."""

from __future__ import annotations

from typing import Any

from devfin.records import ParsedSheet
from devfin.sources.adb_iati.records import (
    RECORD_TYPES,
    IatiActivity,
    IatiActivityDate,
    IatiBudget,
    IatiDescription,
    IatiParticipatingOrg,
    IatiRecipientCountry,
    IatiRecipientRegion,
    IatiSector,
    IatiTitle,
    IatiTransaction,
)
from devfin.sources.adb_iati.samples.draw import ENGLISH, Activity, Money, Narrative, Org, Value

SOURCE = "adb_iati"
# The vocabulary IATI says applies where a region or sector names none.
DEFAULT_VOCABULARY = "1"
# What the parser records of the files `render.render_file` writes (IATI 2.03).
LAYOUT = "iati-2.03"


class _Truth:
    """The rows and unread values of one activity, as they are made."""

    def __init__(self, activity: Activity) -> None:
        self.activity = activity
        self.children: dict[str, list[Any]] = {t.table: [] for t in RECORD_TYPES[1:]}
        self.unparsed: dict[str, dict[str, str]] = {}

    def value(self, key: str, value: Value | None) -> Any:
        if value is None:
            return None
        if value.reason is not None:
            self.unparsed[key] = {"text": (value.written or "").strip(), "reason": value.reason}
        return value.expected

    def add(self, row_type: type, *values: Any) -> None:
        rows = self.children[row_type.table]
        rows.append(row_type(len(rows) + 1, *values))

    def key(self, row_type: type, column: str) -> str:
        return f"{row_type.table}.{column}[{len(self.children[row_type.table]) + 1}]"

    def language(self, narrative: Narrative) -> str | None:
        return narrative.language or self.activity.language

    def name(self, narratives: tuple[Narrative, ...] | list[Narrative]) -> str | None:
        """The English narrative, else the first."""
        for narrative in narratives:
            if self.language(narrative) == ENGLISH:
                return narrative.text.strip()
        return narratives[0].text.strip() if narratives else None

    def money(self, row_type: type, money: Money) -> tuple[Any, ...]:
        currency = money.currency or self.activity.currency
        return (
            self.value(self.key(row_type, "amount"), money.amount),
            currency,
            self.value(self.key(row_type, "value_date"), money.value_date),
        )


def activity_truth(activity: Activity) -> ParsedSheet:
    truth = _Truth(activity)
    english = [n.text.strip() for n in activity.titles if truth.language(n) == ENGLISH]
    general = [
        n.text.strip()
        for kind, narratives in activity.descriptions
        if kind.expected == 1
        for n in narratives
        if truth.language(n) == ENGLISH
    ]
    reporting = activity.reporting_org
    values = {
        "iati_identifier": activity.identifier,
        "project_number": activity.project_number,
        "loan_or_grant_number": activity.loan_or_grant_number,
        "hierarchy": truth.value("hierarchy", activity.hierarchy),
        "default_language": activity.language,
        "default_currency": activity.currency,
        "last_updated_at": truth.value("last_updated_at", activity.last_updated),
        "reporting_org_ref": reporting.ref if reporting else None,
        "reporting_org_type": reporting.organisation_type if reporting else None,
        "reporting_org_name": truth.name(reporting.narratives) if reporting else None,
        "activity_status_code": truth.value("activity_status_code", activity.status),
        "title": english[0] if english else None,
        "description": general[0] if general else None,
    }
    for narrative in activity.titles:
        truth.add(IatiTitle, truth.language(narrative), narrative.text.strip())
    for kind, narratives in activity.descriptions:
        for narrative in narratives:
            code = truth.value(truth.key(IatiDescription, "description_type_code"), kind)
            truth.add(IatiDescription, code, truth.language(narrative), narrative.text.strip())
    for org in activity.participating_orgs:
        role = truth.value(truth.key(IatiParticipatingOrg, "role_code"), org.role)
        truth.add(
            IatiParticipatingOrg, org.ref, org.organisation_type, role, truth.name(org.narratives)
        )
    for kind, day in activity.dates:
        code = truth.value(truth.key(IatiActivityDate, "date_type_code"), kind)
        truth.add(
            IatiActivityDate, code, truth.value(truth.key(IatiActivityDate, "activity_date"), day)
        )
    for share in activity.countries:
        percentage = truth.value(truth.key(IatiRecipientCountry, "percentage"), share.percentage)
        truth.add(IatiRecipientCountry, share.code, percentage)
    for row_type, shares in (
        (IatiRecipientRegion, activity.regions),
        (IatiSector, activity.sectors),
    ):
        for share in shares:
            percentage = truth.value(truth.key(row_type, "percentage"), share.percentage)
            truth.add(row_type, share.code, share.vocabulary or DEFAULT_VOCABULARY, percentage)
    for budget in activity.budgets:
        codes = [
            truth.value(truth.key(IatiBudget, column), value)
            for column, value in zip(
                ("budget_type_code", "budget_status_code"), budget.codes, strict=True
            )
        ]
        dates = [
            truth.value(truth.key(IatiBudget, column), value)
            for column, value in zip(
                ("period_start_date", "period_end_date"), budget.dates, strict=True
            )
        ]
        truth.add(IatiBudget, *codes, *dates, *truth.money(IatiBudget, budget))
    for transaction in activity.transactions:
        truth.add(IatiTransaction, *_transaction(truth, transaction))
    return ParsedSheet(
        source=SOURCE,
        record=IatiActivity(**values, layout=LAYOUT),
        children=truth.children,
        missing_labels=_missing(activity),
        unparsed=truth.unparsed,
    )


def _transaction(truth: _Truth, transaction: Money) -> tuple[Any, ...]:
    (kind,) = transaction.codes
    (day,) = transaction.dates
    return (
        transaction.ref,
        truth.value(truth.key(IatiTransaction, "transaction_type_code"), kind),
        truth.value(truth.key(IatiTransaction, "transaction_date"), day),
        *truth.money(IatiTransaction, transaction),
        truth.name(transaction.description),
        *_org(truth, transaction.provider),
        *_org(truth, transaction.receiver),
    )


def _org(truth: _Truth, org: Org | None) -> tuple[str | None, str | None]:
    return (org.ref, truth.name(org.narratives)) if org is not None else (None, None)


def _missing(activity: Activity) -> tuple[str, ...]:
    present = {
        "reporting-org": activity.reporting_org is not None,
        "title": bool(activity.titles),
        "description": bool(activity.descriptions),
        "participating-org": bool(activity.participating_orgs),
        "activity-status": activity.status is not None,
        "activity-date": bool(activity.dates),
        "recipient-country": bool(activity.countries),
        "recipient-region": bool(activity.regions),
        "sector": bool(activity.sectors),
        "budget": bool(activity.budgets),
        "transaction": bool(activity.transactions),
    }
    return tuple(tag for tag, there in present.items() if not there)
