"""UPI payment requests: NPCI's ``upi://pay`` link and a QR code of it, made offline with segno.

Apps often refuse a tapped link to a personal VPA; a merchant VPA in a QR code works reliably,
so buyers get both: the QR as a photo and the link as text.
"""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode

import segno

from catalog.money import major

QR_ERROR = "m"  # survives a blurry phone photo of a phone screen


def upi_link(vpa: str, payee: str, amount_minor: int, reference: str, note: str) -> str:
    """``upi://pay?pa=..&pn=..&am=..&cu=INR&tr=..&tn=..`` with every value URL-encoded."""
    params = {
        "pa": vpa,
        "pn": payee,
        "am": major(amount_minor),
        "cu": "INR",
        "tr": reference,
        "tn": note[:80],
    }
    return "upi://pay?" + urlencode(params, quote_via=quote, safe="@")


def make_qr(link: str) -> segno.QRCode:
    """The QR code of a link, always made the same way (so it can be checked)."""
    return segno.make(link, error=QR_ERROR, boost_error=False, micro=False)


def qr_png(link: str, scale: int = 8) -> bytes:
    """A PNG of the link's QR code, with the standard quiet zone."""
    out = io.BytesIO()
    make_qr(link).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
