"""Product photos sent by staff: checked to be a whole image of bounded size, stored by content
hash, and read back for serving only as a regular file that is still a whole image."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path

from catalog.errors import InvalidInput
from catalog.imagebytes import PROBLEMS

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MEDIA_PATH = "/media"  # where the web app serves ``media_dir``
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
# A stored photo's name: letters, digits, "_" and "-", then an image extension. No dots
# before the extension and no slashes, so it can never leave the media directory.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(jpg|png|webp|gif)")


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
    """The image's extension; InvalidInput if it is empty, too big, or not a whole image.

    The magic bytes alone would pass a web page behind a GIF header; the whole file must parse.
    """
    if not data:
        raise InvalidInput("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(f"the photo is over {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    ext = image_type(data)
    if ext is None:
        raise InvalidInput("that is not a JPEG, PNG, WebP or GIF image")
    problem = PROBLEMS[ext](data)
    if problem is not None:
        raise InvalidInput(problem)
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


def is_stored(photo: str) -> bool:
    """Whether a product's photo is a file name under ``media_dir`` (not a URL)."""
    return SAFE_NAME.fullmatch(photo) is not None


def path_of(name: str, media_dir: Path) -> Path | None:
    """The stored file behind a safe name, or None (unsafe name, missing, a symlink, or not a
    regular file)."""
    if not is_stored(name):
        return None
    target = media_dir / name
    try:
        mode = target.lstat().st_mode
    except OSError:
        return None
    return target if stat.S_ISREG(mode) else None


def read(name: str, media_dir: Path) -> tuple[bytes, str] | None:
    """A stored photo's bytes and content type, for serving; None unless it is a regular file
    (never through a symlink) holding a whole image of the type its name says."""
    if path_of(name, media_dir) is None:
        return None
    # O_NOFOLLOW and fstat on the open file: swapping in a link or a FIFO after the check fails.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(media_dir / name, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = fh.read(MAX_PHOTO_BYTES + 1)
    ext = name.rsplit(".", 1)[1]
    try:
        if check(data) != ext:
            return None
    except InvalidInput:
        return None
    return data, CONTENT_TYPES[ext]


def public_url(photo: str, base_url: str | None) -> str | None:
    """A URL Telegram or Twilio can fetch: a URL as it is, a stored name under the web app's
    ``/media/``, another path under the web app; None when there is no base URL to serve it."""
    if photo.startswith(("http://", "https://")):
        return photo
    if not base_url:
        return None
    path = f"{MEDIA_PATH}/{photo}" if is_stored(photo) else "/" + photo.lstrip("/")
    return base_url.rstrip("/") + path
