#!/usr/bin/python3
"""Comity per language against a TF-IDF logistic regression trained on exactly the same examples.

Input: the trainer's example dump (`comity train ... --dump-examples FILE`; JSONL rows with text,
language, dataset, split, targets {attribute: value} for the attributes the row labels, and soft:
the attributes whose target is a reference score rather than a 0/1 label).

  tfidf  - per attribute with >= 50 positive and >= 50 negative train rows (target >= 0.5):
           tfidf_logreg.py's vectorizer, one vocabulary fitted on all unique train texts, and its
           liblinear LogisticRegression on the train rows labelling the attribute; C in (1, 4, 16)
           by the mean dev ROC-AUC over (language, dataset) groups with >= 10 positives and
           negatives (else over all dev rows; else C=4).
  comity - `comity score` over the --split rows. --language-source detect (default): comity is not
           told a row's language, like the baseline; row: the row's language is passed.

Per (language, dataset, attribute) and per (language, attribute) over all datasets, with >= 10
positives and negatives in --split: n, positives, ROC-AUC of both, Spearman against the target on
soft rows, delta. Summary: rows ahead / behind; mean TOXICITY ROC-AUC over the non-English languages
of --pooled-dataset (a name, or a prefix before '_': rtp_lx covers rtp_lx_prompts); routing accuracy
per language on texts of >= 20 characters when comity names the language it used. Rows comity
reports as errors, and rows a predictor lacks, are counted and dropped.

Memory: float32 CSR, about 500 non-zeros (4 KB) per 160-character text, and liblinear copies an
attribute's train rows at 16 bytes per non-zero: a 300k-row dump peaks at some 4-6 GiB.
--word-features / --char-features (as in tfidf_logreg.py) cap the vocabulary, barely the rows.

Usage: /usr/bin/python3 bench/compare_languages.py --examples FILE [--comity BIN] [--model PATH]
           [--split test|dev] [--language-source detect|row] [--pooled-dataset rtp_lx]
           [--predictions FILE | --reuse-predictions FILE] [--threads 1]
           [--out JSON] [--markdown MD]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "baselines"))
import common  # noqa: E402
import tfidf_logreg  # noqa: E402

MIN_TRAIN = 50  # positives and negatives an attribute needs in train to get a baseline
MIN_CLASS = 10  # positives and negatives a report row (or a dev tuning group) needs
MIN_ROUTING_CHARS = 20  # shorter texts are left out of routing accuracy (detection is a guess there)
NO_FIELD = "__compare_languages_no_such_field__"  # --language-field no row has: comity detects


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", required=True, metavar="FILE", help="the trainer's --dump-examples JSONL")
    parser.add_argument("--comity", default=os.path.join(common.REPO_ROOT, "build", "release", "comity"))
    parser.add_argument("--model", metavar="PATH", help="comity model file(s), comma-separated "
                        "(default: the binary's bundled registry)")
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--language-source", choices=("detect", "row"), default="detect",
                        help="detect: comity detects each row's language; row: it is given the row's")
    parser.add_argument("--pooled-dataset", default="rtp_lx", help="dataset (prefix) of the summary's "
                        "mean non-English TOXICITY ROC-AUC (default rtp_lx)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads and comity score -j (default 1)")
    parser.add_argument("--attributes", default=",".join(common.ATTRIBUTES),
                        help="comma-separated attributes to fit a baseline for (default: all)")
    parser.add_argument("--c-grid", default=",".join(str(c) for c in tfidf_logreg.LOGREG_C_GRID),
                        help="C values tuned on dev (one value: no tuning; a full run with the "
                        "grid takes about 5 minutes per attribute on 300k rows)")
    parser.add_argument("--word-features", type=int, default=200_000)
    parser.add_argument("--char-features", type=int, default=300_000)
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument("--predictions", metavar="FILE", help="save the tfidf dev/test predictions (JSONL)")
    reuse.add_argument("--reuse-predictions", metavar="FILE", help="read saved predictions instead of training")
    parser.add_argument("--out", help="also write the JSON report to this file")
    parser.add_argument("--markdown", metavar="MD", help="write the Markdown report to this file")
    return parser.parse_args(argv)


def load_examples(path):
    """(unique texts, rows); a row's "t" indexes the texts, so 300k rows hold each text once."""
    texts, text_id, rows, skipped = [], {}, [], 0
    with open(path, encoding="utf-8") as f:
        for row in map(json.loads, filter(str.strip, f)):
            if row.get("split") not in common.SPLITS:  # the trainer writes "none" for unsplit rows
                skipped += 1
                continue
            t = text_id.setdefault(row["text"], len(texts))
            if t == len(texts):
                texts.append(row["text"])
            targets = {a: float(v) for a, v in row.get("targets", {}).items()
                       if a in common.ATTRIBUTES and v is not None}
            rows.append({"t": t, "language": row.get("language") or "und", "dataset": row.get("dataset") or "?",
                         "split": row["split"], "targets": targets, "soft": frozenset(row.get("soft", ()))})
    return texts, rows, skipped


