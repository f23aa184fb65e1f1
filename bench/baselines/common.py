"""Shared data loading, split rule and metrics for the Comity baselines.

Only the standard library is imported at module level so that callers can limit BLAS threads
(environment variables) before numpy is loaded.
"""

import glob
import json
import os
import re
import resource
import sys
from collections import defaultdict
from dataclasses import dataclass

ATTRIBUTES = (
    "TOXICITY",
    "SEVERE_TOXICITY",
    "IDENTITY_ATTACK",
    "INSULT",
    "PROFANITY",
    "THREAT",
    "SEXUALLY_EXPLICIT",
    "FLIRTATION",
)
SPLITS = ("train", "dev", "test")

FNV_OFFSET_BASIS = 14695981039346656037
FNV_PRIME = 1099511628211
_U64 = (1 << 64) - 1

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))


def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET_BASIS
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & _U64
    return h


def split_of(text: str) -> str:
    """The project-wide split rule: FNV-1a 64 of the UTF-8 text, bucket = h % 10.

    Buckets 0-7 train, 8 dev, 9 test. Identical texts always land in the same split.
    """
    bucket = fnv1a64(text.encode("utf-8")) % 10
    if bucket <= 7:
        return "train"
    return "dev" if bucket == 8 else "test"


def limit_threads(threads: int) -> None:
    """Caps BLAS/OpenMP pools; must run before numpy is first imported to take effect."""
    if "numpy" in sys.modules:
        print("warning: numpy already imported; thread limit may not apply", file=sys.stderr)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(threads)


_DATE = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2})(?!\d))?(?:-(\d{2})(?!\d))?")


def scored_recency(scored: str) -> tuple:
    """Latest (year, month, day) mentioned in a `scored` field such as '<=2022-06' or
    '~2019-2020 (committed 2020-04)'; missing parts count as 0."""
    dates = [tuple(int(part or 0) for part in m.groups()) for m in _DATE.finditer(scored or "")]
    return max(dates) if dates else (0, 0, 0)


def perspective_dir(data: str) -> str:
    """Accepts either the shared data root or its perspective/ folder."""
    nested = os.path.join(data, "perspective")
    return nested if os.path.isdir(nested) else data


@dataclass(frozen=True)
class Example:
    text: str
    score: float
    source: str  # file stem the score came from, e.g. rtp_rescored_2024_01_13


class PerspectiveData:
    """English Perspective-scored texts, one score per (text, attribute).

    Where a text was scored by several files, each attribute takes the score from the newest
    file that has it (by the file's `scored` date); repeats inside one file are averaged.
    """

    def __init__(self, scores: dict, recency: dict):
        self._scores = scores  # text -> {attribute: (score, source)}
        self.recency = recency  # source -> (y, m, d)
        self._split = {text: split_of(text) for text in scores}

    def __len__(self) -> int:
        return len(self._scores)

    def texts(self, split: str = None):
        return [t for t in self._scores if split is None or self._split[t] == split]

    def attributes(self) -> list:
        present = {a for per_text in self._scores.values() for a in per_text}
        return [a for a in ATTRIBUTES if a in present]

    def examples(self, attribute: str, split: str, source_prefix: str = None) -> list:
        out = []
        for text, per_text in self._scores.items():
            if self._split[text] != split or attribute not in per_text:
                continue
            score, source = per_text[attribute]
            if source_prefix is None or source.startswith(source_prefix):
                out.append(Example(text, score, source))
        return out

    def split_counts(self, attribute: str) -> dict:
        counts = {s: 0 for s in SPLITS}
        for text, per_text in self._scores.items():
            if attribute in per_text:
                counts[self._split[text]] += 1
        return counts


def load_perspective(data: str) -> PerspectiveData:
    files = sorted(glob.glob(os.path.join(perspective_dir(data), "*.jsonl")))
    if not files:
        raise FileNotFoundError(f"no perspective/*.jsonl under {data}")
    sums = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0])))
    recency = {}
    for path in files:
        source = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                lang = row.get("lang")
                if lang is not None and lang != "en":
                    continue
                recency[source] = max(recency.get(source, (0, 0, 0)), scored_recency(row.get("scored")))
                for attribute, score in row["perspective"].items():
                    if attribute in ATTRIBUTES and score is not None:
                        acc = sums[row["text"]][attribute][source]
                        acc[0] += float(score)
                        acc[1] += 1
    scores = {}
    for text, per_attribute in sums.items():
        chosen = {}
        for attribute, per_source in per_attribute.items():
            # Newest first; the file name breaks ties so the choice never depends on glob order.
            source = max(per_source, key=lambda s: (recency[s], s))
            total, count = per_source[source]
            chosen[attribute] = (total / count, source)
        scores[text] = chosen
    return PerspectiveData(scores, recency)


def quality(scores, predictions) -> dict:
    """Agreement of predictions with Perspective scores; positives are Perspective >= 0.5."""
    import numpy as np
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.asarray(scores, dtype=np.float64)
    p = np.asarray(predictions, dtype=np.float64)
    positive = y >= 0.5
    result = {"n": int(len(y)), "positives": int(positive.sum())}
    if len(y) < 3 or np.std(p) == 0 or np.std(y) == 0:
        result.update(spearman=None, pearson=None, roc_auc=None, pr_auc=None)
        return result
    result["spearman"] = round(float(spearmanr(y, p).correlation), 4)
    result["pearson"] = round(float(pearsonr(y, p)[0]), 4)
    if 0 < positive.sum() < len(y):
        result["roc_auc"] = round(float(roc_auc_score(positive, p)), 4)
        result["pr_auc"] = round(float(average_precision_score(positive, p)), 4)
    else:
        result["roc_auc"] = result["pr_auc"] = None
    return result


def peak_rss_mib(who=resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024.0, 1)  # ru_maxrss is KiB on Linux


def peak_rss_mib_since_exec() -> float:
    """Peak RSS of this process image. getrusage's ru_maxrss survives fork+exec, so a child
    started from a large parent would report the parent's peak; VmHWM belongs to the new image."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return peak_rss_mib()


def write_json(obj, out_path: str = None) -> None:
    text = json.dumps(obj, indent=2, sort_keys=False)
    print(text)
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w", encoding="utf-8") as f:
            f.write(text + "\n")


def add_data_argument(parser) -> None:
    parser.add_argument(
        "--data",
        default=DEFAULT_DATA,
        help="shared data root (holding perspective/*.jsonl) or the perspective folder itself "
        f"(default {DEFAULT_DATA})",
    )
