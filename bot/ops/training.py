"""``kaarigar train``: catalog lookup tables and synonyms for the NLU, then a fingerprinted model."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.ops import rasa_env

if TYPE_CHECKING:  # the catalog (and SQLAlchemy) only when lookups are written: `kaarigar run`
    from sqlalchemy.orm import Session  # finds its model without them

    from catalog.models import Product

ROOT = rasa_env.ROOT
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "nlu" / "domain"
DATA = ROOT / "nlu" / "data"
COMPONENTS = ROOT / "nlu" / "components"  # our own Rasa components, named in config.yml
GENERATED = DATA / "nlu" / "catalog_generated.yml"
MODELS = ROOT / "models"
PREFIX = "kaarigar-"


def canonical_name(product: Product) -> str:
    """The entity value for a product: its English name without the bracketed variant."""
    return re.sub(r"\s*\(.*?\)", "", product.name).strip().lower()


def _hand_synonyms() -> dict[str, str]:
    """Variant -> value of the synonyms written by hand (the generated file excluded)."""
    found: dict[str, str] = {}
    for path in sorted((DATA / "nlu").glob("*.yml")):
        if path == GENERATED:
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu") or []:
            if "synonym" in item:
                value = str(item["synonym"])
                found[value.lower()] = value
                for line in str(item.get("examples", "")).splitlines():
                    found[line.strip().removeprefix("- ").strip().lower()] = value
    return found


_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\((\w+)(?::([^)]*))?\)|(\{[^}]*\}))")


def _hand_entities() -> dict[str, set[str]]:
    """Entity type -> the words annotated with it by hand (surfaces and values, lower case)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted((DATA / "nlu").glob("*.yml")):
        if path == GENERATED:
            continue
        for surface, entity, value, spec in _ANNOTATION.findall(path.read_text(encoding="utf-8")):
            if spec:
                item = json.loads(spec)
                entity, value = item["entity"], item.get("value", "")
            found[entity].update(w.strip().lower() for w in (surface, value) if w.strip())
    return found


def _without_prefix(name: str, words: set[str]) -> str:
    """A product name without a leading place or category ("kullu shawl" -> "shawl", "leather belt"
    -> "belt"): NLU tags those as `jail` and `category`, so the product lookup must not claim them."""
    for word in sorted(words, key=len, reverse=True):
        if name.startswith(word + " "):
            return name[len(word) + 1 :].strip()
    return "" if name in words else name


def catalog_nlu(session: Session) -> dict:
    """Lookup tables (products, jails, categories) and synonyms (Hindi/Urdu names -> canonical) from the DB.

    The product table holds names and keywords minus places and category words, which have their
    own tables: a lookup hit is a strong feature, and "kullu" in "kullu shawl" is a jail, not a product."""
    from catalog import products as catalog_products
    from catalog.text import SYNONYMS

    products = catalog_products.on_sale(session)
    jails = catalog_products.all_jails(session)
    tagged = _hand_entities()
    places = {j.town for j in jails} | {j.region for j in jails} | {j.name for j in jails}
    known = {p.lower() for p in places}
    places |= {
        w if not w.isascii() else w.title() for w in tagged["jail"] if len(w) > 2 and w not in known
    }
    place_words = {p.lower() for p in places}
    categories = {p.category.lower() for p in products}
    names: set[str] = set()
    variants: dict[str, set[str]] = defaultdict(set)
    for p in products:
        value = canonical_name(p)
        names.add(value)
        names.update(k.strip().lower() for k in p.keywords.split(",") if k.strip())
        for other in (p.name_hi, p.name_ur):
            if other:
                variants[other.strip().lower()].add(value)
    lookup_names = {_without_prefix(n, place_words | categories) for n in names} - {""}
    category_words = {c for c in categories if c.removesuffix("s") not in lookup_names}
    hand = _hand_synonyms()
    hand_values = set(hand.values())
    for variant, value in SYNONYMS.items():
        if value in hand_values:
            variants[variant].add(value)
    grouped: dict[str, list[str]] = defaultdict(list)
    for variant, values in sorted(variants.items()):
        if len(values) == 1 and variant not in hand:
            (value,) = values
            if variant != value:
                grouped[value].append(variant)
    nlu: list[dict] = [
        {"lookup": "product", "examples": _examples(sorted(lookup_names))},
        {"lookup": "jail", "examples": _examples(sorted(places))},
        {"lookup": "category", "examples": _examples(sorted(category_words))},
    ]
    nlu += [{"synonym": v, "examples": _examples(sorted(vs))} for v, vs in sorted(grouped.items())]
    return {"version": "3.1", "nlu": nlu}


