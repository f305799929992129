"""What buyers are told outside a chat turn (shipped, cancelled, payments), in the language kept
on the customer: en, hi (Devanagari), hi-Latn (romanized Hindi) or ur (Urdu). Amounts are
formatted for the buyer: the language, and the country the order goes to (catalog.money.Reader).
Staff notifications stay in English (catalog/outbox.py)."""

from __future__ import annotations

from catalog.models import Customer, Order
from catalog.money import Reader, fmt

LANGUAGES = ("en", "hi", "hi-Latn", "ur")

TEXTS: dict[str, dict[str, str]] = {
    # The web app's answer to a buyer over the rate limit, before Rasa (bot/core/conversation.py):
    # over the 10-second burst a few seconds' wait is enough; over the minute's, a minute.
    "flood_burst": {
        "en": "You are sending messages very fast. Please wait a few seconds and try again.",
        "hi": "आप बहुत जल्दी-जल्दी संदेश भेज रहे हैं। कृपया कुछ सेकंड रुककर फिर लिखें।",
        "hi-Latn": "Aap bahut jaldi-jaldi message bhej rahe hain. Please kuch second ruk kar phir likhiye.",
        "ur": "آپ بہت جلدی جلدی پیغام بھیج رہے ہیں۔ براہ کرم چند سیکنڈ رک کر دوبارہ لکھیں۔",
    },
    "flood_minute": {
        "en": "You are sending messages very fast. Please wait a minute and try again.",
        "hi": "आप बहुत जल्दी-जल्दी संदेश भेज रहे हैं। कृपया एक मिनट रुककर फिर लिखें।",
        "hi-Latn": "Aap bahut jaldi-jaldi message bhej rahe hain. Please ek minute ruk kar phir likhiye.",
        "ur": "آپ بہت جلدی جلدی پیغام بھیج رہے ہیں۔ براہ کرم ایک منٹ رک کر دوبارہ لکھیں۔",
    },
    "photo_only": {
        "en": "I can't look at photos; tell me in words what you are looking for.",
        "hi": "मैं फ़ोटो नहीं देख सकता; शब्दों में बताइए कि आप क्या ढूँढ रहे हैं।",
        "hi-Latn": "Main photo nahi dekh sakta; shabdon mein likhiye ki aap kya dhoondh rahe hain.",
        "ur": "میں تصویر نہیں دیکھ سکتا؛ لکھ کر بتائیں کہ آپ کیا ڈھونڈ رہے ہیں۔",
    },
    "location_only": {  # a shared map pin: couriers need a written address with its code
        "en": "Thank you for the location. A courier needs the address in writing, so please type it: house number, street, area, city and the PIN or postal code.",
        "hi": "लोकेशन भेजने के लिए धन्यवाद। कूरियर को पता लिखा हुआ चाहिए, इसलिए कृपया पता टाइप करें: मकान नंबर, गली, इलाका, शहर और पिन या पोस्टल कोड।",
        "hi-Latn": "Location bhejne ke liye shukriya. Courier ko pata likha hua chahiye, isliye please pata type kariye: makaan number, gali, ilaaka, shehar aur PIN ya postal code.",
        "ur": "لوکیشن بھیجنے کا شکریہ۔ کوریئر کو پتہ لکھا ہوا چاہیے، اس لیے براہ کرم پتہ لکھ کر بھیجیں: مکان نمبر، گلی، علاقہ، شہر اور پوسٹل کوڈ۔",
    },
    "too_long": {  # a message of more than bot.core.conversation.LONGEST characters
        "en": "That is a long message. Please tell me in a sentence or two what you are looking for, or type menu.",
        "hi": "यह बहुत लंबा संदेश है। कृपया एक-दो वाक्यों में बताइए कि आप क्या ढूँढ रहे हैं, या मेन्यू लिखें।",
        "hi-Latn": "Yeh bahut lamba message hai. Please ek-do line mein likhiye ki aap kya dhoondh rahe hain, ya menu likhiye.",
        "ur": "یہ بہت لمبا پیغام ہے۔ براہ کرم ایک دو جملوں میں بتائیں کہ آپ کیا ڈھونڈ رہے ہیں، یا مینو لکھیں۔",
    },
    # Under a WhatsApp menu (bot/handlers/whatsapp.py): how to answer its numbered choices.
    "reply_one": {
        "en": "Reply 1.",
        "hi": "जवाब में 1 लिखें।",
        "hi-Latn": "Jawab mein 1 likhiye.",
        "ur": "جواب میں 1 لکھیں۔",
    },
    "reply_many": {
        "en": "Reply {first} or {last}.",
        "hi": "जवाब में {first} या {last} लिखें।",
        "hi-Latn": "Jawab mein {first} ya {last} likhiye.",
        "ur": "جواب میں {first} یا {last} لکھیں۔",
    },
    "private_only": {  # a message in a group chat (bot/core/conversation.py)
        "en": "I take orders in a private chat, so your phone number and address stay between us. Please message me directly.",
        "hi": "मैं ऑर्डर निजी चैट में लेता हूँ, ताकि आपका फ़ोन नंबर और पता हमारे बीच रहे। कृपया मुझे सीधे संदेश भेजें।",
        "hi-Latn": "Main order private chat mein leta hoon, taaki aapka phone number aur pata hamare beech rahe. Please mujhe seedha message bhejiye.",
        "ur": "میں آرڈر نجی چیٹ میں لیتا ہوں، تاکہ آپ کا فون نمبر اور پتہ ہمارے درمیان رہے۔ براہ کرم مجھے براہ راست پیغام بھیجیں۔",
    },
    # Telegram's pre-checkout refusal (catalog/payments.py check_invoice, bot/payments/telegram.py)
    "invoice_invalid": {
        "en": "This invoice is not valid any more.",
        "hi": "यह बिल अब मान्य नहीं है।",
        "hi-Latn": "Yeh bill ab valid nahi hai.",
        "ur": "یہ بل اب درست نہیں ہے۔",
    },
    "invoice_closed": {
        "en": "Order {id} cannot be paid now.",
        "hi": "ऑर्डर {id} का भुगतान अब नहीं हो सकता।",
        "hi-Latn": "Order {id} ka payment ab nahi ho sakta.",
        "ur": "آرڈر {id} کی ادائیگی اب نہیں ہو سکتی۔",
    },
    "invoice_amount_changed": {
        "en": "The amount changed: order {id} is {amount}.",
        "hi": "रक़म बदल गई है: ऑर्डर {id} अब {amount} का है।",
        "hi-Latn": "Amount badal gaya hai: order {id} ab {amount} ka hai.",
        "ur": "رقم بدل گئی ہے: آرڈر {id} اب {amount} کا ہے۔",
    },
    "invoice_off_sale": {
        "en": "{name} is no longer on sale.",
        "hi": "{name} अब बिक्री पर नहीं है।",
        "hi-Latn": "{name} ab sale par nahi hai.",
        "ur": "{name} اب فروخت کے لیے نہیں ہے۔",
    },
    "payment_busy": {
        "en": "We could not check your order just now. Please try again in a minute.",
        "hi": "हम अभी आपका ऑर्डर जाँच नहीं पाए। कृपया एक मिनट बाद फिर कोशिश करें।",
        "hi-Latn": "Hum abhi aapka order check nahi kar paaye. Please ek minute baad phir try kariye.",
        "ur": "ہم ابھی آپ کا آرڈر چیک نہیں کر سکے۔ براہ کرم ایک منٹ بعد دوبارہ کوشش کریں۔",
    },
    "shipped": {
        "en": "Your Kaarigar order {id} has been shipped.{tracking}",
        "hi": "आपका ऑर्डर {id} भेज दिया गया है।{tracking}",
        "hi-Latn": "Aapka Kaarigar order {id} bhej diya gaya hai.{tracking}",
        "ur": "آپ کا کاریگر آرڈر {id} بھیج دیا گیا ہے۔{tracking}",
    },
    "shipment_withdrawn": {  # a staff /ship undone after "shipped" had gone out
        "en": "Correction: your Kaarigar order {id} has not been shipped yet; our message that it had was sent by mistake. We will tell you when it ships.",
        "hi": "सुधार: आपका ऑर्डर {id} अभी भेजा नहीं गया है; भेज दिए जाने का संदेश गलती से गया था। भेजने पर हम आपको बताएंगे।",
        "hi-Latn": "Sudhaar: aapka Kaarigar order {id} abhi bheja nahi gaya hai; bhej diye jaane ka message galti se gaya tha. Bhejne par hum aapko batayenge.",
        "ur": "درستی: آپ کا کاریگر آرڈر {id} ابھی بھیجا نہیں گیا؛ بھیج دیے جانے کا پیغام غلطی سے گیا تھا۔ بھیجنے پر ہم آپ کو بتائیں گے۔",
    },
    "tracking": {
        "en": " Tracking: {tracking}.",
        "hi": " ट्रैकिंग: {tracking}।",
        "hi-Latn": " Tracking: {tracking}.",
        "ur": " ٹریکنگ: {tracking}۔",
    },
    "cancelled": {
        "en": "Your Kaarigar order {id} was cancelled{reason}. Any payment will be refunded.",
        "hi": "आपका ऑर्डर {id} रद्द कर दिया गया है{reason}। पैसा लौटाया जाएगा।",
        "hi-Latn": "Aapka Kaarigar order {id} cancel kar diya gaya hai{reason}. Koi payment hua ho to wapas mil jayega.",
        "ur": "آپ کا کاریگر آرڈر {id} منسوخ کر دیا گیا ہے{reason}۔ کوئی ادائیگی ہوئی ہو تو واپس کر دی جائے گی۔",
    },
    "receipt": {
        "en": "Payment received for Kaarigar order {id}: {amount} by {how}.{ref} Thank you!",
        "hi": "ऑर्डर {id} का भुगतान मिल गया: {amount} ({how})।{ref} धन्यवाद!",
        "hi-Latn": "Order {id} ka payment mil gaya: {amount} ({how}).{ref} Shukriya!",
        "ur": "آرڈر {id} کی ادائیگی مل گئی: {amount} ({how})۔{ref} شکریہ!",
    },
    "payment_withdrawn": {
        "en": "Correction: the payment for Kaarigar order {id} was confirmed by mistake and is not recorded yet; the order is back to unpaid. Please ignore that receipt; our team will confirm again when your payment is found.",
        "hi": "सुधार: ऑर्डर {id} के भुगतान की पुष्टि गलती से हुई थी, वह अभी दर्ज नहीं है; ऑर्डर फिर से बिना भुगतान का है। वह रसीद न मानें; भुगतान मिलने पर हमारी टीम फिर बताएगी।",
        "hi-Latn": "Sudhaar: order {id} ke payment ki pushti galti se hui thi, woh abhi darj nahi hai; order phir se unpaid hai. Woh receipt na maniye; payment milne par hamari team phir batayegi.",
        "ur": "درستی: آرڈر {id} کی ادائیگی کی تصدیق غلطی سے ہوئی تھی، وہ ابھی درج نہیں ہے؛ آرڈر پھر سے بغیر ادائیگی کے ہے۔ وہ رسید نہ مانیں؛ ادائیگی ملنے پر ہماری ٹیم پھر بتائے گی۔",
    },
    "ref": {
        "en": " Ref: {ref}.",
        "hi": " रेफ़रेंस: {ref}।",
        "hi-Latn": " Ref: {ref}.",
        "ur": " ریفرنس: {ref}۔",
    },
    "reminder": {
        "en": "Your Kaarigar order {id} ({amount}) is waiting for payment.{link} Unpaid orders are cancelled when the time is up.",
        "hi": "ऑर्डर {id} ({amount}) का भुगतान बाकी है।{link} समय पर न होने पर ऑर्डर रद्द होगा।",
        "hi-Latn": "Aapke Kaarigar order {id} ({amount}) ka payment baaki hai.{link} Time par payment na hua to order cancel ho jayega.",
        "ur": "آپ کے کاریگر آرڈر {id} ({amount}) کی ادائیگی باقی ہے۔{link} وقت پر ادائیگی نہ ہوئی تو آرڈر منسوخ ہو جائے گا۔",
    },
    "refund_due": {
        "en": "Your payment of {amount} arrived after order {id} was cancelled; it will be refunded.",
        "hi": "ऑर्डर {id} रद्द हो चुका था; आपके {amount} लौटाए जाएंगे।",
        "hi-Latn": "Order {id} pehle hi cancel ho chuka tha; aapke {amount} wapas kiye jayenge.",
        "ur": "آرڈر {id} پہلے ہی منسوخ ہو چکا تھا؛ آپ کے {amount} واپس کر دیے جائیں گے۔",
    },
    "refunded": {
        "en": "We have refunded {amount} for Kaarigar order {id}.",
        "hi": "ऑर्डर {id} के {amount} लौटा दिए गए हैं।",
        "hi-Latn": "Order {id} ke {amount} wapas kar diye gaye hain.",
        "ur": "آرڈر {id} کے {amount} واپس کر دیے گئے ہیں۔",
    },
    "payment_link": {
        "en": "Pay for your Kaarigar order {id} ({amount}) here: {url}",
        "hi": "ऑर्डर {id} ({amount}) का भुगतान इस लिंक से करें: {url}",
        "hi-Latn": "Order {id} ({amount}) ka payment is link se kariye: {url}",
        "ur": "آرڈر {id} ({amount}) کی ادائیگی اس لنک سے کریں: {url}",
    },
    "staff_reply": {
        "en": "Kaarigar team: {text}",
        "hi": "कारीगर टीम: {text}",
        "hi-Latn": "Kaarigar team: {text}",
        "ur": "کاریگر ٹیم: {text}",
    },
    "relayed": {  # a buyer's message passed to staff while a person talks to them
        "en": "Passed to our team. (Type menu to shop.)",
        "hi": "हमारी टीम को भेज दिया। (खरीदारी के लिए menu लिखें।)",
        "hi-Latn": "Hamari team ko bhej diya. (Shopping ke liye menu likhiye.)",
        "ur": "ہماری ٹیم کو بھیج دیا۔ (خریداری کے لیے menu لکھیں۔)",
    },
    # how an order was paid, inside a receipt
    "method_payment_link": {
        "en": "payment link",
        "hi": "पेमेंट लिंक",
        "hi-Latn": "payment link",
        "ur": "ادائیگی لنک",
    },
    "method_upi_qr": {"en": "UPI", "hi": "UPI", "hi-Latn": "UPI", "ur": "UPI"},
    "method_telegram_invoice": {
        "en": "card on Telegram",
        "hi": "टेलीग्राम पर कार्ड",
        "hi-Latn": "Telegram par card",
        "ur": "ٹیلی گرام پر کارڈ",
    },
    "method_manual": {"en": "transfer", "hi": "ट्रांसफ़र", "hi-Latn": "transfer", "ur": "ٹرانسفر"},
    "method_cod": {
        "en": "cash on delivery",
        "hi": "कैश ऑन डिलीवरी",
        "hi-Latn": "cash on delivery",
        "ur": "کیش آن ڈلیوری",
    },
}


