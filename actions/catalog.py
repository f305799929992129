"""Browsing: categories, product lists a page at a time, product details, prices."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import db
from actions.common import (
    NOT_STEPS,
    NUMBERED,
    bot_turns,
    buyer_currency,
    channel_of,
    display_name,
    entity,
    is_payload,
    lang,
    last_turn,
    name_and_code,
    price,
    summary_again,
    text_patterns,
    variant_price,
    variant_question,
    variant_value,
    wanted,
)
from actions.quantity import named_words
from actions.reach import buyer_country, refusal_line, refusal_text, unreachable
from actions.sizes import ask_variant, variant_choices
from actions.texts import button, t
from catalog import (
    categories,
    descriptions,
    jail_names,
    money,
    products,
    search,
    shipping,
    skus,
    variants,
)
from catalog.digits import ascii_digits
from catalog.errors import CatalogError, InvalidInput, NotFound
from catalog.models import Product
from catalog.text import terms as text_terms

PAGE = 5
MENU_QUANTITIES = 3  # on a numbered channel, "how many?" offers 1, 2, 3 (within stock)
MAX_PAGE = search.MAX_OFFSET // PAGE  # later pages are empty


def find_product(session: Session, ref: str | None, said: str | None = None) -> Product | None:
    """A product by SKU (as typed: "pc 101"), else the best search match for the words; when
    the buyer's message ``said`` names a size or colour ("laal wala shawl"), the best match
    that comes in it ("shawl" is the Peshawar shawl in red, not the first Kullu shawl)."""
    if not ref:
        return None
    try:
        return products.get(session, ref)
    except NotFound:
        typed = skus.typed(session, ref)
        if typed is not None:
            return typed[0]
        found = search.search(session, ref, limit=PAGE if said else 1).products
        if said and variants.asked(said) is not None:
            return having_variant(session, found, said) or (found[0] if found else None)
        return fuller_match(session, found, said) or (found[0] if found else None)


def fuller_match(session: Session, found: list[Product], said: str | None) -> Product | None:
    """Of the products found for the words the NLU took ("kullu"), the one the whole message
    names best ("2 kullu wool shawl cart me daal do": the woollen one, not the first Kullu
    shawl); None when the message names none of them better."""
    words = named_words(said or "")
    if not words or not found:
        return None
    best = search.search(session, " ".join(words), limit=1).products
    return best[0] if best and any(p.sku == best[0].sku for p in found) else None


def named_in_words(session: Session, said: str, current: str | None) -> Product | None:
    """The product a message names by a word of its own name when the NLU took no product
    ("nahan wali bhi 1 daal do" on the woollen shawl's card: the Nahan weave), unless the
    product looked at (``current``) is named as well; None when no product's name is."""
    words = named_words(said)
    if not words:
        return None
    found = search.search(session, " ".join(words), limit=1).products
    if not found:
        return None

    def named(product: Product) -> int:
        parent = product.parent or product
        name = set(text_terms(f"{parent.name} {parent.name_hi or ''} {parent.name_ur or ''}"))
        return sum(1 for w in words if len(w) >= 3 and w in name)

    looked_at = find_product(session, current)
    mine = named(looked_at) if looked_at is not None else 0
    return found[0] if named(found[0]) > mine else None


def having_variant(session: Session, found: list[Product], text: str) -> Product | None:
    """The first of the products found that comes in the size or colour the words name."""
    return next(
        (p for p in found if variants.match(variants.of(session, p), text, bare=False)), None
    )


def max_price(text: str | None) -> int | None:
    """The most a buyer will pay, in minor units, from plain digits ("2000", "2,000.50");
    None for anything else ("1e309", "inf", "nan", "-5"). Above any price means no limit."""
    text = (text or "").strip()
    if not re.fullmatch(r"\d[\d,]{0,30}(\.\d{1,2})?", text):
        return None
    try:
        limit = money.to_minor(text)
    except InvalidInput:
        return None
    return limit if limit <= products.MAX_PRICE_MINOR else None


def page_number(text: str | None) -> int:
    """A "more" button's page: the first page unless plain digits; past the end if huge."""
    if not text or not re.fullmatch(r"[0-9]+", text):
        return 0
    return MAX_PAGE + 1 if len(text) > 6 else min(int(text), MAX_PAGE + 1)


def _filters(tracker: Tracker) -> search.SearchFilters:
    return search.SearchFilters(
        category=categories.code(entity(tracker, "category")),
        jail=entity(tracker, "jail"),
        max_price_minor=max_price(entity(tracker, "max_price")),
    )


def _relaxed(text: str, f: search.SearchFilters) -> list[tuple[str, search.SearchFilters]]:
    """The search as asked, then with fewer filters, so an entity mistaken by NLU finds nothing
    less (never what cannot reach the buyer: ``ship_to`` stays)."""
    attempts = [(text, f)]
    if text and f.jail:
        attempts.append((text, replace(f, jail=None)))
    if text and (f.category or f.jail or f.max_price_minor is not None):
        attempts.append((text, search.SearchFilters(ship_to=f.ship_to)))
    if not text:
        attempts.append(("", replace(f, jail=None)) if f.jail and f.category else ("", f))
    return attempts


def list_products(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    page: int,
) -> list[dict[str, Any]]:
    """Utter one page of results with a button per product and a "more" button.

    Only what can reach the buyer is listed (their country known: ``actions.reach``); when
    that leaves nothing but the words found goods that cannot, the buyer is told why. A
    product sold out says so on its button.

    After a list, "it" is no longer the product looked at before: ``current_sku`` is the one
    product listed, or none (so "kitne ka hai?" asks which one)."""
    language, filters = lang(tracker), _filters(tracker)
    text = with_goods_words(text)  # "🧣" is a shawl
    if text.strip() and not re.search(r"\w", text) and not page and not is_payload(tracker):
        # a lone "👍" or "?" names nothing: the menu, not the first page of the catalog
        dispatcher.utter_message(response="utter_menu")
        return []
    with db.reading() as session:
        country = buyer_country(session, tracker)
        filters = replace(filters, ship_to=country)
        first = _first_found(session, text, filters, page)
        if first is None:
            if country and not page and cannot_reach(dispatcher, session, tracker, text,
                                                     filters, language):  # fmt: skip
                return [SlotSet("page", 0)]
            asked = entity(tracker, "product") if not page else None
            not_carried(dispatcher, session, language, asked, country)
            return [SlotSet("page", 0)]
        text, filters, result = first
        missing = better_unreachable(session, text, filters) if country and not page else []
        listed = with_size_first(session, result.products, text)
        buttons = [
            button(
                listed_title(session, p, language, buyer_currency(tracker)),
                "product_details",
                product=p.sku,
            )
            for p in listed
        ]
        other = None if page or is_payload(tracker) else not_had(tracker, result, listed)
    if result.has_more:
        more = {"category": filters.category, "jail": filters.jail, "product": text or None}
        buttons.append(button(t("more", language), "search_product", page=page + 1, **more))
    said_why = [refusal_line(missing[0], language, len(missing) - 1)] if missing else []
    heading = t("results", language) if other is None else t("closest", language, what=other)
    dispatcher.utter_message(text="\n".join([*said_why, heading]), buttons=buttons)
    shown = [p.sku for p in listed]
    only = shown[0] if len(shown) == 1 and not result.has_more else None
    return [
        SlotSet("page", page),
        SlotSet("search_text", text),
        SlotSet("listed", shown),
        SlotSet("current_sku", only),
    ]


# emojis buyers send for goods we make, as the search's words
EMOJI_GOODS = {
    "🧣": "shawl", "🧦": "socks", "🧥": "jacket", "🧢": "cap", "👒": "hat", "👞": "shoes",
    "👟": "shoes", "👡": "chappal", "🩴": "chappal", "👢": "boots", "👜": "purse", "👛": "purse",
    "🪑": "chair", "🪔": "diya", "🏮": "lantern", "🍪": "biscuits", "🎂": "cake", "🍰": "cake",
    "🍫": "chocolate", "🍞": "bread", "🥖": "bread", "🥒": "pickle", "🥭": "mango pickle",
    "🍋": "lemon pickle", "⚽": "football", "🏉": "rugby", "💡": "bulb", "🐎": "horse",
    "🐴": "horse", "🍵": "kulhad", "👕": "kurta", "🏺": "pot", "🎐": "wind chimes",
    "🛍": "bag", "🧵": "embroidery", "🛕": "temple",
}  # fmt: skip


def with_goods_words(text: str) -> str:
    """``text`` with each goods emoji as its word ("🧣 chahiye" -> "shawl chahiye")."""
    for emoji, words in EMOJI_GOODS.items():
        text = text.replace(emoji, f" {words} ")
    return text


def names_goods_by_emoji(text: str) -> bool:
    return any(emoji in text for emoji in EMOJI_GOODS)


# certification marks in the reader's script (others are shown as stored)
MARKS = {"Handloom Mark": {"hi": "हैंडलूम मार्क", "ur": "ہینڈلوم مارک"}}


def not_had(tracker: Tracker, result: search.SearchPage, listed: list[Product]) -> str | None:
    """The product the buyer named, when a word of it is in no product ("wooden chess set":
    "chess"): the list is then what comes closest, not what was asked for. A word like one of
    a listed product's ("shawll") is a slip, not another thing. None otherwise."""
    named = entity(tracker, "product")
    gaps = [w for w in result.unmatched if w in search.query_terms(named or "")]
    if not gaps:
        return None
    near = {term for p in listed for term in search.product_terms(p, p.jail)}
    if all(difflib.get_close_matches(w, near, n=1, cutoff=0.8) for w in gaps):
        return None
    return named


def _first_found(
    session: Session, text: str, filters: search.SearchFilters, page: int
) -> tuple[str, search.SearchFilters, search.SearchPage] | None:
    """The page of the first attempt that finds anything (``_relaxed``), with its words and
    filters; None when none does."""
    for words, tried in _relaxed(text, filters):  # NLU may tag "Kullu" (a design) as a jail
        result = search.search(session, words, tried, limit=PAGE, offset=page * PAGE)
        if result.products:
            return words, tried, result
    return None


def better_unreachable(
    session: Session, text: str, filters: search.SearchFilters
) -> list[shipping.Reach]:
    """Why the best match for the words is not on the list, when it cannot reach the buyer
    (``filters.ship_to``) though others can: "peshawar shawl" from India lists the Kullu
    shawls, and says the Peshawar shawl cannot be sent to India. With it, the others of its
    kind (category) on the first page that cannot come from the same country ("shawl" from
    Pakistan: three Kullu shawls). [] when the best match is listed, or the list is not a
    search for words (a category). One search more, one page."""
    if not text.strip() or filters.ship_to is None:
        return []
    found = search.search(session, text, replace(filters, ship_to=None), limit=PAGE).products
    reaches = [shipping.can_reach(p, filters.ship_to) for p in found]
    if not reaches or reaches[0].ok:
        return []
    first = reaches[0]
    return [
        r for r in reaches
        if not r.ok and r.origin == first.origin and r.product.category == first.product.category
    ]  # fmt: skip


def cannot_reach(
    dispatcher: CollectingDispatcher,
    session: Session,
    tracker: Tracker,
    text: str,
    filters: search.SearchFilters,
    language: str,
) -> bool:
    """Nothing that can reach the buyer matched, but goods that cannot did ("peshawari chappal"
    from India): say why the best of them cannot come, and offer what can. False when nothing
    matched at all."""
    found = _first_found(session, text, replace(filters, ship_to=None), 0)
    refused = None
    for product in found[2].products if found else []:
        refused = unreachable(session, tracker, product)
        if refused is not None:
            break
    if refused is None:
        return False
    buttons = category_buttons(session, language, filters.ship_to) or [
        button(t("browse_button", language), "browse_catalog")
    ]
    text = refusal_text(refused, language) + "\n" + t("can_reach_instead", language)
    dispatcher.utter_message(text=text, buttons=buttons)
    return True


def with_size_first(session: Session, found: list[Product], text: str) -> list[Product]:
    """The products found, those that come in the size or colour the words ask for ("boots
    size 9") first, then those without sizes, then those with sizes but not that one."""
    if variants.asked(text) is None:
        return found

    def rank(product: Product) -> int:
        children = variants.of(session, product)
        if not children:
            return 1
        return 0 if variants.match(children, text, bare=False) is not None else 2

    return sorted(found, key=rank)  # stable: the search's order within each group


def listed_title(session: Session, product: Product, language: str, target: str | None) -> str:
    """A list button: "Peshawari Chappal - PKR 3,500 (about £9.94)"; without the converted
    amount when that would not fit a button (60 characters), never cut in the middle."""
    name = display_name(product, language)
    sold_out = product.stock <= 0 and product.lead_time_days <= 0
    titles = [f"{name} - {price(session, product, target)}", f"{name} - {price(session, product)}"]
    if sold_out:  # "Kullu Shawl - ₹2,400 (sold out)": on the list, not only on its card
        titles = [t("variant_sold_out", language, value=title) for title in titles]
    return titles[0] if len(titles[0]) <= 60 else titles[1]


def category_buttons(
    session: Session, language: str = "en", country: str | None = None
) -> list[dict[str, Any]]:
    """A button per category with how many products it has (that can reach ``country``)."""
    return [
        button(f"{categories.display_name(c, language)} ({n})", "browse_catalog", category=c)
        for c, n in search.categories(session, country)
    ]


# five consonants in a row ("sdkjh"), or a Latin word of four letters or more without a vowel
_MASHED = re.compile(r"(?i)[b-df-hj-np-tv-xz]{5}|\b[b-df-hj-np-tv-xz]{4,}\b")


def mashed(words: str) -> bool:
    """Whether words look like keys struck at random, not a name ("asdkjh qwpoe", "fghjkl"):
    any of them has five consonants in a row, or four or more letters and no vowel."""
    return _MASHED.search(words) is not None


def not_carried(
    dispatcher: CollectingDispatcher,
    session: Session,
    language: str,
    asked: str | None,
    country: str | None = None,
) -> None:
    """Nothing matched: name what was asked for (we do not make it) and offer what we make;
    keys struck at random ("asdkjh qwpoe") are not named back."""
    asked = " ".join((asked or "").split())[:40]
    named = asked and not mashed(asked)
    text = t("not_carried", language, what=asked) if named else t("no_results", language)
    buttons = category_buttons(session, language, country) or [
        button(t("browse_button", language), "browse_catalog")
    ]
    dispatcher.utter_message(text=text, buttons=buttons)


def sized_product(tracker: Tracker, text: str) -> str | None:
    """The SKU of the product with sizes or colours a message asks for in one of them
    ("mujhe ek peshawari chappal chahiye 9 number", "laal wala shawl"), or the one just asked
    "which size?" about when the message answers it; None for any other message."""
    asked = variant_question(tracker) is not None
    named = variants.asked(text, bare=asked)
    if named is None:
        return None
    with db.reading() as session:
        product = None
        if asked:
            product = find_product(session, tracker.get_slot("current_sku"))
        if product is None:
            found = search.search(session, text, limit=PAGE).products
            # "boots size 9 chahiye": the best listed product that has size 9, even when the
            # search ranked another first; else the first, to say which sizes it comes in
            product = having_variant(session, found, text) or (found[0] if found else None)
        children = variants.of(session, product) if product is not None else []
        if not children and not asked:  # "سائز 9", "size 9" under the chappal's card: its size
            looked = find_product(session, tracker.get_slot("current_sku"))
            sizes = variants.of(session, looked) if looked is not None else []
            if sizes and variants.match(sizes, text, bare=False) is not None:
                product, children = looked, sizes
        if product is None or not children:
            return None
        if variants.match(children, text, bare=asked) is None:
            # one we do not have: say which there are only if it is of the same kind ("size
            # 12" of chappals); "black boots" is a search
            colour = named.lower() in variants.COLOURS.values()
            if colour != (variants.kind_of(product) == variants.COLOUR):
                return None
        return product.sku


def asked_quantity(tracker: Tracker) -> bool:
    """A quantity in the message, but not the English "do" of "do you have ..." (Hindi 2)."""
    text = tracker.latest_message.get("text") or ""
    for found in tracker.latest_message.get("entities") or []:
        if found.get("entity") == "quantity":
            said = text[found.get("start", 0) : found.get("end", 0)].strip().lower()
            return not (said == "do" and text.lower().startswith("do "))
    return False


def describe(session: Session, product: Product, language: str, currency: str | None) -> str:
    """Name, price, where and under which programme it was made, marks, stock. No person's name."""
    jail = product.jail
    lines = [
        name_and_code(product, language),  # "Kullu Shawl (Wool, KS-101)"
        price(session, product, currency),
        t(
            "made_at",
            language,
            jail=jail_names.display_name(jail, language),
            town=jail_names.display_town(jail, language),
            programme=jail_names.display_programme(jail, language),
        ),
    ]
    if product.marks:
        marks = ", ".join(
            MARKS.get(m.strip(), {}).get(language, m.strip()) for m in product.marks.split(",")
        )
        lines.append(t("marks", language, marks=marks))
    if product.description:
        lines.append(descriptions.display_description(product, language))
    children = [c for c in variants.of(session, product) if c.active]
    if children:
        key = "colours" if variants.kind_of(product) == variants.COLOUR else "sizes"
        listed = ", ".join(
            variant_value(c, language) for c in children if c.stock > 0 or c.lead_time_days > 0
        )
        if listed:
            lines.append(t(f"{key}_available", language, **{key: listed}))
    if product.stock > 0:
        lines.append(t("in_stock", language, n=product.stock))
    elif product.lead_time_days > 0:
        lines.append(t("made_to_order", language, n=product.lead_time_days))
    else:
        lines.append(t("sold_out", language))
    return "\n".join(lines)


def typed_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """A product code in the buyer's words ("PE-101", "pc-101", "PC 101"): that product's card
    and, when it has sizes or colours, the question which (a size typed with the code, "PC-101/9"
    or "PC-101 size 9", shows that size at once); None when the message names no code."""
    if is_payload(tracker):
        return None
    text = tracker.latest_message.get("text") or ""
    language = lang(tracker)
    with db.reading() as session:
        found = skus.typed(session, text)
        if found is None:
            return None
        product, rest = found
        children = [c for c in variants.of(session, product) if c.active]
        child = variants.match(children, rest, bare=True) if children else None
        if not children or child is not None or unreachable(session, tracker, product):
            sku = (child or product).sku
        else:
            card = describe(session, product, language, buyer_currency(tracker))
            dispatcher.utter_message(text=card, image=product.photo)
            ask_variant(dispatcher, tracker, product, children, wanted(tracker), language, rest)
            return [SlotSet("current_sku", product.sku), SlotSet("quantity", None)]
    return show_product(dispatcher, tracker, sku)


def show_product(
    dispatcher: CollectingDispatcher, tracker: Tracker, ref: str | None
) -> list[dict[str, Any]]:
    """One product in full (by SKU or words; else the one being looked at), with its photo,
    an add-to-cart button and "how many?"."""
    language = lang(tracker)
    ref = ref or tracker.get_slot("current_sku")
    with db.reading() as session:
        try:
            product = find_product(session, ref)
        except CatalogError:
            product = None
        if product is None or not product.active:
            dispatcher.utter_message(
                text=t("not_found", language),
                buttons=[button(t("browse_button", language), "browse_catalog")],
            )
            return []
        text = describe(session, product, language, buyer_currency(tracker))
        available = product.stock > 0 or product.lead_time_days > 0
        refused = unreachable(session, tracker, product)
        if refused is not None:  # shown, but not orderable: it could never reach the buyer
            text += "\n" + refusal_text(refused, language)
            available = False
        sku = product.sku
        photo = product.photo
        most = product.stock if product.lead_time_days == 0 else MENU_QUANTITIES
    n = wanted(tracker)
    buttons = [button(t("add_button", language, n=n), "add_to_cart", product=sku, quantity=n)]
    if available and channel_of(tracker) in NUMBERED:
        # a numbered list: choice k adds k, so "1" is one whether read as a choice or a number
        quantities = range(1, min(MENU_QUANTITIES, most) + 1)  # "5" typed is still five
        buttons = [
            button(t("add_button", language, n=k), "add_to_cart", product=sku, quantity=k)
            for k in quantities
        ]
        text += "\n" + t("how_many_numbered", language)
    elif available:
        text += "\n" + t("how_many", language)
    dispatcher.utter_message(text=text, image=photo, buttons=buttons if available else [])
    return [SlotSet("current_sku", sku)]


def which_one(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[Any]:
    """ "How much is it?" after a list: ask which one, each listed product with its price."""
    with db.reading() as session:
        listed = [find_product(session, sku) for sku in tracker.get_slot("listed") or []]
        buttons = [
            button(
                listed_title(session, p, language, buyer_currency(tracker)),
                "product_details",
                product=p.sku,
            )
            for p in listed
            if p is not None and p.active
        ]
    dispatcher.utter_message(text=t("which_one", language), buttons=buttons)
    return []


class ActionAskPrice(Action):
    """The price of the product named, or of the one being looked at."""

    def name(self) -> str:
        return "action_ask_price"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        ref = entity(tracker, "product") or tracker.get_slot("current_sku")
        listed, place = tracker.get_slot("listed") or [], place_asked(tracker)
        if listed and place is not None:  # "how much is the second one?" after a list
            if place <= len(listed):
                ref = str(listed[place - 1])
            else:  # past its end: what the list has
                dispatcher.utter_message(text=t("showed_only", language, n=len(listed)))
                ref = str(listed[0]) if len(listed) == 1 else None
        if ref is None and listed:  # after a list: which one, with prices
            return which_one(dispatcher, tracker, language)
        with db.reading() as session:
            product = find_product(session, ref)
            if product is None:
                dispatcher.utter_message(text=t("which_product", language))
                return []
            children = [c for c in variants.of(session, product) if c.active]
            child = priced_size(tracker, product, children)
            shown = child or product
            amount = price(session, shown, buyer_currency(tracker))
            text = f"{display_name(shown, language)}: {amount}"
            sku = product.sku
            buttons = [
                button(t("add_button", language, n=1), "add_to_cart", product=shown.sku,
                       quantity=1)
            ]  # fmt: skip
            if child is None and children and variant_price(children[0], children):
                # sizes priced differently and none named: a button per size, with its price
                buttons = variant_choices(children, language, 1)[1]
            refused = unreachable(session, tracker, product)
            if refused is not None:
                text += "\n" + refusal_text(refused, language)
                buttons = []
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("current_sku", sku), *summary_again(tracker)]


def priced_size(tracker: Tracker, product: Product, children: list[Product]) -> Product | None:
    """The size or colour a price question is about: the one the message names ("peshawari
    chappal size 9 ka price?"), else the one on screen (``current_sku``, a size's card), else
    the one of this product in the cart, if only one; None for none of these."""
    if not children:
        return None
    said = "" if is_payload(tracker) else tracker.latest_message.get("text") or ""
    child = variants.match(children, said, bare=variant_question(tracker) is not None)
    if child is not None:
        return child
    current = str(tracker.get_slot("current_sku") or "").upper()
    child = next((c for c in children if c.sku == current), None)
    if child is not None:
        return child
    in_cart = {str(item).partition(":")[0].upper() for item in tracker.get_slot("cart") or []}
    found = [c for c in children if c.sku in in_cart]
    return found[0] if len(found) == 1 else None


# "order 2", "order no. 2", "2 order karo", "ऑर्डर 2", "2 آرڈر کریں": the second product of a
# list; never a reference (KG-0002, #2, 0002: no prefix, no leading zero allowed here)
_ORDER = r"(?:order|ordar|ordr|ऑर्डर|आर्डर|آرڈر)"
_NO = r"(?:no\.?|number|nambar|नंबर|نمبر)?"
_DO = (
    r"(?:karo|kar\s*do|kardo|karna\s*hai|karen|karein|kijiye|please|pls|करो|कर\s*दो|करें|"
    r"कीजिए|करना\s*है|کریں|کرو|کر\s*دیں|کرنا\s*ہے)?"
)
ORDER_N = re.compile(
    rf"(?i)^\s*(?:{_ORDER}\s*{_NO}\s*(?P<a>[1-9]\d?)|(?P<b>[1-9]\d?)\s*{_NO}\s*{_ORDER})"
    rf"\s*{_DO}\s*[.!?۔।]*\s*$"
)
BARE_N = re.compile(r"^\s*(?P<a>[1-9]\d?)\s*$")
# the bot's numbered lists of products, in every language
_LISTS = text_patterns(("results", "which_one"))


def after_list(tracker: Tracker) -> bool:
    """Whether the bot's last turn showed a list of products (search results, "which one?")."""
    return _shows_list(last_turn(tracker))


def _shows_list(turn: list[dict[str, Any]]) -> bool:
    return any(
        e.get("event") == "bot" and any(p.fullmatch((e.get("text") or "").strip()) for p in _LISTS)
        for e in turn
    )


# "pehla wala", "the first one", "पहला वाला", "دوسرا والا": a place in the list just shown
# (0: the last one), said with at most a few of the words around it (ORDINAL_FILLER)
ORDINALS: dict[str, int] = {
    **dict.fromkeys(("first", "1st", "pehla", "pehli", "pahla", "pahli", "पहला", "पहली",
                     "پہلا", "پہلی", "pehle"), 1),
    **dict.fromkeys(("second", "2nd", "doosra", "dusra", "doosri", "dusri", "दूसरा", "दूसरी",
                     "دوسرا", "دوسری", "doosre", "dusre", "दूसरे", "دوسرے"), 2),
    **dict.fromkeys(("third", "3rd", "teesra", "tisra", "teesri", "tisri", "तीसरा", "तीसरी",
                     "تیسرا", "تیسری", "teesre", "tisre", "तीसरे", "تیسرے"), 3),
    **dict.fromkeys(("fourth", "4th", "chautha", "chotha", "chauthi", "चौथा", "चौथी", "چوتھا",
                     "چوتھی"), 4),
    **dict.fromkeys(("fifth", "5th", "paanchva", "panchva", "पाँचवाँ", "پانچواں"), 5),
    **dict.fromkeys(("last", "aakhri", "akhri", "aakhiri", "आखिरी", "आख़िरी", "آخری"), 0),
}
ORDINAL_FILLER = frozenset(
    ("the", "one", "wala", "wali", "vala", "vali", "waala", "waali", "वाला", "वाली", "والا",
     "والی", "please", "pls", "plz", "ok", "okay", "show", "me", "dikhao", "dikhaiye", "दिखाओ",
     "दिखाइए", "دکھائیں", "دکھاؤ", "wo", "woh", "vo", "वो", "وہ", "ye", "yeh", "this", "that",
     "i", "want", "take", "chahiye", "चाहिए", "چاہیے", "ji", "जी", "جی", "sahi", "hai", "है", "ہے")
)  # fmt: skip


def ordinal(text: str) -> int | None:
    """The place "pehla wala" / "the second one" names (0 for "the last one"), else None."""
    words = [w.strip(".,!?।۔؟") for w in text.lower().split()]
    places = [ORDINALS[w] for w in words if w in ORDINALS]
    if len(places) != 1 or len(words) > 5 or any(
        w not in ORDINALS and w not in ORDINAL_FILLER for w in words
    ):
        return None
    return places[0]


def _list_since(tracker: Tracker) -> bool:
    """Whether the bot showed a list of products in its last turn, or before it with only its
    products priced since ("how much is the second one?", then "teesre wale ka price?" is
    still about the list)."""
    for turn in bot_turns(tracker, 6):
        if _shows_list(turn):
            return True
        ran = {str(e.get("name")) for e in turn if e.get("event") == "action"}
        if ran - NOT_STEPS - {"action_extract_slots"} != {"action_ask_price"}:
            return False
    return False


def place_asked(tracker: Tracker) -> int | None:
    """The place in the list just shown that a question names, among any other words ("how
    much is the second one?", "doosre wale ka price?"; 0 for the last); None without a list
    just shown or one place word."""
    if is_payload(tracker) or not _list_since(tracker):
        return None
    words = [w.strip(".,!?।۔؟") for w in (tracker.latest_message.get("text") or "").lower().split()]
    places = {ORDINALS[w] for w in words if w in ORDINALS and w != "pehle"}  # also "before"
    return places.pop() if len(places) == 1 else None


def listed_pick(tracker: Tracker, bare: bool = False) -> str | None:
    """The SKU the buyer picks by its place in the list just shown: "order 2" / "2 order karo"
    / "pehla wala" (and, with ``bare``, a plain "2") right after a list is its second product,
    as a numbered choice on WhatsApp is. None otherwise: no list just shown, no such place, a
    reference."""
    if is_payload(tracker):
        return None
    text = ascii_digits(tracker.latest_message.get("text") or "")
    found = ORDER_N.fullmatch(text) or (BARE_N.fullmatch(text) if bare else None)
    place = ordinal(text) if found is None else None
    listed = tracker.get_slot("listed") or []
    if (found is None and place is None) or not isinstance(listed, list) or not after_list(tracker):
        return None
    n = int(found.group("a") or found.group("b")) if found is not None else place or len(listed)
    return str(listed[n - 1]) if 0 < n <= len(listed) else None
