"""What ADB's IATI activities are made of: countries, languages, sectors, names, phrases."""

from __future__ import annotations

PUBLISHER = "XM-DAC-46004"
PUBLISHER_NAME = "Asian Development Bank"
# The country files: code, name, and the language other than English its narratives may be in.
COUNTRIES = (
    ("PH", "Philippines", "tl"),
    ("VN", "Viet Nam", "vi"),
    ("ID", "Indonesia", "id"),
    ("BD", "Bangladesh", "bn"),
    ("MN", "Mongolia", "mn"),
    ("KH", "Cambodia", "km"),
    ("UZ", "Uzbekistan", "uz"),
    ("FJ", "Fiji", "fj"),
)
# OECD DAC regions (RegionVocabulary 1) an activity may also name.
REGIONS = ("619", "789", "798", "889")
# Sectors: (vocabulary as written, None for the default, code).
SECTORS = (
    (None, "14030"),
    ("1", "21020"),
    ("1", "23210"),
    ("1", "11220"),
    ("2", "140"),
    ("2", "210"),
    ("99", "ADB-WUS"),
)
LOAN_OR_GRANT_PREFIXES = ("LOAN", "GRNT")
SUBJECTS = (
    "Rural Water Supply",
    "Urban Transport",
    "Secondary Education Sector",
    "Climate-Resilient Roads",
    "Power Transmission",
    "Health System Strengthening",
    "Flood Risk Management",
    "Agribusiness Value Chains",
)
PROGRAMMES = ("Project", "Program", "Sector Development Program", "Investment Program")
# Titles as other languages write them (a word or two: the point is the xml:lang, not prose).
TRANSLATIONS = {
    "fr": "Projet d'approvisionnement en eau",
    "es": "Proyecto de agua rural",
    "tl": "Proyekto sa tubig",
    "vi": "Dự án cấp nước nông thôn",
    "id": "Proyek air pedesaan",
    "bn": "গ্রামীণ পানি সরবরাহ",
    "mn": "Хөдөөгийн усан хангамж",
    "km": "គម្រោងផ្គត់ផ្គង់ទឹក",
    "uz": "Qishloq suv ta'minoti",
    "fj": "Parokaramu ni wai",
}
AGENCIES = (
    ("XM-DAC-46004", "40", "Asian Development Bank"),
    (None, "10", "Ministry of Finance"),
    (None, "10", "Department of Public Works & Highways"),
    ("XM-DAC-903", "40", "World Bank"),
    ("GB-GOV-1", "10", "UK Foreign, Commonwealth & Development Office"),
    (None, "21", "Water Users' Association"),
    (None, "70", 'Contractor "Build Co." Ltd'),
)
# Text that must stay data wherever it is shown.
HOSTILE = (
    "<script>alert('title')</script>",
    "'); DROP TABLE staging.iati_activities; --",
    "&amp; &lt;b&gt; are not markup",
    "{{ jinja }} ${shell} `rm -rf /`",
    'Tom & Jerry <Ltd> "quoted"',
)
