"""Issue 12 against the real Rasa server (marked ``rasa``): a returning buyer changes the
delivery details the checkout remembers, by the summary's button and in their own words."""

from __future__ import annotations

import pytest

from tests.fixtures_rasa import RunningRasa

pytestmark = pytest.mark.rasa
DELIVERY = ["Asha Verma", "9876543210", "12 Mall Road, Shimla", "India", "171001"]


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def to_summary(chat, sender: str) -> list[dict]:  # type: ignore[no-untyped-def]
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    reply = chat(sender, "/checkout")
    for answer in DELIVERY:
        reply = chat(sender, answer)
    assert "/change_details" in payloads(reply), reply
    return reply


@pytest.mark.parametrize(
    ("sender", "said", "asked"),
    [
        ("e2e-change-en", "/change_details", "Whose name should the parcel carry?"),
        ("e2e-change-hi", "address badalna hai", "Delivery ka address"),
        ("e2e-change-ur", "پتہ بدلنا ہے", "ڈلیوری کا پتا"),
    ],
)
def test_a_buyer_changes_the_remembered_details(
    rasa_stack: RunningRasa, sender: str, said: str, asked: str
) -> None:
    chat = rasa_stack.chat
    to_summary(chat, sender)
    reply = chat(sender, said)
    assert asked in texts(reply), reply


@pytest.mark.parametrize("said", ["2 chahiye", "make it 2", "sirf 2"])
def test_a_number_after_added_sets_the_quantity(rasa_stack: RunningRasa, said: str) -> None:
    sender = f"e2e-qty-{said.replace(' ', '-')}"
    added = rasa_stack.chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    assert "1 x" in texts(added), added
    reply = rasa_stack.chat(sender, said)
    assert "2 x Kullu Shawl (Wool)" in texts(reply) and "Added" not in texts(reply), reply


