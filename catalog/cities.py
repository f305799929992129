"""Where an address is: the country of a well-known city it names ("House 5, Gulberg, Lahore"
is in Pakistan, "Karol Bagh, New Delhi" in India), so checkout need not ask the country.

Only big cities and the jails' towns, in Latin letters and in Devanagari and Urdu script. A
name that is a city in two countries (Hyderabad) or an address naming cities of two countries
tells nothing: the buyer is asked, as before."""

from __future__ import annotations

import re
from functools import cache

# country -> city names as buyers write them (any case; spaces and hyphens alike)
CITIES: dict[str, tuple[str, ...]] = {
    "IN": (
        "delhi", "new delhi", "mumbai", "bombay", "kolkata", "calcutta", "chennai", "madras",
        "bengaluru", "bangalore", "hyderabad", "secunderabad", "ahmedabad", "pune", "jaipur",
        "lucknow", "kanpur", "nagpur", "indore", "bhopal", "patna", "chandigarh", "ludhiana",
        "amritsar", "noida", "gurgaon", "gurugram", "ghaziabad", "faridabad", "dehradun",
        "shimla", "nahan", "kullu", "manali", "dharamshala", "solan", "mandi", "agra",
        "bhadohi", "mirzapur", "etah", "firozabad", "meerut", "bareilly", "pilibhit",
        "gorakhpur", "azamgarh", "rae bareli", "mathura", "mainpuri", "varanasi", "prayagraj",
        "allahabad", "kochi", "thiruvananthapuram", "surat", "vadodara", "srinagar", "jammu",
        "दिल्ली", "नई दिल्ली", "मुंबई", "कोलकाता", "चेन्नई", "बेंगलुरु", "जयपुर", "लखनऊ",
        "कानपुर", "पटना", "चंडीगढ़", "शिमला", "आगरा", "वाराणसी", "मेरठ", "बरेली", "मथुरा",
        "नाहन", "गोरखपुर", "भोपाल", "इंदौर", "पुणे", "हैदराबाद",
        "नोएडा", "गुड़गांव", "गुड़गाँव", "गुरुग्राम", "गाज़ियाबाद", "गाजियाबाद", "फ़रीदाबाद",
        "फरीदाबाद", "देहरादून", "कुल्लू", "मनाली", "धर्मशाला", "सोलन", "भदोही", "मिर्ज़ापुर",
        "मिर्जापुर", "एटा", "फ़िरोज़ाबाद", "फिरोजाबाद", "पीलीभीत", "आज़मगढ़", "आजमगढ़",
        "रायबरेली", "मैनपुरी", "प्रयागराज", "इलाहाबाद", "अहमदाबाद", "सूरत", "वडोदरा",
        "नागपुर", "लुधियाना", "अमृतसर", "श्रीनगर", "जम्मू", "कोच्चि", "मुम्बई", "बंगलौर",
        "دہلی", "دلی", "نئی دہلی", "ممبئی", "بمبئی", "کولکتہ", "لکھنؤ", "آگرہ", "حیدرآباد",
    ),
    "PK": (
        "lahore", "karachi", "islamabad", "rawalpindi", "peshawar", "quetta", "multan",
        "faisalabad", "sialkot", "gujranwala", "hyderabad", "abbottabad", "mardan", "sukkur",
        "bahawalpur", "sargodha", "nowshera", "charsadda", "kohat", "bannu", "mingora",
        "dera ismail khan", "sheikhupura", "jhelum", "sahiwal", "okara", "larkana", "muzaffarabad",
        "لاہور", "کراچی", "اسلام آباد", "راولپنڈی", "پشاور", "کوئٹہ", "ملتان", "فیصل آباد",
        "سیالکوٹ", "گوجرانوالہ", "حیدرآباد", "ایبٹ آباد", "مردان", "سکھر", "بہاولپور",
        "सरगोधा", "लाहौर", "कराची", "इस्लामाबाद", "रावलपिंडी", "पेशावर",
    ),
    "GB": ("london", "manchester", "leicester", "bradford", "leeds", "glasgow", "edinburgh",
           "लंदन", "لندن"),
    "AE": ("dubai", "abu dhabi", "sharjah", "ajman", "دبئی", "ابوظہبی", "दुबई"),
    "SA": ("riyadh", "jeddah", "dammam", "mecca", "makkah", "medina", "madinah", "ریاض", "جدہ"),
    "QA": ("doha",),
    "KW": ("kuwait city",),
    "OM": ("muscat",),
    "NP": ("kathmandu", "pokhara", "काठमांडू"),
    "BD": ("dhaka", "chittagong"),
    "CA": ("toronto", "vancouver", "montreal", "mississauga", "brampton"),
    "AU": ("sydney", "melbourne", "brisbane", "perth", "adelaide"),
}  # fmt: skip


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text.casefold()).strip()


@cache
def _pattern() -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """One regex of every name, longest first ("new delhi" before "delhi"), and name -> countries."""
    where: dict[str, set[str]] = {}
    for country, names in CITIES.items():
        for name in names:
            where.setdefault(_norm(name), set()).add(country)
    longest_first = sorted(where, key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in longest_first)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), {
        n: frozenset(c) for n, c in where.items()
    }


def country_of_address(address: str | None) -> str | None:
    """The ISO code of the country an address's city is in, when every city it names is in one
    and the same country (and no name is a city in two); else None."""
    if not address:
        return None
    pattern, where = _pattern()
    found: set[str] = set()
    for match in pattern.finditer(_norm(address)):
        countries = where[match.group(0)]
        if len(countries) > 1:
            return None
        found |= countries
    return next(iter(found)) if len(found) == 1 else None


def names_only(text: str) -> bool:
    """Whether ``text`` is nothing but city names ("london", "new delhi lahore")."""
    pattern, _ = _pattern()
    return bool(text.strip()) and not pattern.sub("", _norm(text)).strip()
