#!/usr/bin/env python3
"""Split Kaarigar's NLU evaluation examples into a dev split and a test split (run once; kept for the record).

    git show 1934583:tests/nlu/heldout.yml > /tmp/heldout.yml
    python tests/nlu/split_heldout.py /tmp/heldout.yml   # rewrites tests/nlu/dev.yml and test.yml

- ``tests/nlu/dev.yml``: for tuning (FallbackClassifier thresholds, DIET epochs). Look at its errors freely.
- ``tests/nlu/test.yml``: only reported by ``bench/nlu_eval.py``; never tune on it, never copy from it
  into ``nlu/data``.

The pool is the old held-out set (399 examples) plus NEW_EXAMPLES below, phrasings written for issue 12
(order problems, cancellation, payment/EMI/COD, customer care, products we do not carry) by the author
from how buyers write to shops on chat; none is taken from ``../shared/eval``. Each (intent, language)
stratum is shuffled with a fixed seed and cut in half (the odd one goes to test).
"""
from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent  # dev.yml and test.yml are written here
SEED = 12

# (intent, language, annotated text). Written for the evaluation only; nlu/data holds different sentences.
NEW_EXAMPLES: list[tuple[str, str, str]] = [
    # products we do not carry: still a search, with the thing asked for as the product
    ("search_product", "en", "do u have [bluetooth speaker](product)"),
    ("search_product", "en", "i need a [pressure cooker](product) 5 litre"),
    ("search_product", "en", "want to buy [basmati rice](product) 10kg bag"),
    ("search_product", "en", "is [iphone charger](product) available"),
    ("search_product", "en", "looking for [hair oil](product) for dandruff"),
    ("search_product", "en", "pls send [school bag](product) for my son"),
    ("search_product", "en", "[double bed](product) price and availability"),
    ("search_product", "en", "can i order [vitamin c tablets](product) here"),
    ("search_product", "en", "[office chair](product) with wheels available?"),
    ("search_product", "en", "i want [cotton bedsheet](product) king size"),
    ("search_product", "en", "do you sell [laptop](product)"),
    ("search_product", "en", "need [ghee](product) 1 kg"),
    ("search_product", "hi-Latn", "[mobile cover](product) milega kya"),
    ("search_product", "hi-Latn", "mujhe [sarso ka tel](product) chahiye"),
    ("search_product", "hi-Latn", "[steel ki bottle](product) hai aapke paas"),
    ("search_product", "hi-Latn", "[lehenga](product) dikhao shaadi ke liye"),
    ("search_product", "hi-Latn", "[takiya](product) milta hai kya"),
    ("search_product", "hi-Latn", "bhai [earphone](product) chahiye sasta wala"),
    ("search_product", "hi-Latn", "[chawal](product) bechte ho?"),
    ("search_product", "hi-Deva", "[मोबाइल](product) मिलेगा क्या"),
    ("search_product", "hi-Deva", "[साड़ी](product) दिखाइए"),
    ("search_product", "hi-Deva", "मुझे [गद्दा](product) चाहिए"),
    ("search_product", "hi-Deva", "[घड़ी](product) है आपके पास"),
    ("search_product", "ur", "[موبائل](product) ملے گا؟"),
    ("search_product", "ur", "مجھے [گدا](product) چاہیے"),
    ("search_product", "ur", "[گھڑی](product) ہے آپ کے پاس؟"),
    ("search_product", "en", "i wanna buy one of these"),
    ("search_product", "en", "how do i purchase this item"),
    ("search_product", "hi-Latn", "ye lena hai mujhe"),
    # order problems
    ("order_status", "en", "parcel not recieved till now"),
    ("order_status", "en", "my order is showing delivered but i didnt get it"),
    ("order_status", "en", "order not dispatched yet why"),
    ("order_status", "en", "whr is my order"),
    ("order_status", "en", "delivery boy did not come"),
    ("order_status", "en", "how many more days for my order"),
    ("order_status", "en", "i got wrong item in my parcel"),
    ("order_status", "en", "tracking id plz"),
    ("order_status", "hi-Latn", "order aaj aayega kya"),
    ("order_status", "hi-Latn", "mera parcel kaha tak pahucha"),
    ("order_status", "hi-Latn", "15 din ho gaye order nahi aaya"),
    ("order_status", "hi-Latn", "galat saman aaya hai"),
    ("order_status", "hi-Deva", "मेरा पार्सल अभी तक नहीं आया"),
    ("order_status", "hi-Deva", "ऑर्डर की ट्रैकिंग बताओ"),
    ("order_status", "ur", "میرا پارسل کہاں ہے"),
    ("order_status", "ur", "آرڈر ابھی تک نہیں پہنچا"),
    # cancellation
    ("cancel_order", "en", "cancle the order pls"),
    ("cancel_order", "en", "i dont want this order cancel it"),
    ("cancel_order", "en", "need to cancel my purchase"),
    ("cancel_order", "en", "how can i cancel"),
    ("cancel_order", "en", "cancellation of order"),
    ("cancel_order", "en", "plz cancel"),
    ("cancel_order", "hi-Latn", "order cancle kar do bhai"),
    ("cancel_order", "hi-Latn", "mujhe apna order cancel karwana hai"),
    ("cancel_order", "hi-Latn", "order cancel kaise kare"),
    ("cancel_order", "hi-Deva", "ऑर्डर कैंसिल हो सकता है क्या"),
    ("cancel_order", "hi-Deva", "ऑर्डर कैसे रद्द करें"),
    ("cancel_order", "ur", "میرا آرڈر کینسل کر دو"),
    # payment, EMI, COD
    ("payment_methods", "en", "is emi option there"),
    ("payment_methods", "en", "is cod option there or only prepaid"),
    ("payment_methods", "en", "can i pay by credit card"),
    ("payment_methods", "en", "do you accept paytm"),
    ("payment_methods", "en", "no cost emi on this?"),
    ("payment_methods", "en", "can i pay after delivery"),
    ("payment_methods", "hi-Latn", "emi pe milega kya"),
    ("payment_methods", "hi-Latn", "bhim upi se pay kar du?"),
    ("payment_methods", "hi-Latn", "delivery pe paise de denge"),
    ("payment_methods", "hi-Deva", "क्या किश्तों में पैसे दे सकते हैं"),
    ("payment_methods", "hi-Deva", "कैश ऑन डिलीवरी है क्या"),
    ("payment_methods", "ur", "کیا قسطوں میں ادائیگی ہو سکتی ہے"),
    ("payment_methods", "ur", "ایزی پیسہ سے پیمنٹ ہو جائے گی؟"),
    # a person
    ("human_handoff", "en", "i want to speak to customer care"),
    ("human_handoff", "en", "give me customer care no"),
    ("human_handoff", "en", "connect me with an executive"),
    ("human_handoff", "en", "can i talk to someone real"),
    ("human_handoff", "en", "representative please"),
    ("human_handoff", "en", "need to talk to a human being"),
    ("human_handoff", "hi-Latn", "customer care se baat karao"),
    ("human_handoff", "hi-Latn", "koi insaan hai kya wahan"),
    ("human_handoff", "hi-Latn", "helpline number kya hai"),
    ("human_handoff", "hi-Deva", "कस्टमर केयर से बात करवाओ"),
    ("human_handoff", "hi-Deva", "हेल्पलाइन नंबर दीजिए"),
    ("human_handoff", "ur", "کسٹمر سروس کا نمبر دیں"),
    # shipping and price, telegraphic
    ("shipping_info", "en", "delivery charges to kerala"),
    ("shipping_info", "en", "how much time to deliver in delhi"),
    ("shipping_info", "en", "do u deliver in my city"),
    ("shipping_info", "hi-Latn", "lucknow me delivery milegi"),
    ("shipping_info", "hi-Deva", "दिल्ली में कितने दिन में आएगा"),
    ("ask_price", "en", "wat is the cost"),
    ("ask_price", "en", "price plz"),
    ("ask_price", "hi-Latn", "iska rate kya h"),
    ("ask_price", "hi-Deva", "इसकी कीमत क्या है"),
    ("ask_price", "ur", "اس کا ریٹ کیا ہے"),
]