def test_cancelling_by_chat_asks_and_only_yes_cancels(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-cancel-hi"
    to_summary(chat, sender)
    placed = texts(chat(sender, "yes"))
    number = placed.split("Order ")[1].split(" ")[0]
    asked = chat(sender, f"order {number} cancel karna hai")
    assert f"{number} (Kullu Shawl (Wool) x1" in texts(asked), asked
    assert payloads(asked) == ["/affirm", "/deny"]
    kept = chat(sender, "nahi")
    assert "cancel nahi hua" in texts(kept) or "is kept" in texts(kept), kept
    chat(sender, f"cancel order {number}")
    done = chat(sender, "haan")
    assert "cancel ho gaya" in texts(done) or "is cancelled" in texts(done), done


@pytest.mark.parametrize(
    ("sender", "said", "cart"),
    [
        ("e2e-size-hi", "mujhe ek peshawari chappal chahiye 10 number", "cart dikhao"),
        ("e2e-size-en", "I want a peshawari chappal size 10", "show my cart"),
    ],
)
def test_a_size_named_with_the_product_is_in_the_cart(
    rasa_stack: RunningRasa, sender: str, said: str, cart: str
) -> None:
    """The reply to a product and its size in one sentence says it was added: the cart must
    then hold it (a new-user try-out saw 'added' with the cart unchanged). Size 10: the e2e
    purchases earlier in the run (same database) may have sold size 9 out."""
    added = texts(rasa_stack.chat(sender, said))
    assert "Peshawari Chappal (size 10)" in added, added
    shown = texts(rasa_stack.chat(sender, cart))
    assert "PC-101/10" in shown, shown


# issue 12, a tester's chat (helper branch `checkout`; written there, not run: no Rasa runs
# on a helper's machine)
DELIVERY_PK = [
    "Sana Khan",
    "0300 1234567",
    "House 4, Street 9, University Town",
    "Pakistan",
    "25000",
]
FIVE_ERRORS = ("Please type", "PIN", "postal code has", "does not look like", "country's name")


def test_change_details_asks_one_at_a_time_without_errors(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-change-pk"
    chat(sender, '/add_to_cart{"product":"PC-101/10","quantity":"1"}')
    reply = chat(sender, "/checkout")
    for answer in DELIVERY_PK:
        reply = chat(sender, answer)
    assert "/change_details" in payloads(reply), reply
    said = texts(chat(sender, "/change_details"))
    assert "Whose name should the parcel carry?" in said, said
    assert not any(error in said for error in FIVE_ERRORS), said


def test_a_buyer_who_moves_on_leaves_the_phone_question(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-phone-moves-on"
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    chat(sender, "/checkout")
    asked = texts(chat(sender, "Asha Verma"))
    assert "phone" in asked.lower(), asked
    said = texts(chat(sender, "kullu shawl dikhao"))
    assert "paused the checkout" in said or "checkout rok diya" in said, said
    assert "does not look like a phone number" not in said, said


def test_order_2_after_a_list_shows_the_second_product(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-order-2"
    listed = chat(sender, "show me shawls")
    skus = [
        p.split('"product":"')[1].split('"')[0] for p in payloads(listed) if "product_details" in p
    ]
    assert len(skus) >= 2, listed
    said = texts(chat(sender, "order 2"))
    assert said.splitlines()[0].endswith(f"{skus[1]})"), said  # the card of the second


def test_a_cart_from_india_and_pakistan_is_not_offered_countries(rasa_stack: RunningRasa) -> None:
    chat, sender = rasa_stack.chat, "e2e-split-cart"
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"1"}')
    chat(sender, '/add_to_cart{"product":"PC-101/10","quantity":"1"}')
    said = texts(chat(sender, "/checkout"))
    assert "Parcels between India and Pakistan are suspended" in said, said
    assert "Which country" not in said, said


@pytest.mark.parametrize(
    "question",
    ["do u accept upi?", "how long will delivery take?", "is gift wrapping available?",
     "who makes these?", "return policy kya hai"],
)  # fmt: skip
def test_a_question_at_the_summary_keeps_confirm_working(
    rasa_stack: RunningRasa, question: str
) -> None:
    """A question at the summary was answered and the summary dropped: "confirm" then got the
    help menu. Now the summary follows the answer again and "confirm" places the order."""
    chat, sender = rasa_stack.chat, f"e2e-summary-q-{question[:12].replace(' ', '-')}"
    to_summary(chat, sender)
    reply = chat(sender, question)
    assert len(reply) >= 2 and "/change_details" in payloads(reply), reply
    placed = texts(chat(sender, "confirm"))
    assert "is placed" in placed or "ho gaya" in placed, placed  # "kya hai": Hinglish since


@pytest.mark.parametrize(
    ("sender", "said", "now"),
    [("e2e-only-one-hi", "sirf ek shawl chahiye", "Ab cart mein 1 x Kullu Shawl (Wool)"),
     ("e2e-only-one-en", "only 1 shawl please", "Now 1 x Kullu Shawl (Wool)")],
)  # fmt: skip
def test_a_quantity_at_the_phone_question_keeps_the_checkout_going(
    rasa_stack: RunningRasa, sender: str, said: str, now: str
) -> None:
    """ "sirf ek shawl chahiye" asked the phone paused the checkout ("say 'checkout' to carry
    on"): the line is set and the phone asked again; the details then reach the summary."""
    chat = rasa_stack.chat
    chat(sender, '/add_to_cart{"product":"KS-101","quantity":"2"}')
    chat(sender, "/checkout")
    assert "phone" in texts(chat(sender, DELIVERY[0])).lower()
    reply = texts(chat(sender, said))
    assert now in reply and "phone" in reply.lower(), reply
    assert "paused" not in reply and "rok diya" not in reply, reply
    for answer in DELIVERY[1:]:
        summary = chat(sender, answer)
    assert "1 x Kullu Shawl (Wool)" in texts(summary), summary
    assert "/affirm" in payloads(summary), summary
