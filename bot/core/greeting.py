"""A greeting with a request in one message ("السلام علیکم، پشاوری چپل چاہیے", "नमस्ते, आम का
अचार चाहिए", "hi, do you have shawls"): the NLU reads the whole as a greeting and the request is
lost. ``split`` takes the greeting off, so Rasa reads the request; the greeting goes along as
message metadata (``greeting``) and the action server greets back briefly before the answer
(actions/language.py). A greeting alone, or with only "how are you", stays as it is."""

from __future__ import annotations

import re

_GREETING = (
    r"hi+|hello+|helo|hlo|hey+|hiya|namaste+|namastey|namaskar|namaskaar|pranam|salaam|salam|"
    r"salaams|a?ss?alam[ou]?\s*-?\s*(o|u|wa)?\s*-?\s*alaik(um|om)|a?ss?alamu?alaik(um|om)|aoa|adaab|"
    r"good\s+(morning|afternoon|evening)|sat\s+sri\s+akal|ram\s+ram|jai\s+shri\s+krishna|"
    r"नमस्ते|नमस्कार|प्रणाम|हेलो|हैलो|हाय|सलाम|राम\s+राम|आदाब|अस्सलाम\s*(ओ|ु)?\s*अलैकुम|"
    r"السلام\s*(و|ُ)?\s*علیکم|السلام\s*علیكم|اسلام\s*(و)?\s*علیکم|سلام|آداب|ہیلو|ہائے|صبح\s+بخیر"
)
_FILLER = r"ji|jee|sir|madam|mam|maam|bhai|bhaiya|bhaijaan|didi|dost|friend|there|all|everyone|team|kaarigar|जी|भाई|भैया|सर|جی|بھائی|سر"  # fmt: skip
_SPLIT = re.compile(
    rf"(?i)^\W*((?:{_GREETING})(?:\s+(?:{_FILLER}))*)(?=[\s\W])[\s,.!?।॥۔،؟:;\-–—]+(?P<rest>.+)$",
    re.DOTALL,
)
# what may follow a greeting without being a request
_SMALL_TALK = re.compile(
    r"(?i)^\W*(how\s+are\s+(you|u)|how\s+r\s+u|hope\s+you\s+are\s+well|good\s+(morning|evening)|"
    r"(aap\s+)?kaise\s+(ho|hain)(\s+aap)?|kya\s+haal(\s+hai)?|kaisa\s+hai|sab\s+theek|"
    r"आप\s+कैसे\s+हैं|कैसे\s+हो|क्या\s+हाल\s+है|آپ\s+کیسے\s+ہیں|کیا\s+حال\s+ہے|کیسے\s+ہو|"
    r"(?:" + _GREETING + r")|(?:" + _FILLER + r"))[\s\W]*$"
)


def split(text: str) -> tuple[str, str] | None:
    """(greeting, request) when ``text`` opens with a greeting and goes on with a request;
    None for a greeting alone, small talk after it, or no greeting."""
    found = _SPLIT.match(text.strip())
    if found is None:
        return None
    rest = found.group("rest").strip()
    if not re.search(r"\w\w", rest) or _SMALL_TALK.match(rest):
        return None
    return found.group(1), rest
