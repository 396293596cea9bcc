"""Writing drawn activities as an IATI 2.03 activity file, elements in the schema's order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from devfin.sources.adb_iati.samples.draw import Activity, Money, Narrative, Org, Share


def render_file(activities: Iterable[Activity], generated: str) -> Iterator[str]:
    """The file, an activity at a time (a file of 20,000 activities is never one string)."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<iati-activities version="2.03" generated-datetime="{generated}">\n'
    for activity in activities:
        yield render_activity(activity)
    yield "</iati-activities>\n"


def render_activity(activity: Activity) -> str:
    lines: list[str] = []
    attributes = _attributes(
        ("xml:lang", activity.language),
        ("default-currency", activity.currency),
        ("last-updated-datetime", activity.last_updated.written),
        ("hierarchy", activity.hierarchy.written),
    )
    lines.append(f" <iati-activity{attributes}>")
    if activity.identifier is not None:
        lines.append(f"  <iati-identifier>{escape(activity.identifier)}</iati-identifier>")
    if activity.reporting_org is not None:
        lines.extend(_org("reporting-org", activity.reporting_org))
    if activity.titles:
        lines.extend(_narrated("title", "", activity.titles))
    for kind, narratives in activity.descriptions:
        lines.extend(_narrated("description", _attributes(("type", kind.written)), narratives))
    for org in activity.participating_orgs:
        lines.extend(_org("participating-org", org))
    if activity.status is not None:
        lines.append(f"  <activity-status{_attributes(('code', activity.status.written))}/>")
    for kind, day in activity.dates:
        attributes = _attributes(("type", kind.written), ("iso-date", day.written))
        lines.append(f"  <activity-date{attributes}/>")
    lines.extend(_share("recipient-country", share) for share in activity.countries)
    lines.extend(_share("recipient-region", share) for share in activity.regions)
    lines.extend(_share("sector", share) for share in activity.sectors)
    for budget in activity.budgets:
        lines.extend(_budget(budget))
    for transaction in activity.transactions:
        lines.extend(_transaction(transaction))
    lines.append(" </iati-activity>\n")
    return "\n".join(lines)


def _attributes(*pairs: tuple[str, str | None]) -> str:
    return "".join(f" {name}={quoteattr(value)}" for name, value in pairs if value is not None)


def _narratives(narratives: Iterable[Narrative], indent: str) -> list[str]:
    return [
        f"{indent}<narrative{_attributes(('xml:lang', n.language))}>{escape(n.text)}</narrative>"
        for n in narratives
    ]


def _narrated(tag: str, attributes: str, narratives: Iterable[Narrative]) -> list[str]:
    return [f"  <{tag}{attributes}>", *_narratives(narratives, "   "), f"  </{tag}>"]


def _org(tag: str, org: Org, indent: str = "  ") -> list[str]:
    attributes = _attributes(
        ("ref", org.ref), ("type", org.organisation_type), ("role", org.role.written)
    )
    return [
        f"{indent}<{tag}{attributes}>",
        *_narratives(org.narratives, indent + " "),
        f"{indent}</{tag}>",
    ]


def _share(tag: str, share: Share) -> str:
    attributes = _attributes(
        ("code", share.code),
        ("vocabulary", share.vocabulary),
        ("percentage", share.percentage.written),
    )
    return f"  <{tag}{attributes}/>"


def _value(money: Money) -> str:
    attributes = _attributes(("currency", money.currency), ("value-date", money.value_date.written))
    return f"   <value{attributes}>{escape(money.amount.written or '')}</value>"


def _budget(budget: Money) -> list[str]:
    kind, status = budget.codes
    start, end = budget.dates
    return [
        f"  <budget{_attributes(('type', kind.written), ('status', status.written))}>",
        f"   <period-start{_attributes(('iso-date', start.written))}/>",
        f"   <period-end{_attributes(('iso-date', end.written))}/>",
        _value(budget),
        "  </budget>",
    ]


def _transaction(transaction: Money) -> list[str]:
    (kind,) = transaction.codes
    (day,) = transaction.dates
    lines = [
        f"  <transaction{_attributes(('ref', transaction.ref))}>",
        f"   <transaction-type{_attributes(('code', kind.written))}/>",
        f"   <transaction-date{_attributes(('iso-date', day.written))}/>",
        _value(transaction),
    ]
    if transaction.description:
        lines.extend(["   <description>", *_narratives(transaction.description, "    ")])
        lines.append("   </description>")
    for tag, org in (
        ("provider-org", transaction.provider),
        ("receiver-org", transaction.receiver),
    ):
        if org is not None:
            lines.extend(_org(tag, org, "   "))
    lines.append("  </transaction>")
    return lines
