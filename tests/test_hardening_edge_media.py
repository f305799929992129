"""Issue 10, item 12: /media serves only regular files that are whole images, with nosniff;
a staff /photo that is not a whole image (HTML behind a GIF header) is refused."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog import photos
from catalog.db import make_sessionmaker
from catalog.errors import InvalidInput
from tests.fixtures_channels import FakeRasa
from tests.staff_support import JPEG, PNG, StaffEnv
from tests.web_support import running_app, settings_for

# Real images as Pillow writes them (PNG and JPEG are the staff tests' own).
GIF = base64.b64decode("R0lGODdhAgACAIEAAMgeHgAAAAAAAAAAACwAAAAAAgACAAAIBgABCAQQEAA7")
WEBP = base64.b64decode(
    "UklGRjoAAABXRUJQVlA4IC4AAACwAQCdASoCAAIAAUAmJaACdLoABDAAAP7x3I/4DdfFtMv/vYL/3YL/3YL/WwAA"
)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
GIF_HTML = b"GIF89a" + HTML  # the probe of the issue: a GIF header, then a web page


@pytest.mark.parametrize("image", [JPEG, PNG, GIF, WEBP], ids=["jpeg", "png", "gif", "webp"])
def test_whole_images_of_each_type_are_accepted(image: bytes) -> None:
    assert photos.check(image) == photos.image_type(image)


@pytest.mark.parametrize(
    "data",
    [
        GIF_HTML,
        GIF + HTML,
        GIF[:-1],
        PNG + HTML,
        PNG[:-12],
        PNG[:29] + b"\x00" * 4 + PNG[33:],  # IHDR's CRC broken
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        JPEG + HTML,
        JPEG[:-2],
        b"\xff\xd8\xff\xe0" + b"1" * 10,
        b"\xff\xd8\xff" + HTML,
        WEBP + HTML,
        WEBP[:-4],
        b"RIFF\x10\x00\x00\x00WEBP" + HTML[:8],
    ],
    ids=[
        "gif-header-html", "gif-then-html", "gif-truncated", "png-then-html", "png-truncated",
        "png-bad-crc", "png-zeros", "jpeg-then-html", "jpeg-truncated", "jpeg-garbage",
        "jpeg-header-html", "webp-then-html", "webp-truncated", "webp-header-html",
    ],
)  # fmt: skip
def test_anything_but_a_whole_image_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        photos.check(data)


async def test_staff_photo_of_html_behind_a_gif_header_is_refused(staff_env: StaffEnv) -> None:
    staff_env.media.files["u"] = GIF_HTML
    before = staff_env.snapshot()
    reply = await staff_env.say("/photo KS-101", media_url="u")
    assert reply is not None and reply.startswith("Photo refused:")
    assert staff_env.product("KS-101").photo is None
    assert staff_env.snapshot() == before
    media = staff_env.deps.media_dir
    assert not media.exists() or not any(media.iterdir())


# --- The /media route ---------------------------------------------------------------------


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    path = tmp_path / "media"
    path.mkdir()
    return path


@pytest.fixture
async def client(
    sqlite_engine: Engine, fake_rasa: FakeRasa, media_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        str(sqlite_engine.url), fake_rasa, None, None, KAARIGAR_MEDIA_DIR=str(media_dir)
    )
    sessions: sessionmaker[Session] = make_sessionmaker(sqlite_engine)
    async with running_app(settings, sessions) as (_, c):
        yield c


async def test_a_stored_photo_is_served_with_nosniff(
    client: httpx.AsyncClient, media_dir: Path
) -> None:
    for image in (JPEG, PNG, GIF, WEBP):
        name = photos.store(image, media_dir)
        resp = await client.get(f"/media/{name}")
        assert (resp.status_code, resp.content) == (200, image)
        assert resp.headers["content-type"] == photos.CONTENT_TYPES[name.rsplit(".", 1)[1]]
        assert resp.headers["x-content-type-options"] == "nosniff"


async def test_symlinks_and_other_non_regular_files_are_not_served(
    client: httpx.AsyncClient, media_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    (media_dir / "link.png").symlink_to(outside)
    (media_dir / "inner.png").symlink_to(media_dir / photos.store(PNG, media_dir))
    (media_dir / "folder.png").mkdir()
    os.mkfifo(media_dir / "pipe.png")  # opening it for reading would block a naive server
    for name in ("link.png", "inner.png", "folder.png", "pipe.png"):
        resp = await client.get(f"/media/{name}")
        assert resp.status_code == 404, name


async def test_a_file_in_the_media_dir_that_is_not_a_whole_image_is_not_served(
    client: httpx.AsyncClient, media_dir: Path
) -> None:
    (media_dir / "page.gif").write_bytes(GIF_HTML)  # e.g. stored before this check existed
    (media_dir / "named.jpg").write_bytes(PNG)  # a PNG under a JPEG name
    for name in ("page.gif", "named.jpg"):
        resp = await client.get(f"/media/{name}")
        assert resp.status_code == 404, name
        assert b"<html>" not in resp.content
