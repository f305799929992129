"""Product photos sent by staff: checked to be an image of bounded size, stored by content hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from catalog.errors import InvalidInput

MAX_PHOTO_BYTES = 5 * 1024 * 1024


def image_type(data: bytes) -> str | None:
    """The file extension the magic bytes say ("jpg", "png", "webp", "gif"), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def check(data: bytes) -> str:
    """The image's extension; InvalidInput if it is empty, too big, or not an image."""
    if not data:
        raise InvalidInput("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(f"the photo is over {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    ext = image_type(data)
    if ext is None:
        raise InvalidInput("that is not a JPEG, PNG, WebP or GIF image")
    return ext


def store(data: bytes, media_dir: Path) -> str:
    """Write the image under ``media_dir`` named by its SHA-256; returns the file name."""
    ext = check(data)
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=media_dir, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return name
