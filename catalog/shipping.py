"""Shipping: where a jail's parcels can go, what they cost, and where the buyer is.

Each jail has zones (``ShippingRate`` rows): the countries in the zone and the fee per parcel
(one order is one parcel) in the jail's currency. Two rules are code, not data, because no
row may undo them:

- nothing goes between India and Pakistan (trade and parcels are suspended both ways);
- food (pickles, bakery, anything perishable) goes only within the jail's own country.

Countries are ISO 3166 alpha-2 codes here; ``country_code`` reads what a buyer types ("UK",
"United Kingdom", "भारत", "bharat") and ``country_of_phone`` the prefix of a WhatsApp number.
"""

from __future__ import annotations

import difflib
import enum
import importlib.util
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from catalog import audit, money
from catalog.errors import InvalidInput, NotFound
from catalog.models import Jail, Order, Product, ShippingRate

# Pairs of countries between which nothing is sent, whatever a jail's zones say.
NEVER_BETWEEN = (frozenset({"IN", "PK"}),)
FOOD_CATEGORIES = frozenset({"pickles", "bakery"})
EVERYWHERE = "*"
GULF = "AE,SA,QA,KW,OM,BH"
SOUTH_ASIA = "NP,BD,LK,BT,MV"


@dataclass(frozen=True)
class Zone:
    """A zone as the seed and staff give it: fees in minor units of ``currency``."""

    zone: str
    countries: str
    fee_minor: int
    currency: str
    free_above_minor: int | None = None


# Today's values, given to a jail that has no zones of its own (and stored by the seed).
# Indian jails: ₹80 a parcel at home, ₹1,500 to every zone abroad (the constants the action
# server used before). Central Jail Peshawar: PKR 250 within Pakistan (a domestic courier's
# rate for a small parcel), PKR 4,500 to the Gulf and PKR 5,000 elsewhere by post (about the
# ₹1,500 Indian jails charge), never to India.
DEFAULT_ZONES: dict[str, tuple[Zone, ...]] = {
    "IN": (
        Zone("domestic", "IN", 8_000, "INR"),
        Zone("south_asia", SOUTH_ASIA, 150_000, "INR"),
        Zone("gulf", GULF, 150_000, "INR"),
        Zone("world", EVERYWHERE, 150_000, "INR"),
    ),
    "PK": (
        Zone("domestic", "PK", 25_000, "PKR"),
        Zone("gulf", GULF, 450_000, "PKR"),
        Zone("world", EVERYWHERE, 500_000, "PKR"),
    ),
}


# How long a parcel takes once it ships, in days: within the jail's own country, and abroad
# (what the shipping answer says: "5-8 days", "10-20 days").
DAYS_HOME = "5-8"
DAYS_ABROAD = "10-20"


def delivery_days(origin: str, destination: str | None) -> str:
    """The days a parcel from ``origin`` takes to ``destination`` once shipped ("5-8")."""
    return DAYS_HOME if (destination or origin).upper() == origin.upper() else DAYS_ABROAD


class Refusal(enum.StrEnum):
    """Why a product cannot reach a country."""

    INDIA_PAKISTAN = "india_pakistan"  # the hard rule
    FOOD_ABROAD = "food_abroad"  # food stays in the jail's own country
    NOT_SHIPPED = "not_shipped"  # no zone of the jail covers the country


@dataclass(frozen=True)
class Reach:
    """Whether ``product`` from ``origin`` can reach ``destination``, and if not why."""

    product: Product
    origin: str
    destination: str
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def explain(self, language: str = "en") -> str:
        """The reason in plain English, for staff and logs (chat texts live in actions/texts)."""
        jail, dest = self.product.jail.name, country_name(self.destination)
        origin = country_name(self.origin)
        if self.refusal == Refusal.INDIA_PAKISTAN:
            return (
                f"{self.product.name} is made at {jail} in {origin}; parcels between India and "
                f"Pakistan are suspended, so it cannot be sent to {dest}"
            )
        if self.refusal == Refusal.FOOD_ABROAD:
            return f"{self.product.name} is food; it is sent only within {origin}, not to {dest}"
        if self.refusal == Refusal.NOT_SHIPPED:
            return f"{jail} does not ship to {dest}"
        return f"{self.product.name} can be sent to {dest}"


# ---- countries -------------------------------------------------------------------------------

