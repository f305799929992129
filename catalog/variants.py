"""Variants: the sizes and colours of a product, and reading one from a buyer's words.

A variant is a product row of its own, a child of the product buyers see: SKU ``PARENT/VALUE``
(``PC-101/9``, ``KS-101/RED``), ``parent_id`` the parent's id, ``variant`` its value ("9",
"Red"). The parent's ``variant_kind`` says what its children differ in (``size``, ``colour``)
and its stock is the sum of theirs (``catalog.stock`` keeps it so). Buyers see parents only;
orders, the cart and stock work on children.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput
from catalog.models import Product

SIZE, COLOUR = "size", "colour"
KINDS = (SIZE, COLOUR)
VALUE_FORMAT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,15}")

# Colour words buyers use, in English, Hinglish, Hindi and Urdu -> the English colour.
COLOURS: dict[str, str] = {}
for _english, _said in {
    "red": "red laal lal लाल سرخ لال",
    "maroon": "maroon mehroon mehrun मैरून مہرون",
    "grey": "grey gray slaty सलेटी स्लेटी سلیٹی",
    "black": "black kala kaala काला کالا سیاہ",
    "white": "white safed safaid सफ़ेद सफेद سفید",
    "blue": "blue neela nila नीला نیلا",
    "green": "green hara हरा ہرا سبز",
    "yellow": "yellow peela pila पीला پیلا",
    "brown": "brown bhura भूरा بھورا",
    "pink": "pink gulabi गुलाबी گلابی",
    "orange": "orange narangi नारंगी نارنجی",
    "cream": "cream off-white क्रीम کریم",
}.items():
    for _word in _said.split():
        COLOURS[_word] = _english

# Words around a size: "9 number", "size 42", "sz 42", "नंबर 9", "سائز 9", "9 wala".
SIZE_WORDS = r"(?:size|sz|saiz|number|no\.?|num|nambar|numbar|नंबर|नम्बर|साइज़|साइज|سائز|نمبر)"
_SIZE_PHRASE = re.compile(
    rf"(?:{SIZE_WORDS}\s*[:#-]?\s*(?P<a>\d{{1,3}}|xxl|xl|xs|s|m|l)\b)"
    rf"|(?:\b(?P<b>\d{{1,3}}|xxl|xl|xs|s|m|l)\s*{SIZE_WORDS})",
    re.IGNORECASE,
)
_WALA = re.compile(r"\b(\w+)\s*(?:wala|wali|vala|wale|वाला|वाली|والا|والی)\b", re.IGNORECASE)
# Letter sizes and their long names.
LETTER_SIZES = {"small": "S", "medium": "M", "large": "L", "chhota": "S", "bada": "L"}


def digits(text: str) -> str:
    """Devanagari, Urdu and Arabic-Indic digits as ASCII digits; other characters kept."""
    return "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text
    )


def _natural(child: Product) -> tuple[int, float, int]:
    value = child.variant or ""
    try:
        return (0, float(value), child.id)
    except ValueError:
        return (1, 0.0, child.id)


def of(session: Session, parent: Product) -> list[Product]:
    """The parent's variants: numeric sizes ascending, others in the order they were made."""
    if parent.parent_id is not None:
        return []
    children = session.scalars(select(Product).where(Product.parent_id == parent.id))
    return sorted(children, key=_natural)


def has_variants(session: Session, product: Product) -> bool:
    return product.parent_id is None and (
        session.scalar(select(Product.id).where(Product.parent_id == product.id).limit(1))
        is not None
    )


def kind_of(parent: Product | None) -> str:
    return (parent.variant_kind if parent is not None else None) or SIZE


LETTERS = frozenset({"XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"})


def kind_of_child(child: Product) -> str:
    """What a child's value is: its parent's kind when the parent can be read, else a guess
    from the value (a number or S/M/L/XL is a size)."""
    try:
        return kind_of(child.parent)
    except Exception:  # noqa: BLE001 - detached from its session: guess from the value
        value = (child.variant or "").upper()
        return SIZE if value.replace(".", "").isdigit() or value in LETTERS else COLOUR


def values(children: list[Product], *, in_stock_only: bool = False) -> list[str]:
    return [c.variant or "" for c in children if c.active and (c.stock > 0 or not in_stock_only)]


def split_sku(sku: str) -> tuple[str, str | None]:
    """``PC-101/9`` -> ("PC-101", "9"); a plain SKU -> (sku, None)."""
    parent, slash, value = sku.partition("/")
    return (parent, value) if slash else (sku, None)


