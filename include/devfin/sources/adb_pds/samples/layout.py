"""How ADB pages write what they write, as the generator describes each layout (never the
parser's spelling): the labels, headings, column titles and furniture of every rendering."""

from __future__ import annotations

from decimal import Decimal

SOURCE = "adb_pds"
# The layout generations the generator writes (`AdbProject.layout`).
LIVE_2025, PRINT, PDS_2014 = "live-2025", "print", "pds-2014"
TABBED_2015 = "tabbed-2015"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

NONE = "-"  # how the page writes "no value" in a date or amount cell

# --- The live page's vocabulary, as the template writes it ----------------------------------
# The generator's own description of the pages it writes, never the parser's: a label misspelt
# on either side then shows as a page that does not read back to its truth.

# Rows whose value is a field's text, in the order of the facts table.
TEXT_LABELS: dict[str, str] = {
    "project_name": "Project Name",
    "project_number": "Project Number",
    "project_status": "Project Status",
    "project_type": "Project Type / Modality of Assistance",
    "gender": "Gender",
    "description": "Description",
    "rationale": "Project Rationale and Linkage to Country/Regional Strategy",
    "impact": "Impact",
    "outcome": "Description of Outcome",
    "progress_toward_outcome": "Progress Toward Outcome",
    "outputs": "Description of Project Outputs",
    "implementation_progress": (
        "Status of Implementation Progress (Outputs, Activities, and Issues)"
    ),
    "geographical_location": "Geographical Location",
    "environmental_aspects": "Environmental Aspects",
    "involuntary_resettlement": "Involuntary Resettlement",
    "indigenous_peoples": "Indigenous Peoples",
    "stakeholder_participation_design": "During Project Design",
    "stakeholder_participation_implementation": "During Project Implementation",
    "consulting_services": "Consulting Services",
    "procurement": "Procurement",
    "project_officer": "Responsible ADB Officer",
    "responsible_department": "Responsible ADB Department",
    "responsible_division": "Responsible ADB Division",
}
# The Timetable rows of one date each.
DATE_LABELS: dict[str, str] = {
    "concept_clearance_date": "Concept Clearance",
    "mrm_date": "MRM",
    "approval_date": "Approval",
    "last_review_mission_date": "Last Review Mission",
    "last_pds_update_date": "Last PDS Update",
}
PROJECT_NUMBER = TEXT_LABELS["project_number"]
COUNTRY = "Country / Economy"
SECTOR = "Sector / Subsector"
SOURCE_OF_FUNDING = "Source of Funding / Amount"
PRIORITIES_LABEL = "Operational Priorities"
EXECUTING_AGENCIES = "Executing Agencies"
FACT_FINDING = "Fact Finding"
PROJECT_DETAILS = "Project Details"  # the side panel's heading, below the summary
MILESTONES = "Milestones"
MILESTONE_COLUMNS: dict[str, str] = {
    "approval_date": "Approval",
    "signing_date": "Signing Date",
    "effectivity_date": "Effectivity Date",
    "closing_date_original": "Closing/Original",
    "closing_date_revised": "Closing/Revised",
    "closing_date_actual": "Closing/Actual",
}
DOCUMENT_COLUMNS = ("Title", "Document Type", "Document Date")
TENDER_COLUMNS = ("Tender Title", "Type", "Status", "Posting Date", "Deadline")
CONTRACT_COLUMNS = (
    "Contract Title",
    "Contract Date",
    "Contractor",
    "Contractor Address",
    "Executing Agency",
    "Total Contract Amount (US$)",
    "Contract Amount Financed by ADB (US$)",
)

# The HTML markers of list entries and of the fund table.
SECTOR_CLASS = "sector"  # <strong class="sector">
AGENCY_CLASS = "address-company"  # <span class="address-company">
FUND_TABLE_CLASS = "fund-table"  # <table class="fund-table">
FUND_SUBHEAD_CLASS = "subhead"  # <tr class="subhead">: the approval the rows below are for

REGIONAL = "Regional"  # the title's country when a sheet has several