# What buyers type that the phone library's country names do not cover.
ALIASES = {
    "uk": "GB", "u.k.": "GB", "england": "GB", "britain": "GB", "great britain": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "ब्रिटेन": "GB", "इंग्लैंड": "GB",
    "برطانیہ": "GB", "انگلینڈ": "GB",
    "usa": "US", "u.s.a.": "US", "us": "US", "america": "US", "united states of america": "US",
    "अमेरिका": "US", "امریکہ": "US",
    "uae": "AE", "u.a.e.": "AE", "dubai": "AE", "abu dhabi": "AE", "emirates": "AE",
    "दुबई": "AE", "دبئی": "AE", "متحدہ عرب امارات": "AE",
    "saudi": "SA", "ksa": "SA", "saudi arabia": "SA", "सऊदी अरब": "SA", "سعودی عرب": "SA",
    "india": "IN", "bharat": "IN", "hindustan": "IN", "ind": "IN", "in": "IN", "भारत": "IN",
    "हिंदुस्तान": "IN", "हिन्दुस्तान": "IN", "इंडिया": "IN", "بھارت": "IN", "ہندوستان": "IN",
    "pakistan": "PK", "pak": "PK", "पाकिस्तान": "PK", "پاکستان": "PK",
    "nepal": "NP", "नेपाल": "NP", "canada": "CA", "कनाडा": "CA", "کینیڈا": "CA",
    "australia": "AU", "ऑस्ट्रेलिया": "AU", "آسٹریلیا": "AU", "qatar": "QA", "kuwait": "KW",
    "oman": "OM", "bahrain": "BH", "bangladesh": "BD", "बांग्लादेश": "BD", "sri lanka": "LK",
    "holland": "NL", "deutschland": "DE", "germany": "DE", "जर्मनी": "DE",
}  # fmt: skip
# Country names in Hindi and Urdu where the phone library has none.
NAMES = {
    "hi": {"IN": "भारत", "PK": "पाकिस्तान", "GB": "ब्रिटेन", "US": "अमेरिका", "AE": "यूएई",
           "SA": "सऊदी अरब", "CA": "कनाडा", "AU": "ऑस्ट्रेलिया", "NP": "नेपाल",
           "BD": "बांग्लादेश"},
    "ur": {"IN": "بھارت", "PK": "پاکستان", "GB": "برطانیہ", "US": "امریکہ",
           "AE": "متحدہ عرب امارات", "SA": "سعودی عرب", "CA": "کینیڈا", "AU": "آسٹریلیا"},
}  # fmt: skip


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().casefold()).strip(" .,")


@cache
def _locale_names() -> dict[str, dict[str, str]]:
    """Region code -> {language: country name}, from the phone library's own data."""
    names: dict[str, dict[str, str]] = {}
    for region, by_lang in _locale_data().items():
        resolved: dict[str, str] = {}
        for language, value in by_lang.items():
            seen = 0
            while value.startswith("*") and seen < 5:  # "*aa": the same as language "aa"
                value, seen = by_lang.get(value[1:], ""), seen + 1
            if value and not value.startswith("*"):
                resolved[language] = value
        if len(region) == 2 and region.isalpha() and "aa" in resolved:
            names[region] = resolved
    return names


def _locale_data() -> dict[str, dict[str, str]]:
    """phonenumbers' ``geodata/locale.py`` alone (country names by language, ~2 MB): importing it
    as ``phonenumbers.geodata.locale`` first runs its package, which loads every prefix's place
    names (~100 MB in each process that read a country name)."""
    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the library's layout changed
        from phonenumbers.geodata.locale import LOCALE_DATA

        return dict(LOCALE_DATA)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.LOCALE_DATA)


@cache
def _index() -> dict[str, str]:
    """Every name we know (any language), lower-cased -> region code."""
    index: dict[str, str] = {}
    for region, by_lang in _locale_names().items():
        for name in by_lang.values():
            index.setdefault(_key(name), region)
    index.update(ALIASES)
    return index


def country_code(text: str | None) -> str | None:
    """The ISO code of a country as a buyer types it, or None when we cannot tell."""
    if not text:
        return None
    raw = str(text).strip()
    if re.fullmatch(r"[A-Z]{2}", raw) and raw in _locale_names():  # an ISO code: "GB", "AE"
        return raw
    key = _key(raw)
    if not key or len(key) > 60:
        return None
    found = _index().get(key)
    if found:
        return found
    if len(key) >= 5 and key.isascii():  # "Untied Kingdom", "Austrailia"
        english = {_key(n["aa"]): r for r, n in _locale_names().items()}
        close = difflib.get_close_matches(key, list(english), n=1, cutoff=0.85)
        if close:
            return english[close[0]]
    return None


def country_name(code: str | None, language: str = "en") -> str:
    """A country's name for people ("United Kingdom"; in Hindi "ब्रिटेन")."""
    if not code:
        return ""
    code = code.upper()
    if language in NAMES and code in NAMES[language]:
        return NAMES[language][code]
    by_lang = _locale_names().get(code, {})
    return by_lang.get(language) or by_lang.get("aa") or code