def class_counts(values):
    positives = sum(v >= 0.5 for v in values)
    return positives, len(values) - positives


def enough(targets):
    return min(class_counts(targets)) >= MIN_CLASS


def tuning_groups(dev, attribute):
    """Index lists of the dev rows C is tuned on: each qualifying (language, dataset), else all rows."""
    groups = defaultdict(list)
    for i, r in enumerate(dev):
        groups[r["language"], r["dataset"]].append(i)
    targets = [r["targets"][attribute] for r in dev]
    kept = [g for g in groups.values() if enough([targets[i] for i in g])]
    if not kept and enough(targets):
        kept = [list(range(len(dev)))]
    return kept, targets


def train_baseline(texts, rows, args):
    """{text index: {attribute: P(positive)}} for every dev/test text, and what was fitted."""
    import numpy as np

    started = time.perf_counter()
    train_ids = sorted({r["t"] for r in rows if r["split"] == "train"})
    eval_ids = sorted({r["t"] for r in rows if r["split"] != "train"})
    vectorizer = tfidf_logreg.make_vectorizer(args.word_features, args.char_features)
    x_train = vectorizer.fit_transform([texts[t] for t in train_ids]).tocsr()
    x_eval = vectorizer.transform([texts[t] for t in eval_ids]).tocsr()
    del vectorizer  # its vocabulary dicts are large and only the matrices are needed from here on
    train_row = {t: i for i, t in enumerate(train_ids)}
    eval_row = {t: i for i, t in enumerate(eval_ids)}
    info = {"features": int(x_train.shape[1]), "train_texts": len(train_ids), "eval_texts": len(eval_ids),
            "vectorize_seconds": round(time.perf_counter() - started, 1), "attributes": {}, "skipped": {}}
    predictions = {t: {} for t in eval_ids}

    def take(matrix, index, ids):
        return matrix[np.fromiter((index[t] for t in ids), dtype=np.int64, count=len(ids))]

    wanted = [a for a in args.attributes.split(",") if a]
    grid = tuple(float(c) for c in args.c_grid.split(",") if c)
    for attribute in (a for a in common.ATTRIBUTES if a in wanted):
        train = [r for r in rows if r["split"] == "train" and attribute in r["targets"]]
        y = [r["targets"][attribute] for r in train]
        positives, negatives = class_counts(y)
        if min(positives, negatives) < MIN_TRAIN:
            info["skipped"][attribute] = f"{positives} positive / {negatives} negative train rows (< {MIN_TRAIN})"
            continue
        t0 = time.perf_counter()
        x = take(x_train, train_row, [r["t"] for r in train])
        dev = [r for r in rows if r["split"] == "dev" and attribute in r["targets"]]
        groups, dev_y = tuning_groups(dev, attribute)
        x_dev = take(x_eval, eval_row, [r["t"] for r in dev])
        fitted = []
        for c in grid if groups else (4.0,):  # nothing to tune on: its usual C
            model = tfidf_logreg.LogRegModel(c).fit(x, y)
            p = model.predict(x_dev) if groups else None
            aucs = [common.quality([dev_y[i] for i in g], [p[i] for i in g])["roc_auc"] for g in groups]
            aucs = [a for a in aucs if a is not None]
            fitted.append((round(sum(aucs) / len(aucs), 4) if aucs else None, model))
        best_score, best = max(fitted, key=lambda f: -1 if f[0] is None else f[0])  # the first C on ties
        tried = [{"C": m.param["C"], "dev_mean_roc_auc": score} for score, m in fitted if groups]
        for t, p in zip(eval_ids, best.predict(x_eval)):
            predictions[t][attribute] = round(float(p), 6)
        info["attributes"][attribute] = {"C": best.param["C"], "train_rows": len(y), "train_positives": positives,
                                         "dev_tuning_groups": len(groups), "grid": tried,
                                         "fit_seconds": round(time.perf_counter() - t0, 1)}
        print(f"tfidf {attribute}: C={best.param['C']} dev mean ROC-AUC {best_score} "
              f"({len(y)} train rows)", file=sys.stderr)
        del x, x_dev
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["peak_rss_mib"] = common.peak_rss_mib()
    return predictions, info


