"""UPI: the NPCI link is exact and URL-encoded, and the QR PNG encodes exactly that link."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from bot.payments.upi import make_qr, qr_png, upi_link

LINK = (
    "upi://pay?pa=himkara.kanda@sbi&pn=Himkara%20Unnayan%20Samiti%20%26%20Kanda&am=2480.00"
    "&cu=INR&tr=1042&tn=Kaarigar%20order%201042"
)


def test_upi_link_has_npci_fields_encoded_and_two_decimals():
    link = upi_link("himkara.kanda@sbi", "Himkara Unnayan Samiti & Kanda", 248_000, "1042",
                    "Kaarigar order 1042")  # fmt: skip
    assert link == LINK
    fields = parse_qs(urlsplit(link).query)
    assert fields["pn"] == ["Himkara Unnayan Samiti & Kanda"]
    assert upi_link("a@b", "P", 5, "1", "n").split("&am=")[1].startswith("0.05&")


def test_qr_png_is_a_png_whose_modules_are_the_qr_code_of_the_link():
    scale, border = 8, 4
    png = qr_png(LINK, scale=scale)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = make_qr(LINK)
    assert expected.mode == "byte" and expected.error == "M"
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = expected.symbol_size(scale=scale, border=border)
    assert image.size == (width, height)
    modules = [
        [image.getpixel(((x + border) * scale + scale // 2, (y + border) * scale + scale // 2)) < 128
         for x in range(len(expected.matrix[0]))]
        for y in range(len(expected.matrix))
    ]  # fmt: skip
    assert modules == [[bool(v) for v in row] for row in expected.matrix]
    assert modules != [
        [bool(v) for v in row] for row in make_qr(LINK.replace("1042", "1043")).matrix
    ]