def country_of_phone(number: str | None) -> str | None:
    """The country of a phone number by its prefix: +91 India, +92 Pakistan, +44 the UK..."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(str(number).removeprefix("whatsapp:"), None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if (not region or region == phonenumbers.UNKNOWN_REGION) and parsed.country_code:
        # a known prefix on a number not (yet) assigned, e.g. the UK's drama range +44 7700 900
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    if not region or region in (phonenumbers.UNKNOWN_REGION, "001"):
        return None
    return str(region)


# ---- rules -----------------------------------------------------------------------------------


def is_food(product: Product) -> bool:
    return product.category in FOOD_CATEGORIES or bool(product.perishable)


def never_between(origin: str, destination: str) -> bool:
    """The hard rule: no parcel between these two countries, in either direction."""
    return frozenset({origin.upper(), destination.upper()}) in NEVER_BETWEEN


def zones_of(jail: Jail) -> list[Zone]:
    """The jail's zones: its own rows, else the defaults for its country."""
    if jail.shipping_rates:
        return [
            Zone(r.zone, r.countries, r.fee_minor, r.currency, r.free_above_minor)
            for r in jail.shipping_rates
        ]
    return list(DEFAULT_ZONES.get(jail.country.upper(), ()))


def _codes(countries: str) -> set[str]:
    return {c.strip().upper() for c in countries.split(",") if c.strip()}


@lru_cache(maxsize=1024)
def _zone_codes(zones: tuple[str, ...]) -> frozenset[str]:
    """Every country a jail's zones name (their ``countries`` strings), worked out once per
    distinct set of zones: hundreds of jails share their country's defaults, and
    ``reachable_jails`` runs on every search with the buyer's country."""
    return frozenset().union(*(_codes(c) for c in zones))


def zone_for(jail: Jail, destination: str) -> Zone | None:
    """The zone that names ``destination``, else the jail's rest-of-the-world zone."""
    zones = zones_of(jail)
    destination = destination.upper()
    for zone in zones:
        if destination in _codes(zone.countries):
            return zone
    return next((z for z in zones if EVERYWHERE in _codes(z.countries)), None)


def ships_to(jail: Jail) -> set[str]:
    """The countries the jail's zones name (``*`` when it ships to the rest of the world)."""
    return set().union(*(_codes(z.countries) for z in zones_of(jail)))


def can_reach(product: Product, destination: str) -> Reach:
    """Can ``product`` be sent from its jail to country ``destination`` (ISO code), and if not
    why. The hard India-Pakistan rule first, then food, then the jail's zones."""
    jail = product.jail
    origin, destination = jail.country.upper(), destination.upper()
    refusal = None
    if never_between(origin, destination):
        refusal = Refusal.INDIA_PAKISTAN
    elif destination != origin and is_food(product):
        refusal = Refusal.FOOD_ABROAD
    elif zone_for(jail, destination) is None:
        refusal = Refusal.NOT_SHIPPED
    return Reach(product, origin, destination, refusal)


@dataclass(frozen=True)
class JailReach:
    """Which jails' goods can be sent to one country (``reachable_jails``)."""

    ships: list[int]  # the jails whose goods can be sent there
    food: list[int]  # those whose food can too (the destination's own jails)
    unreached: list[int]  # every other jail


def reachable_jails(session: Session, destination: str) -> JailReach:
    """``can_reach``'s rules for every jail at once (search leaves out what could never
    arrive): the hard India-Pakistan rule, food only at home, then the jail's zones (its own
    rows, else its country's defaults; ``zone_for`` finds one when a zone names the country
    or ships everywhere). Jails are few: one Core statement reads each jail's country and
    zones' countries, no ORM objects (loading every Jail and its rates cost more than the
    search itself)."""
    destination = destination.upper()
    rows = session.execute(
        select(Jail.id, Jail.country, ShippingRate.countries)
        .outerjoin(ShippingRate, ShippingRate.jail_id == Jail.id)
        .order_by(Jail.id)
    )
    jails: dict[int, tuple[str, list[str]]] = {}
    for jail_id, country, countries in rows:
        own = jails.setdefault(jail_id, (country.upper(), []))[1]
        if countries is not None:
            own.append(countries)
    out = JailReach([], [], [])
    for jail_id, (origin, own) in jails.items():
        zones = own or [z.countries for z in DEFAULT_ZONES.get(origin, ())]
        codes = _zone_codes(tuple(zones))
        if never_between(origin, destination) or not codes & {destination, EVERYWHERE}:
            out.unreached.append(jail_id)
            continue
        out.ships.append(jail_id)
        if origin == destination:
            out.food.append(jail_id)
    return out