def language_of(order: Order) -> str:
    return customer_language(order.customer)


def customer_language(customer: Customer) -> str:
    language = customer.language or "en"
    return language if language in LANGUAGES else "en"


def reader(order: Order) -> Reader:
    """The order's buyer as a reader of amounts: their language, the delivery country."""
    from catalog.shipping import country_code

    return Reader(language_of(order), country_code(order.ship_country))


def amount(order: Order, minor: int) -> str:
    """``minor`` of the order's currency, as its buyer reads it."""
    return fmt(minor, order.currency, reader(order))


def text(kind: str, order: Order, **values: object) -> str:
    """The notice ``kind`` for the order's buyer, filled with ``values``."""
    return TEXTS[kind][language_of(order)].format(**values)


def in_language(kind: str, language: str | None) -> str:
    """The notice ``kind`` in ``language`` (English for one not served)."""
    return TEXTS[kind].get(language or "en", TEXTS[kind]["en"])


def to_buyer(kind: str, customer: Customer, **values: object) -> str:
    """The notice ``kind`` for a buyer, not about one order, filled with ``values``."""
    return TEXTS[kind][customer_language(customer)].format(**values)


def method(name: str, order: Order) -> str:
    key = f"method_{name}"
    return text(key, order) if key in TEXTS else name