def block_yaml(by_intent: dict[str, list[tuple[str, str]]]) -> str:
    lines = ['version: "3.1"', "", "nlu:"]
    for intent, items in by_intent.items():
        lines += [f"- intent: {intent}", "  examples:"]
        for lang, text in items:
            lines += ["  - text: |", f"      {text}", "    metadata:", f"      lang: {lang}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "heldout.yml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    pool: list[tuple[str, str, str]] = []
    for block in doc["nlu"]:
        for ex in block["examples"]:
            pool.append((block["intent"], ex["metadata"]["lang"], ex["text"].strip()))
    pool += NEW_EXAMPLES
    strata: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for item in pool:
        strata[item[:2]].append(item)
    rng = random.Random(SEED)
    dev: dict[str, list[tuple[str, str]]] = defaultdict(list)
    test: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in sorted(strata):
        items = strata[key]
        rng.shuffle(items)
        half = len(items) // 2
        for i, (intent, lang, text) in enumerate(items):
            (dev if i < half else test)[intent].append((lang, text))
    head = "# {} split of Kaarigar's NLU evaluation, made by tests/nlu/split_heldout.py (seed {}).\n"
    (HERE / "dev.yml").write_text(head.format("DEV (tune on it)", SEED) + block_yaml(dev), encoding="utf-8")
    (HERE / "test.yml").write_text(
        head.format("TEST (report only: never tune on it, never copy it into nlu/data)", SEED) + block_yaml(test),
        encoding="utf-8")
    print("dev", sum(map(len, dev.values())), "test", sum(map(len, test.values())))


if __name__ == "__main__":
    main()