def fee(
    jail: Jail,
    destination: str | None,
    goods_minor: int,
    currency: str,
    session: Session | None = None,
) -> int:
    """The shipping fee of one parcel (one order) from ``jail`` to ``destination``, in minor
    units of ``currency`` (the order's). A country we cannot tell (None) pays the jail's
    rest-of-the-world fee. Raises NotFound when the jail has no zone for it."""
    zone = zone_for(jail, destination) if destination else None
    if zone is None and destination is None:
        zone = next((z for z in zones_of(jail) if EVERYWHERE in _codes(z.countries)), None)
    if zone is None:
        raise NotFound(f"{jail.name} does not ship to {country_name(destination) or 'there'}")
    goods = goods_minor
    if zone.currency != currency:
        session = session or object_session(jail)
        if session is None:
            raise NotFound(f"no session to convert {zone.currency} to {currency}")
        amount = money.convert(session, zone.fee_minor, zone.currency, currency)
        if zone.free_above_minor is not None:
            goods = money.convert(session, goods_minor, currency, zone.currency)
    else:
        amount = zone.fee_minor
    if zone.free_above_minor is not None and goods >= zone.free_above_minor:
        return 0
    return amount


def order_fee(order: Order) -> int:
    """The shipping fee of a placed order to its delivery country (0 if the jail has none)."""
    try:
        return fee(order.jail, country_code(order.ship_country), order.total_minor, order.currency)
    except NotFound:
        return 0


# ---- editing (staff, CLI) --------------------------------------------------------------------

ZONE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _check_zone(zone: Zone) -> Zone:
    name = zone.zone.strip().lower()
    if not ZONE_NAME.fullmatch(name):
        raise InvalidInput("a zone name is lower-case letters, digits and _ (e.g. gulf)")
    codes = _codes(zone.countries)
    if not codes:
        raise InvalidInput("a zone needs countries: ISO codes like IN,NP or * for the rest")
    unknown = sorted(c for c in codes if c != EVERYWHERE and c not in _locale_names())
    if unknown:
        raise InvalidInput(f"not a country code: {', '.join(unknown)}")
    if zone.fee_minor < 0 or (zone.free_above_minor is not None and zone.free_above_minor < 0):
        raise InvalidInput("a fee cannot be negative")
    if zone.currency.upper() not in money.SYMBOLS:
        raise InvalidInput(f"currency is one of {', '.join(money.SYMBOLS)}")
    countries = EVERYWHERE if EVERYWHERE in codes else ",".join(sorted(codes))
    return Zone(name, countries, zone.fee_minor, zone.currency.upper(), zone.free_above_minor)


def _row(rate: ShippingRate) -> dict[str, object]:
    return {"zone": rate.zone, "countries": rate.countries, "fee_minor": rate.fee_minor,
            "currency": rate.currency, "free_above_minor": rate.free_above_minor}  # fmt: skip


def set_zone(session: Session, jail: Jail, zone: Zone, *, actor: str) -> ShippingRate:
    """Add or change one zone of a jail (audited). A jail with no rows first gets its defaults
    stored, so changing one zone keeps the others it had."""
    zone = _check_zone(zone)
    if not jail.shipping_rates:
        store_defaults(session, jail)
    rate = next((r for r in jail.shipping_rates if r.zone == zone.zone), None)
    before = _row(rate) if rate is not None else None
    if rate is None:
        rate = ShippingRate(zone=zone.zone)
        jail.shipping_rates.append(rate)
    rate.countries, rate.fee_minor, rate.currency = zone.countries, zone.fee_minor, zone.currency
    rate.free_above_minor = zone.free_above_minor
    session.flush()
    audit.record(session, actor=actor, action="shipping", entity="jail", entity_id=jail.code,
                 before=before, after=_row(rate))  # fmt: skip
    return rate


def remove_zone(session: Session, jail: Jail, zone: str, *, actor: str) -> None:
    """Stop shipping to a zone (audited)."""
    if not jail.shipping_rates:
        store_defaults(session, jail)
    rate = next((r for r in jail.shipping_rates if r.zone == zone.strip().lower()), None)
    if rate is None:
        raise NotFound(f"{jail.code} has no shipping zone {zone!r}")
    before = _row(rate)
    jail.shipping_rates.remove(rate)
    session.flush()
    audit.record(session, actor=actor, action="shipping", entity="jail", entity_id=jail.code,
                 before=before, after=None)  # fmt: skip


def store_defaults(session: Session, jail: Jail) -> int:
    """Store the defaults of the jail's country as its own rows, if it has none; how many."""
    if jail.shipping_rates:
        return 0
    for zone in DEFAULT_ZONES.get(jail.country.upper(), ()):
        jail.shipping_rates.append(
            ShippingRate(zone=zone.zone, countries=zone.countries, fee_minor=zone.fee_minor,
                         currency=zone.currency, free_above_minor=zone.free_above_minor)
        )  # fmt: skip
    session.flush()
    return len(jail.shipping_rates)