def child_sku(parent_sku: str, value: str) -> str:
    return f"{parent_sku}/{value}".upper()


def check_value(value: str) -> str:
    """A variant value as staff write it: letters, digits, dot or dash, up to 16."""
    value = value.strip()
    if not VALUE_FORMAT.fullmatch(value):
        raise InvalidInput(
            f"a size or colour {value[:20]!r} must be letters, digits, dots or dashes (up to 16)"
        )
    return value


def check_kind(kind: str | None) -> str | None:
    kind = (kind or "").strip().lower() or None
    if kind == "color":
        kind = COLOUR
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"variant_kind {kind[:20]!r} is not one of: {', '.join(KINDS)}")
    return kind


def _words(text: str) -> list[str]:
    """Words split at spaces and punctuation (not with \\w, which splits Hindi at its vowel signs)."""
    return [w for w in re.split(r"[\s,!?;:()\"'।]+", text) if w]


def _norm(text: str) -> str:
    return " ".join(digits(text).lower().replace("-", " ").split())


def _by_value(children: list[Product], value: str) -> Product | None:
    value = value.strip().lower()
    for child in children:
        if (child.variant or "").lower() == value:
            return child
    return None


def asked(text: str, *, bare: bool = False) -> str | None:
    """The size or colour a message names, as written ("9", "M", "red"), whether or not the
    product has it; a bare "9" counts only when ``bare`` (the bot has just asked which size)."""
    text = _norm(text)
    found = _SIZE_PHRASE.search(text)
    if found:
        return (found.group("a") or found.group("b")).upper()
    words = _words(text)
    for word in words:
        if word in COLOURS:
            return COLOURS[word]
    if bare:
        if re.fullmatch(r"\d{1,3}(\.5)?", text):
            return text
        if len(words) == 1 and words[0] in LETTER_SIZES:
            return LETTER_SIZES[words[0]]
        wala = _WALA.search(text)
        if wala and wala.group(1).isdigit():
            return wala.group(1)
    return None


def match(children: list[Product], text: str, *, bare: bool = True) -> Product | None:
    """The child a buyer's words pick: "9", "9 number", "size 42", "sz 42", "नंबर 9", "laal
    wala", "लाल", "سرخ", a child's value as written ("Red", "M"); None if none of them."""
    said = asked(text, bare=bare)
    if said is not None:
        found = _by_value(children, said)
        if found is not None:
            return found
        return _by_value(children, LETTER_SIZES.get(said.lower(), ""))
    words = _words(_norm(text))
    for child in children:  # a value that is a word of the message ("maroon", "xl")
        value = (child.variant or "").lower()
        if value and not value.isdigit() and value in words:
            return child
    if bare and len(words) == 1 and words[0] in LETTER_SIZES:
        return _by_value(children, LETTER_SIZES[words[0]])
    return None


def price_range(children: list[Product]) -> tuple[int, int] | None:
    """The lowest and highest price of the sizes or colours on sale (each can be priced on
    its own: ``/price PC-101/9 3600``); None when there are none."""
    prices = [c.price_minor for c in children if c.active]
    return (min(prices), max(prices)) if prices else None


def label(child: Product, lang: str = "en") -> str:
    """A child's value for a person: "size 9", "Red"; in Hindi "साइज़ 9", in Urdu "سائز 9"."""
    value = child.variant or ""
    if kind_of_child(child) == COLOUR:
        return value
    word = {"hi": "साइज़", "ur": "سائز"}.get(lang, "size")
    return f"{word} {value}"


def describe(child: Product) -> str:
    """For staff: "size 9" or "colour Red"."""
    return f"{kind_of_child(child)} {child.variant}"


def summary(parent: Product, children: list[Product]) -> str:
    """For staff: "sizes 7, 8, 9" / "colours Red, Grey"."""
    kind = kind_of(parent)
    plural = "colours" if kind == COLOUR else "sizes"
    return f"{plural} {', '.join(c.variant or '' for c in children)}"


class HasVariants(InvalidInput):
    """A change that applies to one size or colour was asked of the product that has them."""

    def __init__(self, parent: Product, children: list[Product]) -> None:
        self.parent = parent
        self.children = children
        example = children[0].sku if children else f"{parent.sku}/..."
        super().__init__(
            f"{parent.sku} comes in {summary(parent, children)}: name one, e.g. {example}"
        )


def refuse_parent(session: Session, product: Product) -> None:
    """HasVariants if the product has sizes or colours (only one of them can be counted,
    priced for sale, sold or ordered)."""
    if product.parent_id is None:
        children = of(session, product)
        if children:
            raise HasVariants(product, children)
