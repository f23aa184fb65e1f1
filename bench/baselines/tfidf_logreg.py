#!/usr/bin/python3
"""TF-IDF (word 1-2-grams + char_wb 2-5-grams) baselines against Perspective scores.

Two models per attribute, both fitted on the train split and tuned on dev:
  logreg - LogisticRegression on the hard label score >= 0.5, output P(positive);
  ridge  - Ridge regression on logit(clip(score)), output sigmoid(prediction).
Reported on the test split (never used for fitting or tuning). The serving cost (vectorise +
predict, single thread) is measured for TOXICITY in a fresh process so that peak RSS reflects a
loaded model rather than the training run.

With --recipe FILE, a third model per attribute:
  logreg_all - the same LogisticRegression, trained on the Perspective train rows plus the
               train-split rows of the recipe's human-labelled datasets (recipe_data.py), each
               only for the attributes its label mapping names; labels >= 0.5 are positive.
               C is tuned on the Perspective dev rows like logreg's. The vocabulary is then fitted
               on the Perspective train texts plus those added train texts (for all models).

With --predictions FILE, also writes every dev and test prediction as JSONL (one line per text
and attribute: split, attribute, source, text, score = Perspective, logreg, ridge[, logreg_all])
for bench/compare_models.py.

Usage: /usr/bin/python3 bench/baselines/tfidf_logreg.py [--data DIR] [--out FILE] [--threads 1]
                                                        [--predictions FILE] [--recipe FILE]
"""

import argparse
import json
import os
import pickle
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import recipe_data  # noqa: E402

LOGIT_EPS = 0.01  # Perspective scores of exactly 0/1 would otherwise become infinite targets
LOGREG_C_GRID = (1.0, 4.0, 16.0)
RIDGE_ALPHA_GRID = (0.3, 1.0, 3.0)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_data_argument(parser)
    parser.add_argument("--out", help="also write the JSON report to this file")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/solver threads (default 1, for fairness)")
    parser.add_argument("--attributes", default=",".join(common.ATTRIBUTES), help="comma-separated list")
    parser.add_argument("--word-features", type=int, default=200_000)
    parser.add_argument("--char-features", type=int, default=300_000)
    parser.add_argument("--no-tune", action="store_true", help="use C=4 / alpha=1 instead of a dev grid")
    parser.add_argument("--predictions", metavar="FILE", help="also write dev and test predictions (JSONL)")
    parser.add_argument("--recipe", metavar="FILE",
                        help="also fit logreg_all on the Perspective train rows plus this Comity recipe's "
                        "human-labelled train rows")
    parser.add_argument("--serve", metavar="MODEL", help=argparse.SUPPRESS)  # internal: timing child
    parser.add_argument("--texts", metavar="JSON", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def make_vectorizer(word_features, char_features):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    common_options = dict(sublinear_tf=True, min_df=2, lowercase=True, dtype=_float32())
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), max_features=word_features, **common_options)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=char_features, **common_options)),
        ]
    )


def _float32():
    import numpy as np

    return np.float32


class LogRegModel:
    name = "logreg"

    def __init__(self, c):
        from sklearn.linear_model import LogisticRegression

        self.param = {"C": c}
        self.model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)

    def fit(self, x, scores):
        import numpy as np

        self.model.fit(x, (np.asarray(scores) >= 0.5).astype(np.int8))
        return self

    def predict(self, x):
        return self.model.predict_proba(x)[:, 1]


class LogRegAllModel(LogRegModel):
    """LogRegModel fitted on Perspective scores and recipe labels together (both binarised at 0.5)."""

    name = "logreg_all"


class RidgeModel:
    name = "ridge"

    def __init__(self, alpha):
        from sklearn.linear_model import Ridge

        self.param = {"alpha": alpha}
        self.model = Ridge(alpha=alpha, solver="lsqr")  # orders of magnitude faster than sag/sparse_cg here

    def fit(self, x, scores):
        from scipy.special import logit

        import numpy as np

        self.model.fit(x, logit(np.clip(np.asarray(scores, dtype=np.float64), LOGIT_EPS, 1 - LOGIT_EPS)))
        return self

    def predict(self, x):
        from scipy.special import expit

        return expit(self.model.predict(x))


