"""The cart, kept in a slot as "SKU:quantity" strings: add, view, remove."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import db
from actions.catalog import (
    MENU_QUANTITIES,
    ORDINAL_FILLER,
    ORDINALS,
    after_list,
    find_product,
    list_products,
    listed_pick,
    listed_title,
    named_in_words,
    place_asked,
    show_product,
    sized_product,
    typed_code,
)
from actions.common import (
    amount,
    amounts,
    asked_how_many,
    asked_quantity_of,
    buyer_currency,
    display_name,
    entity,
    handed_over,
    is_payload,
    lang,
    last_turn,
    listed,
    name_and_code,
    quantity,
    still_looking_at,
    text_patterns,
    variant_question,
)
from actions.form_words import change_at_summary
from actions.payment import typed_choice
from actions.place import place_statement
from actions.quantity import (
    PAIRS,
    asks_to_set,
    best,
    is_number,
    matching,
    more_of_added,
    named_words,
    new_quantity,
    number_in,
    only_quantity,
    says_only,
    tokens,
)
from actions.quantity import typed as _typed
from actions.reach import buyer_country, refusal_text, split_cart, unreachable
from actions.sizes import ask_variant, variant_choices
from actions.texts import button, t
from catalog import orders, search, variants
from catalog.digits import ascii_digits
from catalog.models import Product
from catalog.orders import CartLine


def read_cart(tracker: Tracker) -> list[CartLine]:
    """The cart slot as lines; malformed entries (the slot is client-visible) are dropped."""
    lines = []
    for item in tracker.get_slot("cart") or []:
        sku, _, qty = str(item).partition(":")
        if qty.isdecimal() and len(qty) <= 4 and int(qty) > 0:
            lines.append(CartLine(sku, int(qty)))
    return orders.merge(lines)


def say_cart_empty(dispatcher: CollectingDispatcher, language: str) -> None:
    dispatcher.utter_message(
        text=t("cart_empty", language),
        buttons=[button(t("browse_button", language), "browse_catalog")],
    )


def cart_slot(lines: list[CartLine]) -> SlotSet:
    return SlotSet("cart", [f"{line.sku}:{line.quantity}" for line in lines if line.quantity > 0])


def totals_text(
    totals: dict[str, int], session: Session | None = None, target: str | None = None
) -> str:
    return amounts(totals, session, target)


def add(  # type: ignore[no-untyped-def]
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    ref: str | None,
    qty: int | None,
    set_to: bool = False,
):
    """Add ``qty`` of a product, keeping the cart within the stock; with ``set_to`` (or when
    the message sets the quantity: "make it 2", "sirf 1"), a line of it in the cart is set
    to ``qty`` instead."""
    language = lang(tracker)
    ref = ref or tracker.get_slot("current_sku")
    with db.factory()() as session:
        # "laal wala shawl": of the products the words name, the one that comes in red
        product = find_product(session, ref, _message(tracker))
        if product is None and ref is None:  # "पहली वाली दो डाल दो" right after a list
            product, qty = _placed(session, tracker, qty)
        if product is None or not product.active:
            if not pick_listed(dispatcher, session, tracker, qty):
                dispatcher.utter_message(text=t("which_product", language))
            return []
        name, sku = display_name(product, language), product.sku
        refused = unreachable(session, tracker, product)
        if refused is not None:  # it could never be delivered to the buyer: not orderable
            dispatcher.utter_message(
                text=refusal_text(refused, language),
                buttons=[button(t("browse_button", language), "browse_catalog")],
            )
            return []
        children = variants.of(session, product)
        if children:  # a size or colour first: the buyer's words, else the question
            child = _variant_said(tracker, children) or _setting_in_cart(tracker, children)
            sized = None if child is not None else _size_not_count(tracker, children, qty)
            if sized is not None:  # "9" on the card of chappals in sizes 7-11: size 9, how many?
                return how_many_of(dispatcher, sized, language)
            if child is None:
                ask_variant(dispatcher, tracker, product, children, qty, language)
                return [SlotSet("current_sku", sku), SlotSet("quantity", None)]
            qty = _quantity_besides(tracker, child, qty)
            product, name = child, display_name(child, language)
        if qty is None:  # never a bare "how many?": the number goes to the product it names
            dispatcher.utter_message(text=t("how_many_of", language, name=name))
            return [SlotSet("current_sku", sku)]
        if qty < 1:
            dispatcher.utter_message(text=t("bad_quantity", language, name=name))
            return [SlotSet("current_sku", sku)]
        sku = product.sku  # the size or colour, when one was picked
        lines = read_cart(tracker)
        have = sum(line.quantity for line in lines if line.sku == sku)
        # "make it 2" (or a tap on "which one should be 2?"): 2, not 2 more
        setting = have > 0 and (set_to or new_quantity(tracker) == qty or asked_which_line(tracker))
        held = have
        if setting:
            lines, have = [line for line in lines if line.sku != sku], 0
        limit = product.stock if product.lead_time_days == 0 else orders.MAX_LINE_QUANTITY
        if limit - have <= 0 or (setting and held >= limit and qty > limit):
            # none left, or the last ones are in this cart ("3" after the last pair was added:
            # not "only 1 is left: type 1", which then said it was sold out)
            sold_out(dispatcher, session, product, name, held, language)
            return [SlotSet("current_sku", variants.split_sku(sku)[0])]
        if have + qty > limit:  # a button for each quantity there is (up to three): a way on
            dispatcher.utter_message(
                text=t("too_many_one" if limit - have == 1 else "too_many", language,
                       n=limit - have, name=name),
                buttons=quantity_buttons(sku, limit - have, language),
            )
            return [SlotSet("current_sku", sku)]
        lines = orders.merge([*lines, CartLine(sku, qty)])
        quote = orders.quote(session, lines)
        total = totals_text(quote.totals, session, buyer_currency(tracker))
        # chappals from Peshawar beside a Kullu shawl: said now, not first at the checkout
        split = split_cart(session, tracker, quote, language, "cart_split_added")
    text = t("quantity_set" if setting else "added", language, qty=qty, name=name, total=total)
    dispatcher.utter_message(
        text=text if split is None else f"{text}\n{split[0]}",
        buttons=[
            button(t("checkout_button", language), "checkout"),
            button(t("browse_button", language), "browse_catalog"),
        ],
    )
    current = variants.split_sku(sku)[0]  # "it" stays the product, not one of its sizes
    return [cart_slot(lines), SlotSet("current_sku", current), SlotSet("quantity", None)]


def quantity_buttons(sku: str, most: int, language: str) -> list[dict[str, str]]:
    """ "Add 1 to cart", "Add 2 to cart", ... up to ``most`` (at most MENU_QUANTITIES)."""
    return [
        button(t("add_button", language, n=k), "add_to_cart", product=sku, quantity=k)
        for k in range(1, min(most, MENU_QUANTITIES) + 1)
    ]


def _size_not_count(tracker: Tracker, children: list[Product], qty: int | None) -> Product | None:
    """A number typed alone that is one of the product's sizes and more than that size has in
    stock ("9" on the card of chappals in sizes 7-11, 3 pairs of size 9 left): the size, not a
    count. None otherwise (then "which size?" asks, carrying the number as the count)."""
    text = _message(tracker).strip()
    if qty is None or str(qty) != text:
        return None
    child = variants.match(children, text, bare=True)
    if child is None or not child.active or variants.kind_of_child(child) == variants.COLOUR:
        return None
    limit = child.stock if child.lead_time_days == 0 else orders.MAX_LINE_QUANTITY
    return child if 0 < limit < qty else None


def how_many_of(
    dispatcher: CollectingDispatcher, child: Product, language: str
) -> list[dict[str, Any]]:
    """ "How many of Peshawari Chappal (size 9)?" with a button per quantity in stock; the
    number typed next is a count of that size."""
    limit = child.stock if child.lead_time_days == 0 else MENU_QUANTITIES
    dispatcher.utter_message(
        text=t("how_many_of", language, name=display_name(child, language)),
        buttons=quantity_buttons(child.sku, limit, language),
    )
    return [SlotSet("current_sku", child.sku), SlotSet("quantity", None)]


def sold_out(
    dispatcher: CollectingDispatcher,
    session: Session,
    product: Product,
    name: str,
    have: int,
    language: str,
) -> None:
    """ "Sorry, X is sold out" (or: its last ones are already in the cart), never "only 0
    available"; for a size or colour, the ones still in stock with a button each."""
    key = "out_of_stock" if not have else "out_of_stock_in_cart" if have > 1 else "last_in_cart"
    lines = [t(key, language, name=name, n=have)]
    buttons: list[dict[str, str]] = []
    parent = product.parent
    if parent is not None:
        others = [
            c for c in variants.of(session, parent)
            if c.id != product.id and c.active and (c.stock > 0 or c.lead_time_days > 0)
        ]  # fmt: skip
        if others:
            listed, buttons = variant_choices(others, language, None)
            colour = variants.kind_of(parent) == variants.COLOUR
            key = "colours_in_stock" if colour else "sizes_in_stock"
            lines.append(t(key, language, **{"colours" if colour else "sizes": listed}))
    if not buttons:
        category = product.category if parent is None else parent.category
        buttons = [button(t("browse_button", language), "browse_catalog", category=category)]
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons)


