"""Words that ask to order, whatever an NLU makes of them ("order karna hai", "ऑर्डर करना है",
"آرڈر کرنا ہے", "چیک آؤٹ"), and words that stop: shared by the web app, which sends a message of
order words alone as the /checkout button does (``typed_checkout``), and the action server's
checkout form (actions/form_words.py), which never takes them for a stop or a detail. An order
reference typed alone ("kg 1042", "#1042") is sent as the order-status question about it.
No database, no Rasa: plain text."""

from __future__ import annotations

import re

from catalog.refs import parse_ref, ref

# a stop, a no, a cancel: "cancel", "nahi", "रद्द", "نہیں", "منسوخ"
STOP_WORDS = re.compile(
    r"(?i)\b(cancel|stop|don'?t|do\s+not|not|nahi|nahin|nai|mat|band|radd|rok\w*|"
    r"never\s*mind|nvm|chho?d\w*|rehne\s+do)\b"
    r"|नहीं|नही|मत|रद्द|रोक|बंद|نہیں|نہ|مت|منسوخ|روک|بند|کینسل|कैंसल"
)

# the buyer wants to order: "checkout", "order karna hai", "ऑर्डर करना है", "آرڈر کرنا ہے",
# "میں آرڈر کرنا چاہتا ہوں", "چیک آؤٹ", "آرڈر مکمل کریں"; never a stop, whatever an NLU made of it
CHECKOUT_WORDS = re.compile(
    r"(?i)^\W*(i\s+want\s+to\s+|i'?d\s+like\s+to\s+|main\s+|mai\s+|mujhe\s+)?"
    r"(check\s?out|place\s+(the\s+|my\s+)?order|order\s+(karna|karni|kar\s*do|kardo|kar\s*den|"
    r"kar\s*dijiye|karo|kar\s*diya\s+jaye|confirm\s+karo|pakka\s+karo|complete\s+karo|"
    r"kar\s*na\s+chahta|karna\s+chahta|karna\s+chahti|de\s*do|dena\s+hai)\w*(\s+h(ai|e|ain))?)\W*$"
    r"|^\W*(मैं\s+|मुझे\s+)?(चेकआउट|चेक\s?आउट|(ऑर्डर|आर्डर|ऑडर)\s+(करना|कर\s?दें|कर\s?दो|कर\s?दीजिए|करें|"
    r"पूरा\s+करें|पक्का\s+करें|करना\s+चाहता|करना\s+चाहती|देना)[^\n]{0,20})\W*$"
    r"|^\W*(میں\s+|مجھے\s+)?(چیک\s?آؤٹ|چیک\s?اؤٹ|آرڈر\s+(کرنا|کر\s?دیں|کر\s?دو|کریں|مکمل\s+کریں|"
    r"پکا\s+کریں|کنفرم\s+کریں|کرنا\s+چاہتا|کرنا\s+چاہتی|دینا)[^\n]{0,20})\W*$"
)


def wants_checkout(text: str) -> bool:
    """ "order karna hai", "ऑर्डर करना है", "آرڈر کرنا ہے", "چیک آؤٹ": the buyer asks to order the
    cart (a short message of checkout words only; "cancel my order" is not one)."""
    text = text.strip()
    return (
        bool(text)
        and len(text) <= 60
        and CHECKOUT_WORDS.search(text) is not None
        and STOP_WORDS.search(text) is None
    )


def typed_checkout(text: str) -> str | None:
    """The /checkout payload for a message of order words alone (as the button sends it:
    the NLU read "چیک آؤٹ" as a yes), else None."""
    return "/checkout" if wants_checkout(text) else None


# "sirf 1", "nahi sirf 1", "no, only 1", "bas 2 chahiye", "सिर्फ़ 1", "صرف 1": a quantity alone,
# which an NLU may read as a "no" (the menu); "only" never adds (actions/quantity.py)
_NUMBERS = {"ek": 1, "do": 2, "teen": 3, "one": 1, "two": 2, "three": 3, "एक": 1, "दो": 2,
            "तीन": 3, "ایک": 1, "دو": 2, "تین": 3}  # fmt: skip
ONLY_QUANTITY = re.compile(
    r"(?i)^\W*(?:(?:nahi|nahin|nai|no|nope|नहीं|نہیں)\W+)?"
    r"(?:sirf|bas|only|just|सिर्फ़?|सिर्\u095e|बस|صرف|بس)\s*"
    r"(?P<n>\d{1,3}|ek|do|teen|one|two|three|एक|दो|तीन|ایک|دو|تین)"
    r"(?:\s+(?:chahiye|chahie|chaiye|hi|please|pls|चाहिए|چاہیے))?\W*$"
)


def typed_quantity(text: str) -> str | None:
    """The /inform payload with its quantity for a message that is "only N" alone ("nahi sirf
    1", as the NLU read a no), else None; the actions read the typed words (metadata)."""
    found = ONLY_QUANTITY.fullmatch(text.strip())
    if found is None:
        return None
    n = found.group("n").lower()
    value = int(n) if n.isdecimal() else _NUMBERS[n]
    return f'/inform{{"quantity":"{value}"}}' if value > 0 else None


def typed_reference(text: str) -> str | None:
    """The /order_status payload for a message that is an order reference alone, with its KG or #
    prefix ("Kg0001", "kg 1042 ?", "#1042"; the NLU read some as searches), else None. A plain
    number is a menu pick or a quantity, never an order here."""
    bare = text.strip().rstrip("?!.").strip()
    if not re.match(r"(?i)kg|#", bare):
        return None
    number = parse_ref(bare)
    return None if number is None else f'/order_status{{"order_id":"{ref(number)}"}}'