def fit_tuned(model_class, grid, x_train, y_train, x_dev, y_dev):
    """Fits one model per grid value and keeps the best dev Spearman."""
    best, best_dev, tried = None, None, []
    for value in grid:
        model = model_class(value).fit(x_train, y_train)
        dev = common.quality(y_dev, model.predict(x_dev))
        tried.append({**model.param, "dev_spearman": dev["spearman"]})
        if best is None or (dev["spearman"] or -1) > (best_dev["spearman"] or -1):
            best, best_dev = model, dev
    return best, best_dev, tried


def serve(model_path, texts_path):
    """Child process: load a pickled (vectorizer, model), score the texts, report cost."""
    start = time.perf_counter()
    with open(model_path, "rb") as f:
        vectorizer, model = pickle.load(f)
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predictions = model.predict(vectorizer.transform(texts))
    seconds = time.perf_counter() - start
    assert len(predictions) == len(texts)
    json.dump(
        {
            "comments": len(texts),
            "load_seconds": round(load_seconds, 3),
            "predict_seconds": round(seconds, 3),
            "comments_per_second": round(len(texts) / seconds, 1),
            "peak_rss_mib": common.peak_rss_mib_since_exec(),
        },
        sys.stdout,
    )


def measure_serving(vectorizer, model, texts, threads):
    with tempfile.TemporaryDirectory(prefix="comity-tfidf-") as tmp:
        model_path = os.path.join(tmp, "model.pkl")
        texts_path = os.path.join(tmp, "texts.json")
        with open(model_path, "wb") as f:
            pickle.dump((vectorizer, model), f, protocol=pickle.HIGHEST_PROTOCOL)
        with open(texts_path, "w", encoding="utf-8") as f:
            json.dump(texts, f)
        import subprocess

        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--serve", model_path, "--texts", texts_path,
             "--threads", str(threads)],
            check=True, capture_output=True, text=True,
        )
        result = json.loads(child.stdout)
        result["model_file_mib"] = round(os.path.getsize(model_path) / 2**20, 1)
        return result


def evaluate(model, rows, x_of):
    """Test metrics overall, on the rtp_* texts, and per source file."""
    predictions = model.predict(x_of(rows))
    by_source = {}
    for row, p in zip(rows, predictions):
        by_source.setdefault(row.source, ([], []))
        by_source[row.source][0].append(row.score)
        by_source[row.source][1].append(p)
    rtp = [(r.score, p) for r, p in zip(rows, predictions) if r.source.startswith("rtp_")]
    return {
        "all": common.quality([r.score for r in rows], predictions),
        "rtp": common.quality([s for s, _ in rtp], [p for _, p in rtp]),
        "by_source": {s: common.quality(y, p) for s, (y, p) in sorted(by_source.items())},
    }


def write_predictions(path, lines):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def prediction_lines(attribute, rows, predictions):
    """One --predictions line per dev/test text: the Perspective score and each model's output."""
    for split in ("dev", "test"):
        for i, r in enumerate(rows[split]):
            yield {"split": split, "attribute": attribute, "source": r.source, "text": r.text, "score": r.score,
                   **{name: float(p[split][i]) for name, p in predictions.items()}}


