"""Whole-file structure checks of JPEG, PNG, GIF and WebP, without decoding pixels.

A file passes only when its bytes parse as that format from the first byte to the last: a
magic number followed by HTML, a truncated image or data appended after the end marker all
fail. Each checker returns a reason, or None for a whole image.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_problem(data: bytes) -> str | None:
    """Chunks with valid CRCs from IHDR to IEND, at least one IDAT, nothing after IEND."""
    pos, first, idat = len(PNG_MAGIC), True, False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data) or not kind.isalpha():
            return "a PNG chunk is cut off or malformed"
        if zlib.crc32(data[pos + 4 : end - 4]) != struct.unpack(">I", data[end - 4 : end])[0]:
            return "a PNG chunk is damaged"
        if first and (kind != b"IHDR" or length != 13):
            return "the PNG does not start with its header"
        first, idat = False, idat or kind == b"IDAT"
        if kind == b"IEND":
            return None if end == len(data) and idat else "the PNG has data outside its image"
        pos = end
    return "the PNG is cut off"


def gif_problem(data: bytes) -> str | None:
    """Screen descriptor, color tables, extension and image blocks, then the trailer last."""
    if len(data) < 13:
        return "the GIF is cut off"
    pos = 13 + _color_table(data[10])
    images = 0
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            return None if pos + 1 == len(data) and images else "the GIF has data after its end"
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image: descriptor, local color table, LZW code size, sub-blocks
            if pos + 10 > len(data):
                return "the GIF is cut off"
            pos = _sub_blocks(data, pos + 11 + _color_table(data[pos + 9]))
            images += 1
        else:
            return "the GIF has an unknown block"
        if pos < 0:
            return "the GIF is cut off"
    return "the GIF is cut off"


def _color_table(flags: int) -> int:
    return 3 * (2 ** ((flags & 0x07) + 1)) if flags & 0x80 else 0


def _sub_blocks(data: bytes, pos: int) -> int:
    """The position after a run of sub-blocks ending with an empty one; -1 if cut off."""
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return -1


def jpeg_problem(data: bytes) -> str | None:
    """Marker segments, entropy-coded scans after each SOS, and EOI as the last two bytes."""
    pos, scans = 2, 0
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return "the JPEG has a broken segment"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return None if pos + 2 == len(data) and scans else "the JPEG has data after its end"
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD8):
            return "the JPEG has a misplaced marker"
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
        if length < 2 or pos > len(data):
            return "a JPEG segment is cut off or malformed"
        if marker == 0xDA:  # start of scan: skip entropy-coded data up to the next marker
            scans += 1
            pos = _scan_end(data, pos)
    if pos + 2 == len(data) and data[pos:] == b"\xff\xd9" and scans:
        return None
    return "the JPEG is cut off"


def _scan_end(data: bytes, pos: int) -> int:
    """The position of the marker ending entropy-coded data (FF 00 and RSTn belong to it)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
            pos += 2
        elif nxt == 0xFF:
            pos += 1
        else:
            return pos


def webp_problem(data: bytes) -> str | None:
    """A RIFF container whose size is the file's, holding well-formed VP8/VP8L/VP8X chunks."""
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 != len(data):
        return "the WebP size does not match the file"
    pos, first = 12, True
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if first and kind not in (b"VP8 ", b"VP8L", b"VP8X"):
            return "the WebP has no image data"
        if first and kind == b"VP8 " and data[pos + 11 : pos + 14] != b"\x9d\x01\x2a":
            return "the WebP image data is malformed"
        if first and kind == b"VP8L" and data[pos + 8 : pos + 9] != b"\x2f":
            return "the WebP image data is malformed"
        first = False
        pos += 8 + length + (length & 1)
    return None if pos == len(data) and not first else "the WebP is cut off"


PROBLEMS: dict[str, Callable[[bytes], str | None]] = {
    "jpg": jpeg_problem,
    "png": png_problem,
    "gif": gif_problem,
    "webp": webp_problem,
}
