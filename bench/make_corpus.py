#!/usr/bin/python3
"""Builds the fixed benchmark corpus: JSONL lines {"id", "text"}, default 20,000 comments of
about 300 characters.

Only TEST-split texts are used (project split rule: FNV-1a 64 of the UTF-8 text, bucket 9), from
the English Perspective-scored files and a set of English human-labelled sets, so a benchmark
never scores text a model trained on. Units are taken in a hash-defined order and concatenated
(joined by a space) until a comment reaches 280 characters, then cut at the last word boundary
at or before 320 characters. When the units run out, a further pass re-orders them with a
different hash salt. The output depends only on the data files, never on time or randomness.
The corpus holds real abuse; it is written under build/ and must never be committed.

Usage: /usr/bin/python3 bench/make_corpus.py --out build/bench/corpus.jsonl [--data DIR]
"""

import argparse
import csv
import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "baselines"))
import common  # noqa: E402

MIN_CHARS = 280
MAX_CHARS = 320

csv.field_size_limit(1 << 24)


def _csv_column(path, column, delimiter=","):
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=delimiter):
            yield row.get(column) or ""


def _lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield line.rstrip("\n")


def _paradetox(path):
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            yield from (row.get(c) or "" for c in ("toxic", "neutral1", "neutral2", "neutral3"))


# (name, relative path under labeled/, reader); all English.
LABELED_SOURCES = (
    ("davidson", "davidson_hate_offensive/data/labeled_data.csv", lambda p: _csv_column(p, "tweet")),
    ("olid", "olid_offenseval2019/olid-training-v1.0.tsv", lambda p: _csv_column(p, "tweet", "\t")),
    ("olid", "olid_offenseval2019/testset-levela.tsv", lambda p: _csv_column(p, "tweet", "\t")),
    ("tweeteval", "tweeteval_hate_offensive/datasets/hate/test_text.txt", _lines),
    ("hatexplain", "hatexplain/hatexplain_train.csv", lambda p: _csv_column(p, "text")),
    ("toxic_spans", "toxic_spans/data/comments.csv", lambda p: _csv_column(p, "comment_text")),
    ("stormfront", "gibert2018_stormfront_hate/stormfront_hate_sentences.csv", lambda p: _csv_column(p, "text")),
    ("toxigen", "toxigen_prompts/toxigen_seed_sentences.csv", lambda p: _csv_column(p, "text")),
    ("paradetox", "paradetox/paradetox/paradetox.tsv", _paradetox),
    ("detox", "jigsaw_detox_sentences/emnlp2021/data/test/test_10k_toxic", _lines),
    ("detox", "jigsaw_detox_sentences/emnlp2021/data/test/test_10k_normal", _lines),
)


def test_units(data_root):
    """Unique test-split texts -> name of the first source they came from."""
    units = {}
    perspective = common.load_perspective(data_root)
    for text in perspective.texts("test"):
        if text.strip():
            units.setdefault(text, "perspective")
    labeled_root = os.path.join(data_root, "labeled")
    for name, relative, reader in LABELED_SOURCES:
        path = os.path.join(labeled_root, relative)
        if not os.path.exists(path):
            print(f"make_corpus: {path} missing, skipped", file=sys.stderr)
            continue
        for text in reader(path):
            if text.strip() and common.split_of(text) == "test":
                units.setdefault(text, name)
    return units


def cut_at_word_boundary(text):
    if len(text) <= MAX_CHARS:
        return text
    head = text[: MAX_CHARS + 1]
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return (head[:cut] if cut > 0 else text[:MAX_CHARS]).rstrip()


def build_comments(units, count):
    texts = sorted(units)  # a fixed starting order before hashing
    comments, seen, used = [], set(), Counter()
    salt = 0
    while len(comments) < count:
        order = sorted(texts, key=lambda t: (common.fnv1a64(f"pass{salt}\0{t}".encode("utf-8")), t))
        parts, length = [], 0
        for text in order:
            piece = text.strip()
            parts.append(piece)
            used[units[text]] += 1
            length += len(piece) + (1 if len(parts) > 1 else 0)
            if length < MIN_CHARS:
                continue
            comment = cut_at_word_boundary(" ".join(parts))
            parts, length = [], 0
            if comment in seen:
                continue
            seen.add(comment)
            comments.append(comment)
            if len(comments) == count:
                break
        salt += 1
    return comments, salt, used


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_data_argument(parser)
    parser.add_argument("--out", required=True, help="output JSONL path, e.g. build/bench/corpus.jsonl")
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args(argv)
    data_root = args.data
    if os.path.basename(os.path.normpath(data_root)) == "perspective":
        data_root = os.path.dirname(os.path.normpath(data_root))

    units = test_units(data_root)
    if not units:
        sys.exit("make_corpus: no test-split texts found")
    comments, passes, used = build_comments(units, args.count)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for i, text in enumerate(comments):
            f.write(json.dumps({"id": f"c{i:05d}", "text": text}, ensure_ascii=False) + "\n")
    lengths = sorted(len(c) for c in comments)
    print(
        f"make_corpus: {len(comments)} comments from {len(units)} test-split units in {passes} pass(es); "
        f"chars min {lengths[0]} median {lengths[len(lengths) // 2]} max {lengths[-1]}, "
        f"mean {sum(lengths) / len(lengths):.1f}; units used per source {dict(sorted(used.items()))} -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