def _message(tracker: Tracker) -> str:
    return "" if is_payload(tracker) else tracker.latest_message.get("text") or ""


def typed_words(tracker: Tracker) -> str:
    """The words the buyer typed: the message, or those the web app sent as a payload ("nahi
    sirf 1" as /inform); "" for a button."""
    words = _typed(tracker)
    return "" if words.startswith("/") else words


def _variant_said(tracker: Tracker, children: list[Product]) -> Product | None:
    """The size or colour the message names ("9 number", "laal wala"); a bare "9" only as the
    answer to "which size?"."""
    return variants.match(children, _message(tracker), bare=variant_question(tracker) is not None)


def _setting_in_cart(tracker: Tracker, children: list[Product]) -> Product | None:
    """ "make it 2" (or "2 more" right after it was added) about a product with sizes: the one
    size of it in the cart, if only one."""
    if new_quantity(tracker) is None and more_of_added(tracker) is None:
        return None
    skus = {line.sku for line in read_cart(tracker)}
    in_cart = [child for child in children if child.sku in skus]
    return in_cart[0] if len(in_cart) == 1 else None


GIVE = frozenset(["do", "दो", "دو"])  # "two", and "give" after a verb ("hata do", "daal do")


def count_besides_size(text: str) -> int | None:
    """The count in the words, not the size they name ("I want 2 pairs of kaptaan chappal size
    9": 2; "remove one size 7 chappal": 1); "do" after a verb is "give" ("hata do", "daal do",
    "हटा दो"), not two. None without one."""
    said = ascii_digits(text)
    size = variants.asked(said)
    if size is not None:  # "size 7" / "7 number": its number is no count
        said = re.sub(rf"(?i)(?<![0-9]){re.escape(size)}(?![0-9])", " ", said)
    words = tokens(said)
    n = number_in(" ".join(w for i, w in enumerate(words) if not _gives(words, i)))
    return n if n is not None and n > 0 else None