def main(argv):
    args = parse_args(argv)
    common.limit_threads(args.threads)
    if args.serve:
        serve(args.serve, args.texts)
        return
    import numpy as np

    started = time.perf_counter()
    data = common.load_perspective(args.data)
    wanted = [a for a in args.attributes.split(",") if a]
    attributes = [a for a in wanted if a in data.attributes()]

    # Train-split rows of the recipe's human-labelled datasets (only for logreg_all).
    added, recipe_summary = [], None
    if args.recipe:
        labelled, recipe_summary = recipe_data.load_recipe_datasets(args.recipe, args.data)
        added = [r for r in labelled if r.split == "train"]

    # One vocabulary for every attribute: fitted on all train texts, so dev/test never leak in.
    train_texts = data.texts("train")
    known = set(train_texts)
    added_texts = list(dict.fromkeys(r.text for r in added if r.text not in known))
    train_texts += added_texts
    vectorizer = make_vectorizer(args.word_features, args.char_features)
    t0 = time.perf_counter()
    vectorizer.fit(train_texts)
    for _, part in vectorizer.transformer_list:
        part.stop_words_ = None  # large, only kept for introspection; drop before pickling
    fit_vectorizer_seconds = time.perf_counter() - t0
    all_texts = data.texts()
    row_of = {t: i for i, t in enumerate(all_texts)}
    x_all = vectorizer.transform(all_texts).tocsr()

    def x_of(rows):
        return x_all[np.fromiter((row_of[r.text] for r in rows), dtype=np.int64, count=len(rows))]

    if added:
        import scipy.sparse

        added_of = {t: i for i, t in enumerate(dict.fromkeys(r.text for r in added))}
        x_added = vectorizer.transform(list(added_of)).tocsr()

    report = {
        "baseline": "tfidf word1-2 + char_wb2-5, sublinear tf, min_df 2",
        "split_rule": "fnv1a64(utf8 text) % 10: 0-7 train, 8 dev, 9 test",
        "data": os.path.abspath(common.perspective_dir(args.data)),
        "threads": args.threads,
        "unique_texts": len(data),
        "features": int(x_all.shape[1]),
        "fit_vectorizer_seconds": round(fit_vectorizer_seconds, 1),
        "attributes": {},
    }
    if args.recipe:
        report["recipe"] = {
            "path": os.path.abspath(args.recipe),
            "vocabulary_fitted_on": "Perspective train texts plus the recipe datasets' train texts "
                                    "(for every model of this run)",
            "vocabulary_texts": {"perspective_train": len(known), "added_train": len(added_texts)},
            "train_rows_added": len(added),
            "datasets": recipe_summary,
        }
    lines = []
    for attribute in attributes:
        rows = {s: data.examples(attribute, s) for s in common.SPLITS}
        y = {s: [r.score for r in rows[s]] for s in common.SPLITS}
        x_train, x_dev = x_of(rows["train"]), x_of(rows["dev"])
        entry = {"counts": {s: len(rows[s]) for s in common.SPLITS},
                 "test_positives": int(sum(v >= 0.5 for v in y["test"])), "models": {}}
        predictions = {}
        fits = [(LogRegModel, LOGREG_C_GRID, 4.0, x_train, y["train"], {}),
                (RidgeModel, RIDGE_ALPHA_GRID, 1.0, x_train, y["train"], {})]
        if args.recipe:
            # Perspective train rows plus the recipe rows that label this attribute.
            extra = [r for r in added if attribute in r.labels]
            x_train_all = x_train
            if extra:
                index = np.fromiter((added_of[r.text] for r in extra), dtype=np.int64, count=len(extra))
                x_train_all = scipy.sparse.vstack([x_train, x_added[index]], format="csr")
            y_extra = [r.labels[attribute] for r in extra]
            fits.append((LogRegAllModel, LOGREG_C_GRID, 4.0, x_train_all, y["train"] + y_extra,
                         {"train_perspective": len(y["train"]), "train_added": len(extra),
                          "train_added_positives": sum(v >= 0.5 for v in y_extra)}))
        for model_class, grid, default, x_fit, y_fit, counts in fits:
            if issubclass(model_class, LogRegModel) and sum(v >= 0.5 for v in y_fit) < 2:
                entry["models"][model_class.name] = {"skipped": "fewer than 2 train positives", **counts}
                continue
            t0 = time.perf_counter()
            model, dev, tried = fit_tuned(model_class, (default,) if args.no_tune else grid,
                                          x_fit, y_fit, x_dev, y["dev"])
            result = {"param": model.param, "grid": tried, "fit_seconds": round(time.perf_counter() - t0, 1),
                      **counts, "dev": dev, "test": evaluate(model, rows["test"], x_of)}
            if attribute == "TOXICITY":
                texts = [r.text for r in rows["test"]]
                t0 = time.perf_counter()
                model.predict(vectorizer.transform(texts))
                in_process = time.perf_counter() - t0
                result["throughput_in_process"] = {"comments": len(texts),
                                                   "comments_per_second": round(len(texts) / in_process, 1)}
                result["serving"] = measure_serving(vectorizer, model, texts, args.threads)
            entry["models"][model_class.name] = result
            if args.predictions:
                predictions[model_class.name] = {s: model.predict(x_of(rows[s])) for s in ("dev", "test")}
            print(f"{attribute} {model_class.name} {model.param}: test {result['test']['all']}", file=sys.stderr)
        report["attributes"][attribute] = entry
        if args.predictions:
            lines.extend(prediction_lines(attribute, rows, predictions))
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    report["peak_rss_mib_training_process"] = common.peak_rss_mib()
    if args.predictions:
        write_predictions(args.predictions, lines)
    common.write_json(report, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