def save_predictions(path, texts, predictions, info):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"meta": info}) + "\n")  # first line: what was fitted, reported on reuse
        for t, scores in predictions.items():
            f.write(json.dumps({"text": texts[t], "tfidf": scores}, ensure_ascii=False) + "\n")


def load_predictions(path, texts):
    index = {text: t for t, text in enumerate(texts)}
    predictions, info, unknown = {}, {}, 0
    with open(path, encoding="utf-8") as f:
        for row in map(json.loads, f):
            if "meta" in row:
                info = row["meta"]
            elif row["text"] in index:
                predictions[index[row["text"]]] = row["tfidf"]
            else:
                unknown += 1
    info = {**info, "reused_from": os.path.abspath(path), "texts_not_in_examples": unknown}
    return predictions, info


def score_with_comity(args, items):
    """One `comity score` output object per (text, language) item, in order; None where none came back."""
    with tempfile.TemporaryDirectory(prefix="comity-languages-") as tmp:
        path, out = os.path.join(tmp, "rows.jsonl"), os.path.join(tmp, "scores.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i, (text, language) in enumerate(items):
                f.write(json.dumps({"id": i, "text": text, "language": language}, ensure_ascii=False) + "\n")
        command = [args.comity, "score", "-f", "jsonl", path, "-o", out, "-j", str(args.threads)]
        if args.model:
            command += ["-m", args.model]
        if args.language_source == "detect":
            command += ["--language-field", NO_FIELD]
        child = subprocess.run(command, capture_output=True, text=True)
        results = [None] * len(items)
        with open(out if os.path.exists(out) else os.devnull, encoding="utf-8") as f:
            for line in f:
                try:
                    result = json.loads(line)
                except ValueError:
                    continue
                if isinstance(result.get("id"), int) and 0 <= result["id"] < len(items):
                    results[result["id"]] = result
    if child.returncode != 0:
        if all(r is None for r in results):
            raise SystemExit(f"{' '.join(command)} failed ({child.returncode}): {child.stderr[-2000:]}")
        print(f"warning: comity score exited {child.returncode}: {child.stderr[-500:]}", file=sys.stderr)
    return results


def metrics(members):
    """members: (target, soft, comity, tfidf) tuples of one report row; tfidf is None without a baseline."""
    y = [m[0] for m in members]
    positives, _ = class_counts(y)
    soft = [m for m in members if m[1]]
    entry = {"n": len(members), "positives": positives, "soft_n": len(soft)}
    for name, k in (("comity", 2), ("tfidf", 3)):
        have = members[0][k] is not None
        entry[f"{name}_roc_auc"] = common.quality(y, [m[k] for m in members])["roc_auc"] if have else None
        entry[f"{name}_spearman"] = (common.quality([m[0] for m in soft], [m[k] for m in soft])["spearman"]
                                     if have and len(soft) >= MIN_CLASS else None)
    a, b = entry["comity_roc_auc"], entry["tfidf_roc_auc"]
    entry["delta_roc_auc"] = round(a - b, 4) if a is not None and b is not None else None
    return entry


def primary(tag):
    return tag.split("-")[0].split("_")[0].lower()


def compare(rows, items, item_of, results, predictions, trained, args):
    """Report rows, dropped counts and the summary; `trained` = attributes that have a baseline."""
    groups, pooled, lx, dropped = defaultdict(list), defaultdict(list), defaultdict(list), Counter()
    for r in rows:
        result = results[item_of[r["t"], r["language"]]]
        scores = (result.get("scores") or {}) if result and "error" not in result else {}
        in_lx = primary(r["language"]) != "en" and (r["dataset"] + "_").startswith(args.pooled_dataset + "_")
        for attribute, target in r["targets"].items():
            theirs = predictions.get(r["t"], {}).get(attribute)
            if scores.get(attribute) is None or (attribute in trained and theirs is None):
                dropped[attribute] += 1
                continue
            member = (target, attribute in r["soft"], scores[attribute], theirs)
            groups[r["language"], r["dataset"], attribute].append(member)
            pooled[r["language"], attribute].append(member)
            if in_lx and attribute == "TOXICITY":
                lx[r["language"]].append(member)
    order = {a: i for i, a in enumerate(common.ATTRIBUTES)}
    languages = defaultdict(lambda: {"datasets": [], "pooled": []})
    for table, name in ((groups, "datasets"), (pooled, "pooled")):  # keys: (language, [dataset,] attribute)
        for key, members in sorted(table.items(), key=lambda kv: (kv[0][:-1], order[kv[0][-1]])):
            if enough([m[0] for m in members]):
                where = {"dataset": key[1]} if name == "datasets" else {}
                languages[key[0]][name].append({**where, "attribute": key[-1], **metrics(members)})
    # The multilingual headline: TOXICITY pooled over the --pooled-dataset datasets, mean over languages.
    lx = {lang: metrics(m) for lang, m in sorted(lx.items()) if enough([x[0] for x in m])}
    means = {}
    for name in ("comity", "tfidf"):
        aucs = [e[f"{name}_roc_auc"] for e in lx.values() if e[f"{name}_roc_auc"] is not None]
        means[f"{name}_mean_roc_auc"] = round(sum(aucs) / len(aucs), 4) if aucs else None
    keys = ("n", "positives", "comity_roc_auc", "tfidf_roc_auc")
    summary = {"by_dataset": ahead_behind(r for lang in languages.values() for r in lang["datasets"]),
               "pooled": ahead_behind(r for lang in languages.values() for r in lang["pooled"]),
               "pooled_dataset": {"name": args.pooled_dataset, "attribute": "TOXICITY", "languages": len(lx), **means,
                                  "per_language": {lang: {k: e[k] for k in keys} for lang, e in lx.items()}},
               "routing": routing(items, results)}
    return {"languages": dict(sorted(languages.items())), "dropped": dict(dropped), "summary": summary}


def ahead_behind(entries):
    counts = {"rows": 0, "ahead": 0, "behind": 0, "tied": 0}
    for e in entries:
        if e["delta_roc_auc"] is not None:
            counts["rows"] += 1
            counts["ahead" if e["delta_roc_auc"] > 0 else "behind" if e["delta_roc_auc"] < 0 else "tied"] += 1
    return counts


def routing(items, results):
    """Per row language: how often comity scored a text of >= MIN_ROUTING_CHARS in that language."""
    if not any(r and "language" in r for r in results):
        return None  # this binary does not name the language it used
    counts = defaultdict(lambda: [0, 0])
    for (text, language), result in zip(items, results):
        if result and "language" in result and "error" not in result and len(text) >= MIN_ROUTING_CHARS:
            for key in (language, "all"):
                counts[key][0] += 1
                counts[key][1] += primary(result["language"]) == primary(language)
    return {lang: {"n": n, "correct": ok, "accuracy": round(ok / n, 4)} for lang, (n, ok) in sorted(counts.items())}


def cell(value):
    return "–" if value is None else f"{value:.3f}"


def summary_lines(report):
    s, lx = report["summary"], report["summary"]["pooled_dataset"]
    lines = [f"{name}: comity ahead on {s[name]['ahead']}, behind on {s[name]['behind']}, tied on "
             f"{s[name]['tied']} of {s[name]['rows']} rows by ROC-AUC (4 decimals)"
             for name in ("by_dataset", "pooled")]
    return lines + [f"TOXICITY ROC-AUC on `{lx['name']}*`, mean over {lx['languages']} non-English languages: "
                    f"comity {cell(lx['comity_mean_roc_auc'])}, tfidf {cell(lx['tfidf_mean_roc_auc'])}",
                    f"comity errors: {report['scoring']['errors']} of {report['scoring']['items']} texts scored"]


def markdown(report):
    routes = report["summary"]["routing"]
    lines = [f"# Comity vs TF-IDF per language ({report['split']} split)", "",
             f"Examples `{report['examples']}`; comity model: {report['model']}; languages: "
             f"{report['language_source']}. ROC-AUC with positive = target >= 0.5; ρ = Spearman against the target "
             f"on the soft (reference-score) rows; Δ = comity - tfidf ROC-AUC. Rows with >= {MIN_CLASS} positives "
             "and negatives; *all* pools the language's datasets.", ""]
    for language, entry in report["languages"].items():
        lines += [f"## {language}", "", "| dataset | attribute | n | pos | comity AUC | tfidf AUC | Δ | comity ρ | "
                  "tfidf ρ |", "|---|---|---|---|---|---|---|---|---|"]
        for r in entry["datasets"] + [{"dataset": "*all*", **p} for p in entry["pooled"]]:
            delta = "–" if r["delta_roc_auc"] is None else f"{r['delta_roc_auc']:+.3f}"
            lines.append(f"| {r['dataset']} | {r['attribute']} | {r['n']:,} | {r['positives']:,} | "
                         f"{cell(r['comity_roc_auc'])} | {cell(r['tfidf_roc_auc'])} | {delta} | "
                         f"{cell(r['comity_spearman'])} | {cell(r['tfidf_spearman'])} |")
        lines.append("")
    lines += ["## Summary", ""] + [f"- {line}" for line in summary_lines(report)]
    if routes:
        lines += ["", f"Routing accuracy (texts of >= {MIN_ROUTING_CHARS} characters scored in their own language):",
                  "", "| language | n | accuracy |", "|---|---|---|"]
        lines += [f"| {lang} | {r['n']:,} | {r['accuracy']:.3f} |" for lang, r in routes.items()]
    return "\n".join(lines) + "\n"


def main(argv):
    args = parse_args(argv)
    common.limit_threads(args.threads)
    if not os.access(args.comity, os.X_OK):
        raise SystemExit(f"{args.comity}: not an executable comity binary (build it or pass --comity)")
    started = time.perf_counter()
    texts, rows, unsplit = load_examples(args.examples)
    if args.reuse_predictions:
        predictions, info = load_predictions(args.reuse_predictions, texts)
    else:
        predictions, info = train_baseline(texts, rows, args)
        if args.predictions:
            save_predictions(args.predictions, texts, predictions, info)
    # Comity scores each (text, language) of the split once, however many datasets hold it.
    split_rows = [r for r in rows if r["split"] == args.split]
    item_of = {}
    for r in split_rows:
        item_of.setdefault((r["t"], r["language"]), len(item_of))
    items = [(texts[t], language) for t, language in item_of]
    t0 = time.perf_counter()
    results = score_with_comity(args, items)
    errors = Counter(r["error"] for r in results if r and "error" in r)
    report = {"examples": os.path.abspath(args.examples), "split": args.split, "comity": args.comity,
              "model": args.model or "bundled registry", "language_source": args.language_source,
              "rows": len(rows), "unsplit_rows_skipped": unsplit, "split_rows": len(split_rows),
              "scoring": {"items": len(items), "errors": sum(errors.values()), "missing": results.count(None),
                          "error_messages": dict(errors.most_common(5)),
                          "seconds": round(time.perf_counter() - t0, 1)},
              "tfidf": info}
    report.update(compare(split_rows, items, item_of, results, predictions, info.get("attributes", {}), args))
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.markdown:
        os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(markdown(report))
    print("\n".join(summary_lines(report)), file=sys.stderr)
    common.write_json(report, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