# verbs that "do" (give) follows ("daal do"): a "do" before one is two ("pehli wali do daal do")
DO_VERBS = frozenset(
    [
        "daal", "dal", "daalo", "hata", "hatao", "de", "bhej", "bhejo", "kar", "karo", "rakh",
        "rakho", "dikha", "डाल", "हटा", "दे", "भेज", "कर", "रख", "दिखा", "ڈال", "ہٹا", "دے", "بھیج",
        "کر", "رکھ", "دکھا",
    ]
)  # fmt: skip


def _gives(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` is "do" meaning "give" ("hata do"), not two ("do jode", "ek do",
    "do daal do")."""
    after = words[i + 1] if i + 1 < len(words) else ""
    return (
        words[i] in GIVE
        and i > 0
        and not is_number(words[i - 1])
        and after not in PAIRS
        and after not in DO_VERBS
    )


def _quantity_besides(tracker: Tracker, child: Product, qty: int | None) -> int:
    """How many: from the message unless its number was the size ("chappal 9 number" is one
    pair of size 9), else the number asked for before "which size?", else 1."""
    question = variant_question(tracker)
    if question is not None:
        return asked_quantity_of(question) or 1
    size = variants.asked(_message(tracker)) or ""
    if qty is None:  # "3 maroon wale bhi chahiye", "2 pairs ... size 9": the NLU took no count
        qty = count_besides_size(_message(tracker))
    if qty is not None and str(qty) == size:
        others = [
            v for v in tracker.get_latest_entity_values("quantity") if str(v) != size
        ]  # fmt: skip
        qty = next((int(v) for v in others if str(v).isdecimal()), None)
        if qty is None:
            qty = next((HINDI_ONE.get(str(v).lower(), 0) for v in others), 0) or None
    return qty if qty is not None and qty > 0 else 1


HINDI_ONE = {"ek": 1, "एक": 1, "ایک": 1, "one": 1, "do": 2, "दो": 2, "دو": 2, "two": 2}


def answer_to_variant_question(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[dict[str, Any]] | None:
    """After "which size?", a message naming one ("9", "9 number", "laal wala", "size 12")
    is its answer: add that size (or say which there are). None if it is something else."""
    if variant_question(tracker) is None or not tracker.get_slot("current_sku"):
        return None
    text = _message(tracker)
    if variants.asked(text, bare=True) is None:
        with db.factory()() as session:
            product = find_product(session, tracker.get_slot("current_sku"))
            children = variants.of(session, product) if product is not None else []
            if variants.match(children, text) is None:
                return None
    return add(dispatcher, tracker, tracker.get_slot("current_sku"), None)


_WHICH_LINE = text_patterns(("which_line",))


def asked_which_line(tracker: Tracker) -> bool:
    """Whether the bot's last words were "which one should be N?" (a tap sets that line)."""
    said = next((e.get("text") or "" for e in last_turn(tracker) if e.get("event") == "bot"), None)
    return said is not None and any(p.fullmatch(said.strip()) for p in _WHICH_LINE)


def _typed_sku(sku: str, text: str) -> bool:
    """Whether the message names this SKU's product as typed: "KS-101", "ks101", "ks 101"."""
    found = re.fullmatch(r"([a-z]+)-?(\d+)", variants.split_sku(sku)[0].lower())
    if found is None:
        return False
    letters, digits = found.groups()
    return re.search(rf"(?<![a-z0-9]){letters}[\s-]?{digits}(?![0-9])", text.lower()) is not None


def _terms_of(product: Product) -> set[str]:
    parent = product.parent or product
    return set(search.product_terms(parent, parent.jail))


def set_line(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    named: str | None,
    lines_only: bool = False,
) -> list[dict[str, Any]] | None:
    """A quantity request ("shawl 2 kar do", "make the shawls 3", "make it 3", "mujhe sirf
    ek shawl chahiye") about the cart: the one cart line the words name is set; several:
    "which one?" with a button per line. No line named: several products of that name ask
    "which one?" too (not with ``lines_only``, nor for "sirf N": then a new product is
    added, or searched, as usual). None when this is not such a request, or the ordinary
    add (one product, or "it") should answer it."""
    asked = new_quantity(tracker)
    only = asked is None  # "sirf 1 shawl": only a line of the cart it names
    n = only_quantity(tracker) if asked is None else asked
    if n is None:
        return None
    language, lines = lang(tracker), read_cart(tracker)
    words = named_words(" ".join(x for x in (named, typed_words(tracker)) if x))
    with db.factory()() as session:  # decided here; the add opens its own session
        chosen, buttons, key = _which(
            session, tracker, lines, words, n, language, lines_only or only
        )
    in_cart = {line.sku for line in lines}
    if len(chosen) == 1:
        return add(dispatcher, tracker, chosen[0], n, set_to=chosen[0] in in_cart)
    if not buttons:
        return None
    dispatcher.utter_message(text=t(key, language, n=n), buttons=buttons)
    return []


def _which(
    session: Session,
    tracker: Tracker,
    lines: list[CartLine],
    words: list[str],
    n: int,
    language: str,
    lines_only: bool = False,
) -> tuple[list[str], list[dict[str, str]], str]:
    """For ``set_line``: the SKUs the request may mean, and the buttons and question when it
    is several (none: the ordinary add answers). ``lines_only``: only lines of the cart."""
    in_cart = {line.sku: find_product(session, line.sku) for line in lines}
    products = {sku: p for sku, p in in_cart.items() if p is not None}
    coded = [sku for sku in products if _typed_sku(sku, typed_words(tracker))]
    if coded:  # "KS-101 2 kardo": the line of that code
        return coded, [], ""
    if not words:  # "make it 3": the product being looked at, else the one line
        current = tracker.get_slot("current_sku")
        if not products or any(
            sku == current or variants.split_sku(sku)[0] == current for sku in products
        ):
            return [], [], ""
        if current and not asks_to_set(tracker):
            return [], [], ""  # "sirf 1" about a product not in the cart: one of it is added
        chosen = list(products)
    else:
        chosen = best({sku: matching(words, _terms_of(p)) for sku, p in products.items()})
    if len(chosen) > 1:
        buttons = [
            button(
                f"{line.quantity} x {display_name(products[line.sku], language)}",
                "add_to_cart", product=line.sku, quantity=n,
            )
            for line in lines
            if line.sku in chosen
        ]  # fmt: skip
        return chosen, buttons, "which_line"
    if chosen or not words or lines_only:
        return chosen, [], ""
    # no line of the cart is meant: a new add (of the one product of that name), unless
    # several products fit the words
    reach = search.SearchFilters(ship_to=buyer_country(session, tracker))  # never what cannot come
    found = search.search(session, " ".join(words), reach, limit=6).products
    fits = best({p.sku: matching(words, _terms_of(p)) for p in found if p.active})
    said = _message(tracker)
    if variants.asked(said) is not None:  # "laal shawl 2 kar do": the shawls that come in red
        having = [p.sku for p in found if p.sku in fits and variants.match(
            variants.of(session, p), said, bare=False) is not None]  # fmt: skip
        fits = having or fits
    if len(fits) < 2:
        return fits, [], ""
    target = buyer_currency(tracker)
    buttons = [
        button(listed_title(session, p, language, target), "add_to_cart", product=p.sku, quantity=n)
        for p in found
        if p.sku in fits
    ]  # fmt: skip
    return fits, buttons, "which_to_add"


# the actions that pick a product with a size or colour and hand it to action_add_to_cart
HANDING_OVER = ("action_search_products", "action_inform")


def about_the_cart(tracker: Tracker) -> bool:
    """Whether the message sets the quantity of a cart line: "sirf 1", "make it 2" (no
    product named) with goods in the cart, or a request naming a line of it ("shawl 1 kar
    do", "mujhe sirf ek shawl chahiye"). A checkout question ends for it (moving_on)."""
    if not typed_words(tracker) or not read_cart(tracker):
        return False
    n = new_quantity(tracker)
    if n is None and only_quantity(tracker) is None:
        return False
    named = entity(tracker, "product")
    words = named_words(" ".join(x for x in (named, typed_words(tracker)) if x))
    if not words:
        return n is not None
    with db.factory()() as session:
        chosen, _, _ = _which(session, tracker, read_cart(tracker), words, n or 1, "en", True)
    return bool(chosen)


def quantity_request(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[dict[str, Any]] | None:
    """A quantity request that the NLU took for a search or did not understand ("shawl 2 kar
    do", "nahi sirf 1", "mujhe sirf ek shawl chahiye, 3 nahi"): the cart line it names is set
    (several: "which one?"); "sirf 1" or "make it 2" naming no product sets the product looked
    at (or adds it). None when it names no line of the cart: then a search stays a search."""
    if not typed_words(tracker):
        return None
    n = new_quantity(tracker)
    if n is None and only_quantity(tracker) is None:
        return None
    named = entity(tracker, "product")
    if named_words(" ".join(x for x in (named, typed_words(tracker)) if x)):
        return set_line(dispatcher, tracker, named, lines_only=True)
    setting = set_line(dispatcher, tracker, named)
    if setting is not None or n is None:
        return setting
    return add(dispatcher, tracker, None, n)


class ActionProductDetails(Action):
    """One product in full, with its photo and an add-to-cart button."""

    def name(self) -> str:
        return "action_product_details"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        ref = entity(tracker, "product") or (
            None if is_payload(tracker) else tracker.latest_message.get("text")
        )
        setting = None if is_payload(tracker) else quantity_request(dispatcher, tracker)
        if setting is not None:  # "ऊनी शॉल सिर्फ़ एक कर दो": that line of the cart, not its card
            return setting
        picked = listed_pick(tracker)
        coded = None if picked else typed_code(dispatcher, tracker)
        return coded if coded is not None else show_product(dispatcher, tracker, picked or ref)


class ActionAddToCart(Action):
    """Add the product named (or being looked at) in the quantity given, or ask how many."""

    def name(self) -> str:
        return "action_add_to_cart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        if handed_over(tracker) in HANDING_OVER:
            # the search picked the product ("the red peshawar shawl": PE-101, in current_sku);
            # the product entity ("shawl") would name another one
            return add(dispatcher, tracker, None, quantity(tracker) or new_quantity(tracker))
        if not is_payload(tracker):
            answer = answer_to_variant_question(dispatcher, tracker)
            if answer is not None:
                return answer
        picked = listed_pick(tracker)  # "order 2" after a list: its second product
        if picked is not None:
            return show_product(dispatcher, tracker, picked)
        setting = set_line(dispatcher, tracker, entity(tracker, "product"))
        if setting is not None:  # "shawl 2 kar do": the shawl in the cart, not another one
            return setting
        qty, ref = quantity(tracker) or new_quantity(tracker), entity(tracker, "product")
        said = _message(tracker)
        if ref is None and said:  # "nahan wali bhi 1 daal do" on another shawl's card
            with db.reading() as session:
                other = named_in_words(session, said, tracker.get_slot("current_sku"))
                ref = other.sku if other is not None else None
            if ref is not None and qty is None and variants.asked(said) is None:
                qty = number_in(said)
        return add(dispatcher, tracker, ref, qty)


NEGATIVE = re.compile(r"\s*[-−–—]\s*\d+\s*")  # "-5", "−5": a number below zero, alone


class ActionInform(Action):
    """A bare answer: a number adds the product being looked at; words search."""

    def name(self) -> str:
        return "action_inform"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        changing = change_at_summary(tracker)  # "naam badlo" answering the summary
        if changing is not None:
            return changing
        if typed_choice(dispatcher, tracker):  # "online", "bank", "2" answering "how will you pay?"
            return []
        answer = answer_to_variant_question(dispatcher, tracker)
        if answer is not None:  # "9" after "which size?" is size 9, not nine pairs
            return answer
        picked = listed_pick(tracker, bare=True)  # "2" or "order 2" after a list: the second
        if picked is not None:
            return show_product(dispatcher, tracker, picked)
        set_in_cart = set_line(dispatcher, tracker, entity(tracker, "product"))
        if set_in_cart is not None:  # "make the shawls 3", "make it 3" with several lines
            return set_in_cart
        coded = typed_code(dispatcher, tracker)  # "PE-101": that product, not a search
        if coded is not None:
            return coded
        qty, setting = quantity(tracker), new_quantity(tracker)
        asked = qty is not None and of_looked_at(tracker)
        if setting is not None or asked:
            qty = setting if setting is not None else qty
            return add(dispatcher, tracker, None, qty)
        if qty is not None and entity(tracker, "product") is None:  # a number, but no question
            with db.reading() as session:
                if not pick_listed(dispatcher, session, tracker, qty):
                    dispatcher.utter_message(text=t("which_product", lang(tracker)))
            return []
        text = "" if is_payload(tracker) else tracker.latest_message.get("text") or ""
        if NEGATIVE.fullmatch(text):  # "-5": not a quantity, and not words to search for
            if of_looked_at(tracker):
                return add(dispatcher, tracker, None, -1)  # "at least 1 for Kullu Shawl"
            dispatcher.utter_message(text=t("which_product", lang(tracker)))
            return []
        sized = sized_product(tracker, text) if text else None
        if sized is not None:  # "boots size 9 chahiye" taken as inform: that size, into the cart
            return [SlotSet("current_sku", sized), FollowupAction("action_add_to_cart")]
        placed = place_statement(dispatcher, tracker)
        if placed is not None:  # "main lahore se hoon" taken as inform: where to deliver
            return placed
        return list_products(dispatcher, tracker, entity(tracker, "product") or text, 0)


PLACE_WORDS = ORDINALS.keys() | ORDINAL_FILLER


def _placed(
    session: Session, tracker: Tracker, qty: int | None
) -> tuple[Product | None, int | None]:
    """The product an add names by its place in the list just shown ("pehli wali do daal do",
    "add two of the first one"), with the count in its words when the NLU took none."""
    place, listed = place_asked(tracker), tracker.get_slot("listed") or []
    if place is None or not isinstance(listed, list) or not listed or place > len(listed):
        return None, qty
    product = find_product(session, str(listed[place - 1]))  # 0, "the last one": -1
    if qty is None:  # the count among the words left when the place's are gone
        words = [w for w in _message(tracker).split() if w.lower() not in PLACE_WORDS]
        qty = count_besides_size(" ".join(words))
    return product, qty


def pick_listed(
    dispatcher: CollectingDispatcher, session: Session, tracker: Tracker, qty: int | None
) -> bool:
    """"3 kardo" right after a list of several products, none looked at: "Which one? Tap it
    to add 3:" with the listed products (it was "Which product? Pick one first.", no buttons).
    False when no list was just shown."""
    listed = tracker.get_slot("listed") or []
    if not qty or qty < 1 or not isinstance(listed, list) or len(listed) < 2:
        return False
    if not after_list(tracker):
        return False
    language, target = lang(tracker), buyer_currency(tracker)
    buttons = []
    for sku in listed:
        product = find_product(session, str(sku))
        if product is not None and product.active:
            title = listed_title(session, product, language, target)
            buttons.append(button(title, "add_to_cart", product=product.sku, quantity=qty))
    if not buttons:
        return False
    dispatcher.utter_message(text=t("which_to_add", language, n=qty), buttons=buttons)
    return True


def of_looked_at(tracker: Tracker) -> bool:
    """Whether a number is a quantity of the product looked at (``current_sku``): right after
    its card or price or a quantity question; and "sirf 1" / "only 1" also after answers to
    questions since ("how long to London?" between the Book Rack and "sirf 1")."""
    if not tracker.get_slot("current_sku"):
        return False
    return asked_how_many(tracker) or (
        says_only(typed_words(tracker)) and still_looking_at(tracker)
    )


def off_sale(product: Product) -> bool:
    """Hidden by staff (itself or the product it is a size of) since it went in the cart."""
    return not product.active or (product.parent is not None and not product.parent.active)


def remove_button(sku: str, language: str) -> dict[str, str]:
    return button(t("remove_button", language, sku=sku), "remove_from_cart", product=sku)


class ActionViewCart(Action):
    """The cart's lines, total and what to do next."""

    def name(self) -> str:
        return "action_view_cart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        events: list[dict[str, Any]] = []
        if (
            tracker.active_loop_name == "checkout_form"
            and (tracker.latest_message.get("intent") or {}).get("name") == "view_cart"
        ):
            # asked for the cart in the middle of the checkout's questions: the question ends
            # (as any reply that moves on, actions/moving_on.py); the cart shows its Checkout
            dispatcher.utter_message(text=t("checkout_paused", language))
            events = [ActiveLoop(None), SlotSet("requested_slot", None)]
        lines = read_cart(tracker)
        if not lines:
            say_cart_empty(dispatcher, language)
            return events
        with db.factory()() as session:
            quote = orders.quote(session, lines)
            mark = " " + t("off_sale_mark", language)
            rows = [
                f"{q.quantity} x {name_and_code(q.product, language)}: "
                f"{amount(q.subtotal_minor, q.product.currency)}"
                + (mark if off_sale(q.product) else "")
                for q in quote.lines
            ]
            off = [q.product.sku for q in quote.lines if off_sale(q.product)]
            skus = [q.product.sku for q in quote.lines if q.product.sku not in off]
            total = totals_text(quote.totals, session, buyer_currency(tracker))
        text = "\n".join([t("cart", language), *rows, t("total", language, total=total)])
        # a product taken off sale while in the cart: its remove button comes first
        buttons = [remove_button(s, language) for s in off]
        buttons += [button(t("checkout_button", language), "checkout")]
        buttons += [remove_button(s, language) for s in skus]
        dispatcher.utter_message(text=text, buttons=buttons)
        return events


# words of a remove request that name no product ("remove it from my cart", "isko hata do")
TAKE_OUT = frozenset(
    ["remove", "delete", "take", "out", "from", "cart", "item", "items", "isko", "ise", "yeh",
     "ye", "hata", "hatao", "hatana", "nikal", "nikalo", "nikaal", "nikaalo", "हटा", "हटाओ",
     "निकाल", "निकालो", "इसे", "इसको", "کو", "اسے", "ہٹا", "ہٹاؤ", "نکال", "نکالو",
     # the cart's remove button and its words in Hindi and Urdu ("कार्ट से हटाएँ")
     "कार्ट", "से", "हटाएँ", "हटाएं", "हटाइए", "निकालें", "کارٹ", "سے", "ہٹائیں", "ہٹائیے", "نکالیں",
     "se", "hatayein", "hataiye"]
)  # fmt: skip


def _lines_named(
    session: Session, tracker: Tracker, lines: list[CartLine], ref: str | None
) -> list[Product]:
    """The cart lines a remove request means: the line a button or code names; else the
    lines whose product the words name, narrowed to the size or colour said ("laal wali hata
    do", "remove one size 7 chappal"); none when the words name no line ("mango wala hata do"
    with only lemon pickle in the cart); with no such words, the product being looked at if in
    the cart, else every line (one: it; several: which)."""
    products = [p for line in lines if (p := find_product(session, line.sku)) is not None]
    named = find_product(session, ref) if ref else None
    if named is not None and any(p.sku == named.sku for p in products):
        return [named]
    said = _message(tracker)
    coded = [p for p in products if _typed_sku(p.sku, said)]
    if coded:
        return coded
    words = [w for w in named_words(" ".join(x for x in (ref, said) if x)) if w not in TAKE_OUT]
    chosen = best({p.sku: matching(words, _terms_of(p)) for p in products})
    meant = [p for p in products if p.sku in chosen] or products
    if variants.asked(said) is not None:
        return [p for p in meant if variants.match([p], said, bare=False) is not None]
    if chosen:
        return meant
    if words:
        return []
    current = tracker.get_slot("current_sku")
    looked_at = [p for p in products if current in (p.sku, variants.split_sku(p.sku)[0])]
    return looked_at or products  # "remove it", "hata do": the one line, or which of them


class ActionRemoveFromCart(Action):
    """Take a product (or some of it) out of the cart."""

    def name(self) -> str:
        return "action_remove_from_cart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        language = lang(tracker)
        lines = read_cart(tracker)
        if not lines:
            say_cart_empty(dispatcher, language)
            return []
        with db.factory()() as session:  # the product looked at only when no words name one
            meant = _lines_named(session, tracker, lines, entity(tracker, "product"))
            if len(meant) > 1:  # "remove the shawl" with two shawls in the cart
                dispatcher.utter_message(
                    text=t("which_remove", language),
                    buttons=[remove_button(p.sku, language) for p in meant],
                )
                return []
            if not meant:
                in_cart = [display_name(p, language) for line in lines
                           if (p := find_product(session, line.sku)) is not None]  # fmt: skip
                dispatcher.utter_message(
                    text=t("not_in_cart_list", language, items=listed(in_cart, language))
                )
                return []
            name, sku = display_name(meant[0], language), meant[0].sku
        # how many to take out ("remove one size 7 chappal": 1); none said: the whole line
        n = None if is_payload(tracker) else count_besides_size(_message(tracker))
        kept = []
        left = 0
        for line in lines:
            if line.sku == sku:
                left = max(line.quantity - n, 0) if n else 0
                line = CartLine(sku, left)
            kept.append(line)
        if not any(line.quantity > 0 for line in kept):
            text, buttons = t("removed_last", language, name=name), []
        else:
            key = "removed_some" if left else "removed"
            text = t(key, language, n=n, name=name, left=left)
            buttons = [button(t("checkout_button", language), "checkout")]
        buttons.append(button(t("browse_button", language), "browse_catalog"))
        dispatcher.utter_message(text=text, buttons=buttons)
        return [cart_slot(kept)]
