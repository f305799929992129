"""What the actions say, in English and Hindi (Urdu falls back to English where missing)."""

from __future__ import annotations

import json

TEXTS: dict[str, dict[str, str]] = {
    "categories": {"en": "What would you like to see?", "hi": "आप क्या देखना चाहेंगे?"},
    "results": {"en": "Here is what I found:", "hi": "यह मिला:"},
    "no_results": {
        "en": "I found nothing for that. Try another word, or browse the categories.",
        "hi": "इसके लिए कुछ नहीं मिला। कोई और शब्द लिखें, या श्रेणियाँ देखें।",
    },
    "not_carried": {
        "en": "We don't have {what}. Kaarigar sells what prison workshops make; here is what we have:",
        "hi": "{what} हमारे पास नहीं है। कारीगर पर जेलों की कार्यशालाओं में बना सामान मिलता है; यह है:",
    },
    "more": {"en": "More", "hi": "और दिखाओ"},
    "not_found": {"en": "I could not find that product.", "hi": "यह सामान नहीं मिला।"},
    "made_at": {
        "en": "Made at {jail}, {town}, under {programme}.",
        "hi": "{jail}, {town} में {programme} के तहत बना।",
    },
    "marks": {"en": "Marks: {marks}", "hi": "चिह्न: {marks}"},
    "in_stock": {"en": "{n} in stock.", "hi": "{n} उपलब्ध।"},
    "sold_out": {"en": "Sold out at the moment.", "hi": "अभी स्टॉक में नहीं है।"},
    "made_to_order": {
        "en": "Made to order in about {n} days.",
        "hi": "ऑर्डर पर लगभग {n} दिन में बनता है।",
    },
    "how_many": {"en": "How many would you like? Type a number.", "hi": "कितने चाहिए? संख्या लिखें।"},
    "add_button": {"en": "Add {n} to cart", "hi": "{n} कार्ट में डालें"},
    "which_product": {"en": "Which product? Pick one first.", "hi": "कौन सा सामान? पहले एक चुनें।"},
    "added": {
        "en": "Added {qty} x {name} to your cart. Cart total: {total}.",
        "hi": "{qty} x {name} कार्ट में डाल दिया। कुल: {total}।",
    },
    "out_of_stock": {
        "en": "Sorry, {name} is sold out right now.",
        "hi": "माफ़ कीजिए, {name} अभी स्टॉक में नहीं है।",
    },
    "too_many": {
        "en": "Only {n} of {name} available; please choose between 1 and {n}.",
        "hi": "{name} के सिर्फ़ {n} उपलब्ध हैं; 1 से {n} के बीच चुनें।",
    },
    "bad_quantity": {"en": "Please give a quantity of at least 1.", "hi": "कम से कम 1 लिखें।"},
    "cart_empty": {
        "en": "Your cart is empty. Browse the catalog to add something.",
        "hi": "आपकी कार्ट ख़ाली है। कुछ डालने के लिए सामान देखें।",
    },
    "cart": {"en": "Your cart:", "hi": "आपकी कार्ट:"},
    "total": {"en": "Total: {total}", "hi": "कुल: {total}"},
    "checkout_button": {"en": "Checkout", "hi": "ऑर्डर करें"},
    "browse_button": {"en": "Browse", "hi": "सामान देखें"},
    "remove_button": {"en": "Remove {sku}", "hi": "{sku} हटाएँ"},
    "removed": {"en": "Removed {name} from your cart.", "hi": "{name} कार्ट से हटा दिया।"},
    "not_in_cart": {"en": "That is not in your cart.", "hi": "यह आपकी कार्ट में नहीं है।"},
    "cart_problem": {"en": "Before checkout: {problem}.", "hi": "ऑर्डर से पहले: {problem}।"},
    "checkout_start": {
        "en": "Let's take your delivery details.",
        "hi": "चलिए डिलीवरी की जानकारी लेते हैं।",
    },
    "bad_name": {"en": "Please type a name (letters).", "hi": "कृपया नाम लिखें।"},
    "bad_phone": {
        "en": "That does not look like a phone number; please type 10 digits, or + and the country code.",
        "hi": "यह फ़ोन नंबर नहीं लगता; 10 अंक लिखें, या + और देश का कोड।",
    },
    "bad_address": {"en": "Please type the full address.", "hi": "कृपया पूरा पता लिखें।"},
    "bad_country": {
        "en": "Please type the country's name, e.g. India or United Kingdom.",
        "hi": "कृपया देश का नाम लिखें, जैसे भारत या United Kingdom।",
    },
    "bad_pin": {
        "en": "An Indian PIN code has 6 digits, e.g. 171001.",
        "hi": "भारत का पिन कोड 6 अंकों का होता है, जैसे 171001।",
    },
    "bad_postal": {"en": "Please type the postal code.", "hi": "कृपया पोस्टल कोड लिखें।"},
    "summary": {
        "en": "Please check your order:\n{lines}\nTotal: {total}{converted}\nDeliver to {name}, {address}, {postal_code}, {country}.\nPayment: {payment}.\nConfirm?",
        "hi": "कृपया ऑर्डर जाँच लें:\n{lines}\nकुल: {total}{converted}\nडिलीवरी: {name}, {address}, {postal_code}, {country}।\nपेमेंट: {payment}।\nपक्का करें?",
    },
    "pay_india": {"en": "cash on delivery or UPI", "hi": "कैश ऑन डिलीवरी या UPI"},
    "pay_abroad": {"en": "a card link our team sends", "hi": "हमारी टीम का भेजा कार्ड लिंक"},
    "confirm_button": {"en": "Confirm", "hi": "पक्का करें"},
    "cancel_button": {"en": "Cancel", "hi": "रद्द करें"},
    "placed": {
        "en": "Thank you! Order {ids} is placed. Total {total}. We will tell you when it ships.",
        "hi": "धन्यवाद! ऑर्डर {ids} हो गया। कुल {total}। भेजने पर हम बताएँगे।",
    },
    "place_failed": {
        "en": "The order could not be placed: {reason}. Your cart is kept.",
        "hi": "ऑर्डर नहीं हो सका: {reason}। आपकी कार्ट रखी है।",
    },
    "checkout_stopped": {
        "en": "OK, checkout stopped. Your cart is kept.",
        "hi": "ठीक है, ऑर्डर रोक दिया। आपकी कार्ट रखी है।",
    },
    "order_line": {"en": "Order {id}: {status}, {total}", "hi": "ऑर्डर {id}: {status}, {total}"},
    "no_orders": {"en": "You have no orders yet.", "hi": "आपका अभी कोई ऑर्डर नहीं है।"},
    "no_such_order": {
        "en": "I found no order {id} of yours.",
        "hi": "आपका कोई ऑर्डर {id} नहीं मिला।",
    },
    "meant_quantity": {
        "en": "Did you mean {n} x {name}? Press the button to add them to your cart.",
        "hi": "क्या आपको {n} x {name} चाहिए? कार्ट में डालने के लिए बटन दबाएँ।",
    },
    "which_order": {"en": "Which order?", "hi": "कौन सा ऑर्डर?"},
    "cancelled": {
        "en": "Order {id} is cancelled. Any payment will be refunded.",
        "hi": "ऑर्डर {id} रद्द हो गया। कोई पेमेंट हुआ हो तो लौटाया जाएगा।",
    },
    "already_cancelled": {
        "en": "Order {id} was already cancelled.",
        "hi": "ऑर्डर {id} पहले ही रद्द है।",
    },
    "cannot_cancel": {
        "en": "Order {id} is {status}; it can only be cancelled before it ships.",
        "hi": "ऑर्डर {id} {status} है; भेजे जाने से पहले ही रद्द हो सकता है।",
    },
    "shipping_from": {"en": "From {jail}:", "hi": "{jail} से:"},
    "shipping_from_country": {"en": "From jails in {country}:", "hi": "{country} की जेलों से:"},
    "shipping_home": {
        "en": "Within {country}: {fee} per parcel{free}; 5-8 days.",
        "hi": "{country} में: हर पार्सल {fee}{free}; 5-8 दिन।",
    },
    "shipping_free": {"en": ", free above {free}", "hi": ", {free} से ऊपर मुफ़्त"},
    "shipping_abroad": {
        "en": "Abroad{to}: {fee} per parcel, 10-20 days; food items ship within {origin} only.",
        "hi": "विदेश{to}: हर पार्सल {fee}, 10-20 दिन; खाने का सामान सिर्फ़ {origin} में।",
    },
    "shipping_never": {
        "en": "Nothing can be sent to {country}: parcels between India and Pakistan are suspended.",
        "hi": "{country} कुछ नहीं भेजा जा सकता: भारत और पाकिस्तान के बीच पार्सल बंद हैं।",
    },
    "shipping_not_to": {
        "en": "We do not ship to {country} from here.",
        "hi": "यहाँ से {country} नहीं भेजते।",
    },
    "cannot_reach_india_pakistan": {
        "en": "{name} is made at {jail} in {origin}. Parcels between India and Pakistan are suspended, so it cannot be sent to {country}.",
        "hi": "{name} {origin} की {jail} में बना है। भारत और पाकिस्तान के बीच पार्सल बंद हैं, इसलिए यह {country} नहीं भेजा जा सकता।",
    },
    "cannot_reach_food_abroad": {
        "en": "{name} is food: {jail} sends food only within {origin}, so it cannot be sent to {country}.",
        "hi": "{name} खाने का सामान है: {jail} खाने का सामान सिर्फ़ {origin} में भेजती है, इसलिए यह {country} नहीं भेजा जा सकता।",
    },
    "cannot_reach_not_shipped": {
        "en": "{jail} does not ship to {country}, so {name} cannot be sent there.",
        "hi": "{jail} {country} में सामान नहीं भेजती, इसलिए {name} वहाँ नहीं भेजा जा सकता।",
    },
    "country_blocks_cart": {
        "en": "{reasons}\nRemove it from your cart, or type another country. Say 'cancel' to stop the checkout; your cart is kept.",
        "hi": "{reasons}\nइसे कार्ट से हटाएँ, या कोई और देश लिखें। ऑर्डर रोकने के लिए 'cancel' लिखें; आपकी कार्ट रखी रहेगी।",
    },
    "summary_shipping": {"en": "Shipping to {country}: {fee}", "hi": "{country} तक शिपिंग: {fee}"},
    "handoff": {
        "en": "I have passed your message to our team; a person will reply here.",
        "hi": "आपका संदेश हमारी टीम को भेज दिया है; कोई व्यक्ति यहीं जवाब देगा।",
    },
    "fallback": {
        "en": "Sorry, I did not get that. I can show the catalog, your cart or your orders.",
        "hi": "माफ़ कीजिए, समझ नहीं आया। मैं सामान, आपकी कार्ट या ऑर्डर दिखा सकता हूँ।",
    },
    "language_set": {"en": "OK, I will reply in English.", "hi": "ठीक है, अब मैं हिंदी में जवाब दूँगा।"},
    "ask_buyer_name": {"en": "Whose name should the parcel carry?", "hi": "पार्सल किसके नाम पर भेजें?"},
    "ask_buyer_phone": {"en": "A phone number for the courier?", "hi": "कूरियर के लिए फ़ोन नंबर?"},
    "ask_buyer_address": {
        "en": "The delivery address (house, street, town)?",
        "hi": "डिलीवरी का पता (मकान, गली, शहर)?",
    },
    "ask_buyer_country": {"en": "Which country should it go to?", "hi": "किस देश में भेजना है?"},
    "ask_buyer_postal_code": {
        "en": "The postal code (in India a 6-digit PIN)?",
        "hi": "पिन कोड (भारत में 6 अंकों का)?",
    },
    "india": {"en": "India", "hi": "भारत"},
    "pay_how": {
        "en": "How would you like to pay {amount} for order {id}?",
        "hi": "ऑर्डर {id} के {amount} कैसे चुकाएँगे?",
    },
    "method_cod": {"en": "Cash on delivery", "hi": "कैश ऑन डिलीवरी"},
    "method_payment_link": {"en": "UPI or card link", "hi": "UPI या कार्ड लिंक"},
    "method_upi_qr": {"en": "UPI QR code", "hi": "UPI QR कोड"},
    "method_telegram_invoice": {"en": "Card on Telegram", "hi": "टेलीग्राम पर कार्ड"},
    "method_manual": {"en": "Bank or wallet transfer", "hi": "बैंक या वॉलेट ट्रांसफ़र"},
    "pay_link_follows": {
        "en": "Order {id}: your payment link for {amount} follows in a moment.",
        "hi": "ऑर्डर {id}: {amount} का भुगतान लिंक अभी आ रहा है।",
    },
    "pay_upi": {
        "en": "Order {id}: scan this QR code to pay {amount} by UPI, or open {link}\nAfter paying, send us the 12-digit UTR (UPI reference).",
        "hi": "ऑर्डर {id}: {amount} UPI से चुकाने के लिए यह QR कोड स्कैन करें, या {link} खोलें।\nभुगतान के बाद 12 अंकों का UTR (UPI रेफ़रेंस) भेजें।",
    },
    "pay_manual": {
        "en": "Order {id}: please transfer {amount} to: {details}\nMention reference {id}, then send us the 12-digit UTR or transaction ID.",
        "hi": "ऑर्डर {id}: कृपया {amount} यहाँ भेजें: {details}\nरेफ़रेंस {id} लिखें, फिर 12 अंकों का UTR या ट्रांज़ैक्शन ID भेजें।",
    },
    "pay_cod": {
        "en": "Order {id}: you pay {amount} in cash on delivery.",
        "hi": "ऑर्डर {id}: {amount} डिलीवरी पर नकद चुकाएँ।",
    },
    "pay_invoice": {
        "en": "Order {id}: here is your invoice for {amount}. Tap Pay to pay by card.",
        "hi": "ऑर्डर {id}: {amount} का बिल यह रहा। कार्ड से चुकाने के लिए Pay दबाएँ।",
    },
    "invoice_title": {"en": "Kaarigar order {id}", "hi": "कारीगर ऑर्डर {id}"},
    "pay_not_offered": {
        "en": "That way of paying is not available for order {id}.",
        "hi": "ऑर्डर {id} के लिए भुगतान का यह तरीका उपलब्ध नहीं है।",
    },
    "pay_not_open": {
        "en": "Order {id} is {status}; there is nothing to pay now.",
        "hi": "ऑर्डर {id} {status} है; अभी कुछ चुकाना नहीं है।",
    },
    "utr_recorded": {
        "en": "Thank you! UTR {utr} is recorded on order {id}. Our staff will confirm the payment.",
        "hi": "धन्यवाद! UTR {utr} ऑर्डर {id} पर दर्ज हो गया। हमारा स्टाफ़ भुगतान की पुष्टि करेगा।",
    },
    "utr_no_order": {
        "en": "I found no order of yours waiting for a UPI or transfer payment.",
        "hi": "आपका कोई ऑर्डर UPI या ट्रांसफ़र भुगतान का इंतज़ार नहीं कर रहा।",
    },
    "utr_bad": {
        "en": "That reference was not recorded: {reason}.",
        "hi": "यह रेफ़रेंस दर्ज नहीं हुआ: {reason}।",
    },
    "menu_button": {"en": "Menu", "hi": "मेनू"},
    "cart_button": {"en": "My cart", "hi": "मेरी कार्ट"},
    "person_button": {"en": "Talk to a person", "hi": "किसी से बात करें"},
}


def t(key: str, lang: str | None, **values: object) -> str:
    """The text for ``key`` in ``lang`` (English when missing), filled with ``values``."""
    options = TEXTS[key]
    return options.get(lang or "en", options["en"]).format(**values)


def payload(intent: str, **entities: object) -> str:
    """A button payload ``/intent{...}`` within Telegram's 64 bytes (long values are cut)."""
    ents = {k: str(v) for k, v in entities.items() if v is not None}
    text = f"/{intent}" + (
        json.dumps(ents, ensure_ascii=False, separators=(",", ":")) if ents else ""
    )
    while len(text.encode()) > 64 and ents:
        key = max(ents, key=lambda k: len(ents[k]))
        ents[key] = ents[key][: max(1, len(ents[key]) - 4)]
        text = f"/{intent}" + json.dumps(ents, ensure_ascii=False, separators=(",", ":"))
    return text


def button(title: str, intent: str, **entities: object) -> dict[str, str]:
    return {"title": title[:60], "payload": payload(intent, **entities)}