TECHNICAL_ASSISTANCE, LOAN, GRANT = "Technical Assistance", "Loan", "Grant"

COUNTERPART = ("Gov", "Beneficiaries", "Project Sponsor", "Others")

DISCLAIMERS = (
    "Project Data Sheets (PDS) contain summary information on the project or program. Because "
    "the PDS is a work in progress, some information may not be included in its initial version "
    "but will be added as it becomes available.",
    "The Accountability Mechanism provides a forum where people adversely affected by "
    "ADB-assisted projects can voice and seek solutions to their problems.",
)
NONE_AVAILABLE = "None currently available."

# --- The bullets rendering of the live page ------------------------------------------------
# Another archive's text of the live page (like adb_55236-001): the line above the facts
# ("Sovereign Project | N"), the side panel as bullets, then each label on a line of its own
# with its value on the lines below, a list's entries as "  • entry" lines; the fund table
# flattened into each approval's heading, "Source Amount", then "fund US$ x" lines. Its grids
# are the pipe rendering's.

BULLET = "  \u2022 "
SOVEREIGN_HEADER = "Sovereign Project | {number}"
FUND_HEADER = "Source Amount"

# --- The print view (print generation) -----------------------------------------------------
# adb.org/print/projects/N/main (adb_47299-001_print, adb_23213-013_print): no heading; each
# row "Label value" on one line, a list going on over the lines below; the funds under their
# approval's heading; "Sector / Subsector" pairs joined by " - "; no timetable or grids.

PRINT_COUNTRY = "Country"
PRINT_GENDER = "Gender Equity and Mainstreaming"
STRATEGIC_AGENDAS = "Strategic Agendas"
AGENDAS = ("Inclusive economic growth", "Environmentally sustainable growth")

# The 2015 tabbed page (like adb_42414-043_c2015): its title, the line above the facts with
# the status, the summary, the tabs' headings and the disclaimers, then the print view's rows.
TABS = (
    "Latest Project Documents",
    "Consulting Notices",
    "See also: CMS",
    "Procurement Notices",
    "See also: Operational Procurement",
    "Procurement Documents",
)

# --- The 2014-15 Project Data Sheet (pds-2014 generation) -----------------------------------
# Like adb_44212-013_pds2015: "PDS Updated as of", "Project/Program Number", "Status", the
# sectors and subsectors in lists of their own, and the funding table with its cells run
# together ("Loan3133Asian Development Fund52,000"), amounts in thousands, then the
# counterpart and "TOTAL US$ 117,100".

PDS_HEAD = (
    "Project Data Sheet",
    "",
    "Project Data Sheets (PDS) contain summary information on the project or program: Because "
    "the PDS is a work in progress, some information may not be included in its initial version "
    "but will be added as it becomes available. Information about proposed projects is "
    "tentative and indicative.",
    "",
    "PDS Creation Date",
)
PDS_DISCLAIMER = (
    "In preparing any country program or strategy, financing any project, or by making any "
    "designation of, or reference to, a particular territory or geographic area in this "
    "document, the Asian Development Bank does not intend to make any judgments as to the legal "
    "or other status of any territory or area."
)
PDS_FUNDING_HEADER = (
    "Type/Modality of Assistance Approval Number Source of Funding Approved Amount (thousand)"
)
PDS_GENDER = "Gender Equity and Mainstreaming Categories"
THOUSAND = Decimal(1000)
COUNTERPART_ROW = "Counterpart"

# The live sheet's labels (and grid titles) in the order a reader looks for them: a page of an
# older generation lacks those it does not write.
READ_LABELS = (
    *(
        label
        for name, text in TEXT_LABELS.items()
        for label in ((text, SOURCE_OF_FUNDING) if name == "project_status" else (text,))
        if name != "project_type"
    ),
    TEXT_LABELS["project_type"],
    *DATE_LABELS.values(),
    FACT_FINDING,
    MILESTONES,
    COUNTRY,
    PRIORITIES_LABEL,
    SECTOR,
    EXECUTING_AGENCIES,
    "Financing Plan",
)
