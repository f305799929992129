"""Language detection, the language slot, and actions answering in each of the four scripts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionAddToCart, ActionProductDetails, ActionViewCart
from actions.catalog import ActionAskPrice
from actions.language import ActionChangeLanguage, ActionSetLanguage, detect, explicit
from actions.orders import ActionOrderStatus
from actions.search import ActionSearchProducts
from catalog import customers, orders
from catalog.db import transaction
from catalog.models import Product
from catalog.orders import CartLine, Delivery, place_once
from catalog.refs import ref
from tests.rasa_support import load_domain, run, tracker

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


def all_text(msgs: list[dict]) -> str:
    """Every text and button title the buyer sees."""
    parts = []
    for m in msgs:
        parts.append(m.get("text") or "")
        parts.extend(b["title"] for b in m.get("buttons") or [])
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("मुझे शॉल चाहिए", "hi"),
        ("mujhe 2 kullu shawl chahiye", "hi-Latn"),
        ("kullu shawl dikhao", "hi-Latn"),
        ("namaste, peshawari chappal hai?", "hi-Latn"),
        ("kitne ka hai?", "hi-Latn"),
        ("main Lahore mein rehta hoon", "hi-Latn"),  # a tester's: answered in English
        ("main menu", None),
        ("show me shawls please", "en"),
        ("پشاوری چپل", "ur"),
        ("کیا پشاوری چپل ہے؟", "ur"),
        ("2", None),
        ('/product_details{"product":"KS-101"}', None),
        ('/search_product{"product":"कुल्लू शॉल"}', None),  # a button, not the buyer's writing
    ],
)
def test_detect(text: str, lang: str | None) -> None:
    assert detect(text) == lang


@pytest.mark.parametrize(
    ("text", "current", "lang"),
    [
        ("order 2", "hi", None),  # Hinglish loanwords alone keep Hindi
        ("order 2", "hi-Latn", None),
        ("order 2", "ur", None),
        ("checkout please", "hi-Latn", None),
        ("order 2", "en", "en"),
        ("what is the price of this", "hi", "en"),  # real English still switches
        ("kullu shawl dikhao", "hi", "hi-Latn"),  # writing Latin: reading Latin
        ("कुल्लू शॉल", "hi-Latn", "hi"),
        ("haan", "ur", None),  # a short yes keeps the language it answers (issue 12)
        ("haan ji", "hi", None),
        ("ok", "ur", None),
        ("thank you", "ur", None),
        ("haan", "en", None),
        ("haan, kullu shawl dikhao", "en", "hi-Latn"),  # more than a yes: its words count
    ],
)
def test_loanwords_do_not_switch_a_hindi_buyer(text: str, current: str, lang: str | None) -> None:
    assert detect(text, current) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("हिंदी में बात करो", "hi"),  # asked in Devanagari: Devanagari
        ("hindi mein baat karo", "hi-Latn"),  # asked in Latin letters: Latin letters
        ("reply in hindi", "hi-Latn"),
        ("hindi script mein likho", "hi"),
        ("devanagari please", "hi"),
        ("hinglish mein baat karo", "hi-Latn"),
        ("urdu mein baat karo", "ur"),
        ("اردو میں بات کریں", "ur"),
        ("roman urdu please", "hi-Latn"),
        ("english please", "en"),
        ("angrezi mein", "en"),
        ("change the language", None),
    ],
)
def test_explicit_requests(text: str, lang: str | None) -> None:
    assert explicit(text) == lang


def test_the_language_slot_takes_every_reply_language() -> None:
    slot = load_domain()["slots"]["language"]
    assert slot["type"] == "categorical"
    assert set(slot["values"]) == {"en", "hi", "hi-Latn", "ur"}


async def test_language_follows_the_buyer_and_is_stored(seeded: sessionmaker[Session]) -> None:
    db.use(seeded)
    try:
        events, _ = await run(ActionSetLanguage(), tracker("shawl dikhao", sender="b-9"))
        assert events == [SlotSet("language", "hi-Latn")]
        with seeded() as s:
            assert customers.find(s, "b-9").language == "hi-Latn"
        events, _ = await run(
            ActionSetLanguage(), tracker("2", slots={"language": "hi-Latn"}, sender="b-9")
        )
        assert events == []
        events, _ = await run(
            ActionSetLanguage(), tracker("پشاوری چپل", slots={"language": "hi-Latn"}, sender="b-9")
        )
        assert events == [SlotSet("language", "ur")]
        with seeded() as s:
            assert customers.find(s, "b-9").language == "ur"
    finally:
        db.use(None)


def _asked(text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "change_language"}}}


async def test_a_language_asked_for_by_name_stays_while_the_buyer_types_latin(shop) -> None:
    asked = [_asked("urdu mein baat karo")]
    events, _ = await run(
        ActionSetLanguage(),
        tracker("urdu mein baat karo", intent="change_language", sender="b-u", events=asked),
    )
    assert events == [SlotSet("language", "ur")]
    history = [*asked, {"event": "user", "text": "chappal dikhao", "parse_data": {}}]
    trk = tracker("chappal dikhao", slots={"language": "ur"}, sender="b-u", events=history)
    events, _ = await run(ActionSetLanguage(), trk)
    assert events == []  # romanized, but Urdu was asked for: still Urdu
    trk = tracker("show me shawls please", slots={"language": "ur"}, sender="b-u", events=history)
    assert (await run(ActionSetLanguage(), trk))[0] == []
    trk = tracker("कुल्लू शॉल", slots={"language": "ur"}, sender="b-u", events=history)
    assert (await run(ActionSetLanguage(), trk))[0] == [SlotSet("language", "hi")]  # new script


@pytest.mark.parametrize(
    ("text", "slot", "reply"),
    [
        ("hindi mein baat karo", "hi-Latn", "Theek hai, ab main Hindi mein"),
        ("हिंदी में बात करो", "hi", "ठीक है, अब मैं हिंदी में जवाब दूँगा।"),
        ("urdu please", "ur", "ٹھیک ہے، اب میں اردو میں جواب دوں گا۔"),
        ("english please", "en", "OK, I will reply in English."),
    ],
)
async def test_change_language_confirms_in_the_new_language(shop, text, slot, reply) -> None:
    trk = tracker(text, intent="change_language", sender=f"b-{slot}")
    events, msgs = await run(ActionChangeLanguage(), trk)
    assert msgs[0]["text"].startswith(reply)
    assert events == ([SlotSet("language", slot)] if slot != "en" else [])
    if slot == "hi-Latn":
        assert not DEVANAGARI.search(msgs[0]["text"])


async def test_a_romanized_hindi_buyer_gets_latin_letters_only(shop) -> None:
    slots = {"language": "hi-Latn"}
    trk = tracker("kullu shawl dikhao", intent="search_product",
                  entities={"product": "kullu shawl"}, slots=slots)  # fmt: skip
    _, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"] == "Yeh mila:"
    titles = [b["title"] for b in msgs[0]["buttons"]]
    assert "Kullu Shawl (Wool) - ₹2,400" in titles
    trk = tracker('/product_details{"product":"KS-101"}', intent="product_details",
                  entities={"product": "KS-101"}, slots=slots)  # fmt: skip
    _, details = await run(ActionProductDetails(), trk)
    assert details[0]["text"].startswith("Kullu Shawl (Wool, KS-101)\n₹2,400\n")
    assert "Kitne chahiye? Number likhiye." in details[0]["text"]
    assert details[0]["buttons"][0]["title"] == "1 cart mein daalo"
    events, added = await run(
        ActionAddToCart(),
        tracker("", intent="add_to_cart", entities={"product": "KS-101", "quantity": "2"},
                slots=slots),
    )  # fmt: skip
    assert added[0]["text"] == "2 x Kullu Shawl (Wool) cart mein daal diya. Cart ka total: ₹4,800."
    seen = all_text(msgs + details + added)
    assert not DEVANAGARI.search(seen) and not ARABIC.search(seen), seen


async def test_an_urdu_buyer_gets_urdu_names_and_rupees_as_rs(shop) -> None:
    slots = {"language": "ur"}
    trk = tracker("پشاوری چپل", intent="search_product",
                  entities={"product": "پشاوری چپل"}, slots=slots)  # fmt: skip
    _, msgs = await run(ActionSearchProducts(), trk)
    assert msgs[0]["text"] == "یہ ملا:"
    titles = [b["title"] for b in msgs[0]["buttons"]]
    assert "پشاوری چپل - Rs 3,500" in titles
    trk = tracker('/product_details{"product":"PC-101"}', intent="product_details",
                  entities={"product": "PC-101"}, slots=slots)  # fmt: skip
    _, details = await run(ActionProductDetails(), trk)
    text = details[0]["text"]
    assert text.startswith("پشاوری چپل (PC-101)\nRs 3,500\n")
    assert "کتنے چاہییں؟ تعداد لکھیں۔" in text
    assert not DEVANAGARI.search(all_text(msgs + details))
    # no Urdu name in the data (a product staff added): the English name, never Devanagari
    with transaction(shop) as session:
        session.scalars(select(Product).where(Product.sku == "KS-102")).one().name_ur = ""
    trk = tracker('/product_details{"product":"KS-102"}', intent="product_details",
                  entities={"product": "KS-102"}, slots=slots)  # fmt: skip
    _, details = await run(ActionProductDetails(), trk)
    assert details[0]["text"].startswith("Kullu Shawl (Pashmina blend, KS-102)\n₹4,200\n")
    events, _ = await run(
        ActionAddToCart(),
        tracker("", intent="add_to_cart", entities={"product": "PC-101/9", "quantity": "1"},
                slots=slots),
    )  # fmt: skip
    cart = next(e["value"] for e in events if e.get("name") == "cart")
    _, view = await run(ActionViewCart(), tracker("", slots={**slots, "cart": cart}))
    assert view[0]["text"] == "آپ کی کارٹ:\n1 x پشاوری چپل، سائز 9 (PC-101/9): Rs 3,500\nکل: Rs 3,500"


@pytest.mark.parametrize(
    ("language", "country", "shown"),
    [
        ("ur", None, "Rs 3,500"),
        ("en", "Pakistan", "Rs 3,500"),
        ("hi-Latn", None, "PKR 3,500"),  # in India "Rs" reads as Indian rupees
        ("en", None, "PKR 3,500"),
        ("hi", "India", "PKR 3,500 (लगभग ₹1,051)"),  # the buyer's own currency beside it
    ],
)
async def test_pakistani_rupees_read_as_the_buyer_reads_them(shop, language, country, shown):
    slots = {"language": language, "buyer_country": country}
    trk = tracker("", intent="ask_price", entities={"product": "PC-101"}, slots=slots)
    _, msgs = await run(ActionAskPrice(), trk)
    assert msgs[0]["text"].splitlines()[0].endswith(f": {shown}")


async def test_order_status_in_each_language(shop) -> None:
    delivery = Delivery("Sana Khan", "+923001234567", "5 Mall Road, Peshawar", "25000", "Pakistan")
    placed = place_once(shop, "b-orders", [CartLine("PC-101/9", 1)], delivery, idempotency_key="k")[
        0
    ]
    with shop() as s:
        total = orders.get_order(s, placed).total_minor
    assert total == 350_000  # the goods; the parcel fee is kept apart on the order
    # the buyer's latest order goes to Pakistan: they are read as in Pakistan, "Rs" in every
    # language (tester finding B13: the last order's country counts)
    expected = {
        "en": f"Order {ref(placed)}: placed, Rs 3,500",
        "hi-Latn": f"Order {ref(placed)}: place ho gaya, Rs 3,500",
        "ur": f"آرڈر {ref(placed)}: درج ہو گیا، Rs 3,500",
        "hi": f"ऑर्डर {ref(placed)}: दर्ज हो गया, Rs 3,500",
    }
    for language, text in expected.items():
        trk = tracker("", intent="order_status", entities={"order_id": str(placed)},
                      slots={"language": language}, sender="b-orders")  # fmt: skip
        _, msgs = await run(ActionOrderStatus(), trk)
        assert msgs[0]["text"].split("\n")[0] == text
        if language == "ur":  # the order holds a size: its line names it
            assert msgs[0]["text"].split("\n")[1] == "1 x پشاوری چپل (سائز 9)"


async def test_a_buyer_who_switches_script_gets_the_new_one_from_that_message_on(shop) -> None:
    """Issue 12: English, then Urdu mid-conversation: Urdu from the Urdu message on, and the
    short replies after it ("ok", "1", "yes", "haan") keep Urdu; the same after English was
    asked for by name (another script moves a language asked for)."""
    for before in ([], [_asked("reply in english")]):
        language, seen = "en", []
        for text in ("show me shawls", "ok", "پشاوری چپل دکھائیں", "ok", "1", "yes", "haan"):
            trk = tracker(text, slots={"language": language}, sender="b-sw", events=before)
            events, _ = await run(ActionSetLanguage(), trk)
            language = next((e["value"] for e in events if e.get("name") == "language"), language)
            seen.append(language)
        assert seen == ["en", "en", "ur", "ur", "ur", "ur", "ur"], (before, seen)
    with shop() as s:
        assert customers.find(s, "b-sw").language == "ur"  # notifications follow too
