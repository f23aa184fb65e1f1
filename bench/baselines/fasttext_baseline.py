#!/usr/bin/python3
"""fastText (Debian's `fasttext` binary) TOXICITY baseline against Perspective scores.

Trains a supervised classifier on the train split (__label__toxic when Perspective >= 0.5, else
__label__ok; wordNgrams 2, char n-grams 2-5, dim 50, 10 epochs, fixed seed, one thread because
fastText is only deterministic with one), then scores the test split with `predict-prob` and
reports the same metrics as tfidf_logreg.py. Throughput is the wall clock of the whole
`fasttext predict-prob` command over the test file; the time to load the model (measured by
predicting an empty file) is reported separately so it can be subtracted. All files live in a
temporary directory. With --predictions FILE, also writes every dev and test prediction as JSONL
(split, attribute, source, text, score = Perspective, fasttext) for bench/compare_models.py.

Usage: /usr/bin/python3 bench/baselines/fasttext_baseline.py [--data DIR] [--out FILE] [--predictions FILE]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ATTRIBUTE = "TOXICITY"
POSITIVE, NEGATIVE = "__label__toxic", "__label__ok"
_WHITESPACE = re.compile(r"\s+")


def fasttext_line(text: str) -> str:
    # fastText reads one example per line and splits on whitespace; it does not lowercase.
    return _WHITESPACE.sub(" ", text).strip().lower()


def run_timed(command, stdout_path=None):
    """Runs a command, returning (seconds, peak RSS MiB of that child alone)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr = child.stderr.read().decode("utf-8", "replace")
        child.stderr.close()
    finally:
        if stdout_path:
            out.close()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {stderr[-2000:]}")
    return seconds, round(usage.ru_maxrss / 1024.0, 1)


def read_probabilities(path):
    """P(toxic) per line from `predict-prob ... 2` output ('__label__x p __label__y q')."""
    probabilities = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            labels = dict(zip(fields[0::2], (float(v) for v in fields[1::2])))
            if POSITIVE in labels:
                probabilities.append(labels[POSITIVE])
            else:
                probabilities.append(1.0 - labels.get(NEGATIVE, 1.0))
    return probabilities


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_data_argument(parser)
    parser.add_argument("--out", help="also write the JSON report to this file")
    parser.add_argument("--threads", type=int, default=1, help="training threads (1 = reproducible)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fasttext", default=shutil.which("fasttext") or "fasttext")
    parser.add_argument("--predictions", metavar="FILE", help="also write dev and test predictions (JSONL)")
    args = parser.parse_args(argv)

    data = common.load_perspective(args.data)
    rows = {s: data.examples(ATTRIBUTE, s) for s in common.SPLITS}
    with tempfile.TemporaryDirectory(prefix="comity-fasttext-") as tmp:
        train_path = os.path.join(tmp, "train.txt")
        with open(train_path, "w", encoding="utf-8") as f:
            for r in rows["train"]:
                f.write(f"{POSITIVE if r.score >= 0.5 else NEGATIVE} {fasttext_line(r.text)}\n")
        paths = {s: os.path.join(tmp, f"{s}.txt") for s in ("dev", "test")}
        for split, path in paths.items():
            with open(path, "w", encoding="utf-8") as f:
                for r in rows[split]:
                    f.write(fasttext_line(r.text) + "\n")
        test_path = paths["test"]
        empty_path = os.path.join(tmp, "empty.txt")
        open(empty_path, "w").close()

        model_prefix = os.path.join(tmp, "model")
        train_command = [args.fasttext, "supervised", "-input", train_path, "-output", model_prefix,
                         "-wordNgrams", "2", "-minn", "2", "-maxn", "5", "-dim", "50", "-epoch", "10",
                         "-thread", str(args.threads), "-seed", str(args.seed), "-verbose", "0"]
        train_seconds, train_rss = run_timed(train_command)
        model_path = model_prefix + ".bin"

        predictions_path = os.path.join(tmp, "predictions.txt")
        predict_seconds, predict_rss = run_timed(
            [args.fasttext, "predict-prob", model_path, test_path, "2"], predictions_path)
        load_seconds, _ = run_timed([args.fasttext, "predict-prob", model_path, empty_path, "2"])
        probabilities = read_probabilities(predictions_path)
        if len(probabilities) != len(rows["test"]):
            raise RuntimeError(f"{len(probabilities)} predictions for {len(rows['test'])} test texts")
        if args.predictions:
            dev_predictions_path = os.path.join(tmp, "dev_predictions.txt")
            run_timed([args.fasttext, "predict-prob", model_path, paths["dev"], "2"], dev_predictions_path)
            by_split = {"dev": read_probabilities(dev_predictions_path), "test": probabilities}
            if len(by_split["dev"]) != len(rows["dev"]):
                raise RuntimeError(f"{len(by_split['dev'])} predictions for {len(rows['dev'])} dev texts")
        model_mib = round(os.path.getsize(model_path) / 2**20, 1)

    test = rows["test"]
    rtp = [(r.score, p) for r, p in zip(test, probabilities) if r.source.startswith("rtp_")]
    n = len(test)
    report = {
        "baseline": "fasttext supervised (Debian fasttext binary)",
        "attribute": ATTRIBUTE,
        "split_rule": "fnv1a64(utf8 text) % 10: 0-7 train, 8 dev, 9 test",
        "train_command": " ".join(os.path.basename(c) if c.startswith(tmp) else c for c in train_command),
        "counts": {s: len(rows[s]) for s in common.SPLITS},
        "test": {
            "all": common.quality([r.score for r in test], probabilities),
            "rtp": common.quality([s for s, _ in rtp], [p for _, p in rtp]),
        },
        "train_seconds": round(train_seconds, 1),
        "train_peak_rss_mib": train_rss,
        "model_file_mib": model_mib,
        "serving": {
            "comments": n,
            "predict_prob_seconds": round(predict_seconds, 3),
            "comments_per_second": round(n / predict_seconds, 1),
            "model_load_seconds": round(load_seconds, 3),
            "comments_per_second_excluding_load": round(n / max(predict_seconds - load_seconds, 1e-9), 1),
            "peak_rss_mib": predict_rss,
            "threads": 1,
        },
    }
    if args.predictions:
        os.makedirs(os.path.dirname(os.path.abspath(args.predictions)), exist_ok=True)
        with open(args.predictions, "w", encoding="utf-8") as f:
            for split, predictions in by_split.items():
                for r, p in zip(rows[split], predictions):
                    line = {"split": split, "attribute": ATTRIBUTE, "source": r.source, "text": r.text,
                            "score": r.score, "fasttext": p}
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
    common.write_json(report, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
