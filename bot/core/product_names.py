"""A message that is exactly a product's name ("Book Rack", "woollen stole", "लघु मंदिर", "Clay
Diyas (set of 12)") opens that product, as its button would. The NLU learnt how people ask for
goods, not our catalog's names, and read some bare names as other things ("Jute Shopping Bag" as
checkout, "Clay Diyas (set of 12)" as a removal). The web app sends such a message to Rasa as
``/product_details{"product": SKU}`` with the typed words as metadata ``typed`` (they still tell
the language), as it does for order words (``order_words``).

A name that is not one product's ("peshawari chappal" begins "Peshawari Chappal (Kaptaan
style)" too; a name two products share) is a search for those words instead:
``/search_product{"product": "peshawari chappal"}``, the list the search button gives, rather
than the NLU's fallback ("Sorry, I did not understand")."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from sqlalchemy.orm import Session, sessionmaker

from catalog.products import typed_names
from catalog.text import tokens

log = logging.getLogger(__name__)

LONGEST = 80  # characters: a longer message is a sentence, not a name


class ProductNames:
    """The catalog's product names, read from the database at most every ``ttl`` seconds."""

    def __init__(self, sessions: sessionmaker[Session] | None, ttl: float = 300.0) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self._names: dict[str, str] = {}
        self._shared: set[str] = set()
        self._read_at = float("-inf")

    async def payload(self, text: str) -> str | None:
        """``/product_details{"product": SKU}`` when ``text`` is one product's name,
        ``/search_product{"product": words}`` when it is a name several products begin with
        or share, else None."""
        if self.sessions is None or not text.strip() or len(text) > LONGEST:
            return None
        if text.lstrip().startswith("/"):
            return None
        name = " ".join(tokens(text))
        sku = (await self._current()).get(name)
        if sku is not None:
            return "/product_details" + json.dumps({"product": sku})
        if name in self._shared:
            words = " ".join(text.split())
            return "/search_product" + json.dumps({"product": words}, ensure_ascii=False)
        return None

    async def _current(self) -> dict[str, str]:
        if time.monotonic() - self._read_at < self.ttl:
            return self._names
        sessions = self.sessions
        assert sessions is not None

        def read() -> tuple[dict[str, str], set[str]]:
            with sessions() as session:
                return typed_names(session)

        try:
            self._names, self._shared = await asyncio.to_thread(read)
        except Exception:  # noqa: BLE001 - a database hiccup leaves the message to the NLU
            log.exception("could not read the product names")
        self._read_at = time.monotonic()
        return self._names