def _examples(items: list[str]) -> str:
    return "".join(f"- {item}\n" for item in items)


class _Literal(str):
    pass


def _literal(dumper: yaml.Dumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


def has_products(session: Session) -> bool:
    from catalog import products as catalog_products

    return catalog_products.any_exist(session)


def write_generated(session: Session, path: Path = GENERATED) -> bool:
    """Regenerate the catalog NLU file; True when its content changed."""
    doc = catalog_nlu(session)
    for item in doc["nlu"]:
        item["examples"] = _Literal(item["examples"])
    dumper = yaml.SafeDumper
    dumper.add_representer(_Literal, _literal)
    text = "# generated by `kaarigar train` from the catalog database: do not edit\n"
    text += yaml.dump(doc, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def fingerprint(root: Path = ROOT) -> str:
    """Hash of everything a model is trained from: config, domain, data, our components, pinned
    requirements (and the packages installed without dependencies)."""
    digest = hashlib.sha256()
    files = [root / CONFIG.relative_to(ROOT), root / rasa_env.REQUIREMENTS.relative_to(ROOT)]
    files += sorted((root / DOMAIN.relative_to(ROOT)).rglob("*.yml"))
    files += sorted((root / DATA.relative_to(ROOT)).rglob("*.yml"))
    files += sorted((root / COMPONENTS.relative_to(ROOT)).rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update("\n".join(rasa_env.NO_DEPS).encode())
    return digest.hexdigest()[:16]


def model_path(fp: str | None = None) -> Path:
    return MODELS / f"{PREFIX}{fp or fingerprint()}.tar.gz"


@dataclass(frozen=True)
class TrainResult:
    model: Path
    trained: bool
    seconds: float


def cached_model(target: Path) -> Path:
    """Where a model is kept outside the checkout, beside the Rasa environment: a fresh clone
    (or another worktree) with the same fingerprint, i.e. the same inputs, reuses it."""
    return rasa_env.cache_root() / "models" / target.name


def train(*, force: bool = False, echo=print) -> TrainResult:  # type: ignore[no-untyped-def]
    """Train a model unless one for the current fingerprint exists here or in the cache; returns
    its path."""
    target = model_path()
    if target.exists() and not force:
        _keep(target)
        return TrainResult(target, False, 0.0)
    env = rasa_env.ensure(echo=echo)
    MODELS.mkdir(exist_ok=True)
    with rasa_env.file_lock(MODELS / ".train.lock"):  # one training at a time on this machine
        if target.exists() and not force:  # someone else just trained it
            return TrainResult(target, False, 0.0)
        cached = cached_model(target)
        if cached.exists() and not force:
            echo(f"model {target.name} found in {cached.parent}: not training")
            _copy(cached, target)
            return TrainResult(target, False, 0.0)
        result = _train(env, target)
        _keep(target, replace=True)
        return result


KEEP_CACHED = 6  # models kept in the cache, newest first


def _keep(model: Path, *, replace: bool = False) -> None:
    """Put a model in the cache (unless it is there) and drop the oldest beyond KEEP_CACHED."""
    cached = cached_model(model)
    if cached.exists() and not replace:
        return
    cached.parent.mkdir(parents=True, exist_ok=True)
    _copy(model, cached)
    kept = sorted(cached.parent.glob(f"{PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in kept[:-KEEP_CACHED]:
        old.unlink(missing_ok=True)


def _copy(source: Path, dest: Path) -> None:
    """Copy through a temporary name, so a reader never sees half a model."""
    part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    shutil.copyfile(source, part)
    part.replace(dest)


def _train(env: Path, target: Path) -> TrainResult:
    """Run `rasa train` into ``target`` (the caller holds the training lock)."""
    cmd = [
        *rasa_env.rasa_command(env),
        "train",
        "--config", str(CONFIG),
        "--domain", str(DOMAIN),
        "--data", str(DATA),
        "--out", str(MODELS),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(cmd, check=True, cwd=ROOT, env=rasa_environ())
    return TrainResult(target, True, time.monotonic() - started)


def rasa_environ() -> dict[str, str]:
    """The environment for rasa subprocesses: quiet TensorFlow, no telemetry."""
    env = dict(os.environ)
    env.update(TF_CPP_MIN_LOG_LEVEL="3", RASA_TELEMETRY_ENABLED="false", PYTHONWARNINGS="ignore")
    # config.yml names our own components (nlu/components) by module path
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("VIRTUAL_ENV", None)
    return env
