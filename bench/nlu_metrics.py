"""Metric maths for the Kaarigar NLU benchmark (stdlib only; no rasa import)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

OOS_INTENTS = ("nlu_fallback", "out_of_scope")

_ENT_RE = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")


def parse_annotated(text: str) -> tuple[str, list[dict]]:
    """Parse Rasa markdown-style annotations: [surface](entity), [surface](entity:value) or
    [surface]{"entity": e, "value": v}. Returns the plain text and a list of entity dicts
    {entity, value, start, end, text}."""
    import json

    plain, ents, pos = [], [], 0
    cur = 0
    for m in _ENT_RE.finditer(text):
        plain.append(text[pos:m.start()])
        cur += len(text[pos:m.start()])
        surface, spec = m.group(1), m.group(2)
        if spec.startswith("{"):
            d = json.loads(spec)
            ent, val = d["entity"], d.get("value", surface)
        else:
            inner = spec[1:-1]
            ent, _, val = inner.partition(":")
            val = val or surface
        ents.append({"entity": ent, "value": val, "start": cur, "end": cur + len(surface), "text": surface})
        plain.append(surface)
        cur += len(surface)
        pos = m.end()
    plain.append(text[pos:])
    return "".join(plain), ents


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, pred)) / len(gold)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def per_label_f1(gold: Sequence[str], pred: Sequence[str]) -> dict[str, dict]:
    """Precision/recall/F1/support for every label present in gold."""
    out = {}
    for lab in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        p, r, f = prf(tp, fp, fn)
        out[lab] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Macro-averaged F1 over the labels present in gold (predictions of other labels count as
    false negatives of the gold label and do not add a class)."""
    per = per_label_f1(gold, pred)
    if not per:
        return 0.0
    return sum(v["f1"] for v in per.values()) / len(per)


def _value_key(e: dict) -> tuple:
    return (e["entity"], str(e.get("value", "")).strip().lower())


def _span_key(e: dict) -> tuple:
    return (e["entity"], e.get("start"), e.get("end"))


def entity_counts(gold: Iterable[dict], pred: Iterable[dict], key=_value_key) -> tuple[int, int, int]:
    """tp, fp, fn for one message, comparing entities as multisets of key(e)."""
    g, p = Counter(key(e) for e in gold), Counter(key(e) for e in pred)
    tp = sum((g & p).values())
    return tp, sum(p.values()) - tp, sum(g.values()) - tp


def entity_prf(golds: Sequence[Sequence[dict]], preds: Sequence[Sequence[dict]], mode: str = "value") -> dict:
    """Micro P/R/F1 over messages. mode 'value': entity type + canonical value (case-insensitive);
    mode 'span': entity type + character span."""
    key = _value_key if mode == "value" else _span_key
    tp = fp = fn = 0
    for g, p in zip(golds, preds):
        a, b, c = entity_counts(g, p, key)
        tp, fp, fn = tp + a, fp + b, fn + c
    pr, rc, f = prf(tp, fp, fn)
    return {"precision": pr, "recall": rc, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def oos_rates(preds: Sequence[str]) -> dict:
    n = len(preds)
    fb = sum(p == "nlu_fallback" for p in preds)
    oos = sum(p == "out_of_scope" for p in preds)
    return {"n": n, "caught": (fb + oos) / n if n else 0.0,
            "nlu_fallback": fb / n if n else 0.0, "out_of_scope": oos / n if n else 0.0}


def accept_accuracy(golds: Sequence[str], accepts: Sequence[Sequence[str]], preds: Sequence[str]) -> float:
    if not golds:
        return 0.0
    return sum(p == g or p in (a or ()) for g, a, p in zip(golds, accepts, preds)) / len(golds)


def percentile(xs: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 100]."""
    if not xs:
        return 0.0
    s = sorted(xs)
    import math
    k = max(1, math.ceil(q / 100 * len(s)))
    return s[k - 1]
