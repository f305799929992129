"""Shipping rules as data per jail (catalog/shipping.py): where a product can go, the fees per
zone, the hard rules no row can undo, and the buyer's country from a number or a name."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from catalog import migrate, products, shipping
from catalog.db import make_sessionmaker, transaction
from catalog.errors import InvalidInput, NotFound
from catalog.models import AuditEntry, Jail, Order, ShippingRate
from catalog.orders import CartLine, Delivery, place_once
from catalog.shipping import Refusal, Zone


def jail(s: Session, code: str) -> Jail:
    return s.scalars(select(Jail).where(Jail.code == code)).one()


@pytest.mark.parametrize(
    ("number", "country"),
    [
        ("+919812345678", "IN"),
        ("whatsapp:+919812345678", "IN"),
        ("+923001234567", "PK"),
        ("+447700900123", "GB"),  # the UK's drama range: not assigned, still the UK's prefix
        ("+971501234567", "AE"),
        ("+14165550123", "CA"),
        ("+12025550123", "US"),
        ("12345", None),
        ("", None),
        (None, None),
    ],
)
def test_the_country_of_a_whatsapp_number(number: str | None, country: str | None) -> None:
    assert shipping.country_of_phone(number) == country


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("India", "IN"), ("bharat", "IN"), ("भारत", "IN"), ("in", "IN"),
        ("United Kingdom", "GB"), ("UK", "GB"), ("england", "GB"), ("Untied Kingdom", "GB"),
        ("GB", "GB"), ("Pakistan", "PK"), ("پاکستان", "PK"), ("Dubai", "AE"), ("USA", "US"),
        ("Deutschland", "DE"), ("Narnia", None), ("", None), ("12 Mall Road", None),
    ],
)  # fmt: skip
def test_a_country_as_a_buyer_types_it(typed: str, country: str | None) -> None:
    assert shipping.country_code(typed) == country


def test_country_names_for_people() -> None:
    assert shipping.country_name("GB") == "United Kingdom"
    assert shipping.country_name("PK", "hi") == "पाकिस्तान"
    assert shipping.country_name("IN", "ur") == "بھارت"


def test_nothing_between_india_and_pakistan_either_way(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        chappal, shawl = products.get(s, "PC-101"), products.get(s, "KS-101")
        to_india = shipping.can_reach(chappal, "IN")
        assert (to_india.ok, to_india.refusal) == (False, Refusal.INDIA_PAKISTAN)
        assert "parcels between India and Pakistan are suspended" in to_india.explain()
        assert shipping.can_reach(shawl, "PK").refusal == Refusal.INDIA_PAKISTAN
        # both reach buyers at home and elsewhere
        assert shipping.can_reach(chappal, "PK").ok and shipping.can_reach(chappal, "GB").ok
        assert shipping.can_reach(shawl, "IN").ok and shipping.can_reach(shawl, "GB").ok


def test_no_row_can_undo_the_india_pakistan_rule(seeded: sessionmaker[Session]) -> None:
    with transaction(seeded) as s:
        shipping.set_zone(s, jail(s, "PSW"), Zone("india", "IN", 100_000, "PKR"), actor="test")
    with seeded() as s:
        assert "IN" in shipping.ships_to(jail(s, "PSW"))
        chappal = products.get(s, "PC-101")
        assert shipping.can_reach(chappal, "IN").refusal == Refusal.INDIA_PAKISTAN


def test_food_stays_in_its_own_country(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        pickle, biscuits = products.get(s, "EP-101"), products.get(s, "HB-102")
        assert shipping.is_food(pickle) and shipping.is_food(biscuits)
        assert shipping.can_reach(pickle, "IN").ok
        for country in ("GB", "AE", "NP"):
            assert shipping.can_reach(pickle, country).refusal == Refusal.FOOD_ABROAD
        assert shipping.can_reach(biscuits, "US").refusal == Refusal.FOOD_ABROAD
        assert shipping.can_reach(pickle, "PK").refusal == Refusal.INDIA_PAKISTAN  # rule first


def test_fees_per_zone_from_the_seed(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        kanda, peshawar = jail(s, "KND"), jail(s, "PSW")
        assert {r.zone for r in kanda.shipping_rates} == {"domestic", "south_asia", "gulf", "world"}
        assert shipping.fee(kanda, "IN", 240_000, "INR") == 8_000  # ₹80 at home
        for country in ("NP", "AE", "GB", "US"):
            assert shipping.fee(kanda, country, 240_000, "INR") == 150_000  # ₹1,500 abroad
        assert shipping.fee(kanda, None, 240_000, "INR") == 150_000  # unknown: the world's
        assert shipping.fee(peshawar, "PK", 350_000, "PKR") == 25_000
        assert shipping.fee(peshawar, "AE", 350_000, "PKR") == 450_000
        assert shipping.fee(peshawar, "GB", 350_000, "PKR") == 500_000
        # in another currency through the rates staff set (INR->PKR 3.33)
        assert shipping.fee(kanda, "IN", 240_000, "PKR") == 26_640


def test_staff_change_a_zone_and_it_is_audited(seeded: sessionmaker[Session]) -> None:
    with transaction(seeded) as s:
        kanda = jail(s, "KND")
        shipping.set_zone(s, kanda, Zone("gulf", "ae, sa ,qa", 120_000, "inr"), actor="staff:1")
        shipping.set_zone(s, kanda, Zone("domestic", "IN", 8_000, "INR", 100_000), actor="staff:1")
        shipping.remove_zone(s, kanda, "world", actor="staff:1")
    with seeded() as s:
        kanda = jail(s, "KND")
        gulf = next(r for r in kanda.shipping_rates if r.zone == "gulf")
        assert (gulf.countries, gulf.currency) == ("AE,QA,SA", "INR")
        assert shipping.fee(kanda, "SA", 240_000, "INR") == 120_000
        assert shipping.fee(kanda, "IN", 99_900, "INR") == 8_000
        assert shipping.fee(kanda, "IN", 100_000, "INR") == 0  # free above ₹1,000 now
        shawl = products.get(s, "KS-101")
        assert shipping.can_reach(shawl, "GB").refusal == Refusal.NOT_SHIPPED
        assert shipping.can_reach(shawl, "QA").ok
        with pytest.raises(NotFound):
            shipping.fee(kanda, "GB", 240_000, "INR")
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "shipping")).all()
        assert len(entries) == 3 and entries[-1].after is None


@pytest.mark.parametrize(
    "zone",
    [
        Zone("Gulf Zone", "AE", 1, "INR"),
        Zone("gulf", "", 1, "INR"),
        Zone("gulf", "AE,XX", 1, "INR"),
        Zone("gulf", "AE", -1, "INR"),
        Zone("gulf", "AE", 1, "XYZ"),
    ],
)
def test_bad_zones_are_refused(seeded: sessionmaker[Session], zone: Zone) -> None:
    with transaction(seeded) as s, pytest.raises(InvalidInput):
        shipping.set_zone(s, jail(s, "KND"), zone, actor="test")


def test_a_jail_without_rows_ships_by_its_countrys_defaults(seeded: sessionmaker[Session]) -> None:
    with transaction(seeded) as s:
        for rate in s.scalars(select(ShippingRate).join(Jail).where(Jail.code == "NHN")):
            s.delete(rate)
    with seeded() as s:
        nahan = jail(s, "NHN")
        assert nahan.shipping_rates == []
        assert shipping.fee(nahan, "IN", 100, "INR") == 8_000
        assert shipping.fee(nahan, "GB", 100, "INR") == 150_000


def test_an_orders_fee_follows_its_delivery_country(seeded: sessionmaker[Session]) -> None:
    abroad = Delivery("A Buyer", "+447700900123", "14 Green Lane, Leicester", "LE2 1AB", "UK")
    home = Delivery("A Buyer", "+919811111111", "1 Mall Road, Shimla", "171001")
    [uk] = place_once(seeded, "tg-x", [CartLine("KS-101", 1)], abroad, idempotency_key="k1")
    [india] = place_once(seeded, "tg-y", [CartLine("KS-101", 1)], home, idempotency_key="k2")
    with seeded() as s:
        assert shipping.order_fee(s.get(Order, uk)) == 150_000  # type: ignore[arg-type]
        assert shipping.order_fee(s.get(Order, india)) == 8_000  # type: ignore[arg-type]


def test_the_migration_gives_existing_jails_todays_fees(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    migrate.downgrade(sqlite_engine, "0003")
    assert "shipping_rates" not in inspect(sqlite_engine).get_table_names()
    jails = [("KND", "IN", "INR"), ("PSW", "PK", "PKR"), ("KTM", "NP", None)]
    with sqlite_engine.begin() as conn:
        for code, country, _ in jails:
            conn.execute(
                text(
                    "INSERT INTO jails (code, name, town, region, country, programme) "
                    "VALUES (:c, :c, 't', 'r', :k, 'p')"
                ),
                {"c": code, "k": country},
            )
    migrate.upgrade(sqlite_engine)
    with make_sessionmaker(sqlite_engine)() as s:
        for code, _, currency in jails:
            rates = jail(s, code).shipping_rates
            assert {r.currency for r in rates} == ({currency} if currency else set())
        fees = {r.zone: r.fee_minor for r in jail(s, "KND").shipping_rates}
        assert fees == {"domestic": 8_000, "south_asia": 150_000, "gulf": 150_000,
                        "world": 150_000}  # fmt: skip
