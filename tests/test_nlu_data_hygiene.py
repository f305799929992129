"""NLU data hygiene: no training sentence is also an evaluation sentence.

Training data (nlu/data/nlu/*.yml) is compared with every set the NLU is measured on:
tests/nlu/test.yml and tests/nlu/dev.yml (the splits), bench/data/*.yml (the benchmark's own
out-of-scope set) and ../shared/eval/*.yml (real traffic, shared out-of-scope; skipped when absent).
Sentences are normalised (entity annotations [x](y) reduced to x, lower case, punctuation removed,
spaces collapsed); an overlap is a normalised sentence of at least 3 words found in both.

Run as a script to list the overlaps by set (the training side is printed, so nothing is read
out of the evaluation files but what training already holds):

    .venv/bin/python tests/test_nlu_data_hygiene.py
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "nlu" / "data" / "nlu"
MIN_WORDS = 3

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    """Lower case, annotations reduced to their surface, punctuation dropped, spaces collapsed."""
    text = _ANNOTATION.sub(r"\1", text)
    text = unicodedata.normalize("NFKC", text).lower()
    # keep letters, digits and combining marks of every script (Devanagari matras, Urdu diacritics)
    kept = [
        ch if (ch.isalnum() or unicodedata.category(ch).startswith("M")) else " " for ch in text
    ]
    return " ".join("".join(kept).split())


def _example_lines(block: str) -> list[str]:
    return [re.sub(r"^\s*-\s*", "", line) for line in block.splitlines() if line.strip()]


def sentences(path: Path) -> list[str]:
    """The example sentences of a Rasa NLU file or of a list of {text: ...} items."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[str] = []
    items = doc.get("nlu", []) if isinstance(doc, dict) else (doc or [])
    for item in items or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            if "intent" in item and "examples" in item:  # lookups and synonyms are word lists
                exs = item.get("examples")
                if isinstance(exs, str):
                    out += _example_lines(exs)
                elif isinstance(exs, list):
                    out += [str(e.get("text", "")) if isinstance(e, dict) else str(e) for e in exs]
            elif "text" in item:
                out.append(str(item["text"]))
    return out


def training_sentences() -> dict[str, str]:
    """Normalised sentence -> the training file holding it (sentences of >= MIN_WORDS words)."""
    found: dict[str, str] = {}
    for path in sorted(TRAINING.glob("*.yml")):
        for s in sentences(path):
            n = normalise(s)
            if len(n.split()) >= MIN_WORDS:
                found.setdefault(n, path.name)
    return found


def evaluation_sets() -> list[Path]:
    sets = [REPO / "tests" / "nlu" / "test.yml", REPO / "tests" / "nlu" / "dev.yml"]
    sets += sorted((REPO / "bench" / "data").glob("*.yml"))
    sets += sorted((REPO.parent / "shared" / "eval").glob("*.yml"))
    return [p for p in sets if p.exists()]


def overlaps(eval_path: Path, train: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(training file, normalised sentence) of every training sentence also in ``eval_path``."""
    train = training_sentences() if train is None else train
    seen = {normalise(s) for s in sentences(eval_path)}
    return sorted((train[n], n) for n in seen if n in train)


@pytest.mark.parametrize(
    "eval_path", evaluation_sets(), ids=lambda p: str(p.relative_to(REPO.parent))
)
def test_no_training_sentence_is_an_evaluation_sentence(eval_path: Path) -> None:
    found = overlaps(eval_path)
    assert found == [], f"{len(found)} training sentences are also in {eval_path.name}: {found}"


def test_normalise_strips_annotations_case_and_punctuation() -> None:
    assert normalise("Do you have [Kullu Shawl](product)?!") == "do you have kullu shawl"
    assert normalise('[लाल]{"entity": "color"} वाला  दिखाओ।') == "लाल वाला दिखाओ"
    assert normalise("کیا [شال](product) ہے؟") == "کیا شال ہے"


def test_overlap_is_found_in_a_list_set(tmp_path: Path) -> None:
    probe = tmp_path / "probe.yml"
    probe.write_text(  # items as the shared sets hold them: text with an intent beside it
        "- text: 'Hello, World: a b'\n- {text: 'x y z', intent: greet}\n- {text: 'P q r', intent: x}\n",
        encoding="utf-8",
    )
    train = {"hello world a b": "t.yml", "p q r": "t.yml"}
    assert overlaps(probe, train) == [("t.yml", "hello world a b"), ("t.yml", "p q r")]


if __name__ == "__main__":
    train = training_sentences()
    total = 0
    for path in evaluation_sets():
        found = overlaps(path, train)
        total += len(found)
        print(f"{path.relative_to(REPO.parent)}: {len(found)} overlaps")
        for file, sentence in found:
            print(f"   {file}: {sentence}")
    print(f"total {total}")
