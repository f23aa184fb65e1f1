#!/usr/bin/python3
"""Comity models against the baselines, per attribute and per Perspective-scored source, on the
same rows.

Reads the --predictions JSONL of the baselines (tfidf_logreg.py, fasttext_baseline.py; several
files are merged by (split, attribute, text)), scores the unique texts of one split with each
Comity model (`comity score`), and reports, for every attribute x row (all texts, the rtp_*
texts, each source file) x predictor: n, positives (Perspective >= 0.5), ROC-AUC and Spearman
against the Perspective score, computed by baselines/common.py:quality like the baseline
reports. Within one attribute every predictor is scored on the same texts: a text that some
predictor lacks is dropped (and counted).

Usage: /usr/bin/python3 bench/compare_models.py --predictions FILE [--predictions FILE ...]
           --model NAME=PATH [--model NAME=PATH ...] [--comity BIN] [--split test] [--threads 2]
           [--out JSON] [--markdown MD]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "baselines"))
import common  # noqa: E402

ROW_FIELDS = ("split", "attribute", "source", "text", "score")
MIN_CLASS = 10  # a row counts in the summary with at least this many positives and negatives


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", action="append", required=True, metavar="FILE",
                        help="baseline predictions JSONL (repeatable)")
    parser.add_argument("--model", action="append", default=[], metavar="NAME=PATH",
                        help="a Comity model file to score (repeatable)")
    parser.add_argument("--comity", default=os.path.join(common.REPO_ROOT, "build", "release", "comity"))
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--threads", type=int, default=2, help="comity score -j (default 2)")
    parser.add_argument("--out", help="also write the JSON report to this file")
    parser.add_argument("--markdown", metavar="MD", help="write the Markdown report to this file")
    args = parser.parse_args(argv)
    models = []
    for spec in args.model:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            parser.error(f"--model wants NAME=PATH, got {spec!r}")
        models.append((name, path))
    if len({n for n, _ in models}) != len(models):
        parser.error("--model names must be unique")
    args.model = models
    return args


def load_predictions(paths, split):
    """(attribute, text) -> merged row of one split; baseline keys are every non-row field."""
    merged, baselines = {}, []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row["split"] != split:
                    continue
                key = (row["attribute"], row["text"])
                known = merged.setdefault(key, {k: row[k] for k in ROW_FIELDS})
                if (known["score"], known["source"]) != (row["score"], row["source"]):
                    raise SystemExit(f"{path}: score/source of one {row['attribute']} text differs between files")
                for name, value in row.items():
                    if name not in ROW_FIELDS:
                        known[name] = value
                        if name not in baselines:
                            baselines.append(name)
    return merged, baselines


def score_with_comity(binary, model_path, texts, threads):
    """{text: {attribute: score}} from `comity score` over a temporary JSONL file."""
    with tempfile.TemporaryDirectory(prefix="comity-compare-") as tmp:
        path = os.path.join(tmp, "texts.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i, text in enumerate(texts):
                f.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")
        child = subprocess.run([binary, "score", "--format", "jsonl", "--text-field", "text", "--id-field", "id",
                                "-m", model_path, "-j", str(threads), path],
                               capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"{binary} score -m {model_path} failed ({child.returncode}): {child.stderr[-2000:]}")
    scores = {}
    for line in child.stdout.splitlines():
        result = json.loads(line)
        if "scores" in result:
            scores[texts[int(result["id"])]] = result["scores"]
    if len(scores) != len(texts):
        print(f"warning: {model_path}: {len(texts) - len(scores)} of {len(texts)} texts not scored: "
              f"{child.stderr[-500:]}", file=sys.stderr)
    return scores


def group_rows(rows):
    """Report rows: all, rtp (sources starting with rtp_), then each source."""
    groups = {"all": rows, "rtp": [r for r in rows if r["source"].startswith("rtp_")]}
    for source in sorted({r["source"] for r in rows}):
        groups[source] = [r for r in rows if r["source"] == source]
    return {name: members for name, members in groups.items() if members}


def compare(merged, baselines, comity, split):
    """Metrics per attribute x row x predictor, every predictor on the same texts."""
    report = {"split": split, "baselines": baselines, "comity_models": list(comity), "attributes": {}}
    for attribute in [a for a in common.ATTRIBUTES if any(k[0] == a for k in merged)]:
        rows = [dict(r) for (a, _), r in merged.items() if a == attribute]
        for name, scores in comity.items():
            for r in rows:
                if attribute in scores.get(r["text"], {}):
                    r[name] = scores[r["text"]][attribute]
        predictors = [p for p in baselines + list(comity) if any(p in r for r in rows)]
        kept = [r for r in rows if all(p in r for p in predictors)]
        if len(kept) < len(rows):
            print(f"warning: {attribute}: {len(rows) - len(kept)} texts dropped (a predictor lacks them)",
                  file=sys.stderr)
        groups = {}
        for name, members in group_rows(kept).items():
            y = [r["score"] for r in members]
            groups[name] = {"n": len(members), "positives": sum(v >= 0.5 for v in y),
                            "predictors": {p: common.quality(y, [r[p] for r in members]) for p in predictors}}
        report["attributes"][attribute] = {"predictors": predictors, "texts": len(kept),
                                           "dropped": len(rows) - len(kept), "rows": groups}
    report["summary"] = summarise(report)
    return report


def summarise(report):
    """Per Comity model: rows where it beats the best baseline on ROC-AUC and on Spearman."""
    summary = {}
    for model in report["comity_models"]:
        counts = {"eligible_rows": 0, "ahead_roc_auc": 0, "ahead_spearman": 0}
        for entry in report["attributes"].values():
            baselines = [p for p in entry["predictors"] if p in report["baselines"]]
            if model not in entry["predictors"] or not baselines:
                continue
            for name, group in entry["rows"].items():
                if min(group["positives"], group["n"] - group["positives"]) < MIN_CLASS:
                    continue
                counts["eligible_rows"] += 1
                for metric in ("roc_auc", "spearman"):
                    ours = group["predictors"][model][metric]
                    best = max((v for v in (group["predictors"][b][metric] for b in baselines) if v is not None),
                               default=None)
                    if ours is not None and (best is None or ours > best):
                        counts[f"ahead_{metric}"] += 1
        summary[model] = counts
    return summary


def cell(value):
    return "–" if value is None else f"{value:.3f}"


def markdown(report):
    lines = [f"# Comity models vs baselines ({report['split']} split)", "",
             "Cells are ROC-AUC / Spearman against the Perspective score (positive: Perspective >= 0.5), "
             "from `bench/baselines/common.py:quality`; the best ROC-AUC and the best Spearman of each row are "
             "in bold. Within an attribute every predictor is scored on the same texts. `rtp` = sources "
             "starting with `rtp_`.", ""]
    for attribute, entry in report["attributes"].items():
        predictors = entry["predictors"]
        lines += [f"## {attribute}", "", "| rows | n (pos) | " + " | ".join(predictors) + " |",
                  "|---|---|" + "---|" * len(predictors)]
        for name, group in entry["rows"].items():
            metrics = group["predictors"]
            best = {m: max((metrics[p][m] for p in predictors if metrics[p][m] is not None), default=None)
                    for m in ("roc_auc", "spearman")}
            cells = []
            for p in predictors:
                parts = []
                for m in ("roc_auc", "spearman"):
                    text = cell(metrics[p][m])
                    parts.append(f"**{text}**" if metrics[p][m] is not None and metrics[p][m] == best[m] else text)
                cells.append(" / ".join(parts))
            lines.append(f"| {name} | {group['n']:,} ({group['positives']:,}) | " + " | ".join(cells) + " |")
        if entry["dropped"]:
            lines.append(f"\n{entry['dropped']} texts dropped because a predictor lacks them.")
        lines.append("")
    lines += ["## Summary", "",
              f"Rows (attribute x all / rtp / source; `all` and `rtp` overlap the per-source rows) with at least "
              f"{MIN_CLASS} positives and {MIN_CLASS} negatives on which each Comity model is strictly ahead of "
              "the best baseline of that row (metrics rounded to 4 decimals).", "",
              "| model | eligible rows | ahead on ROC-AUC | ahead on Spearman |", "|---|---|---|---|"]
    for model, counts in report["summary"].items():
        lines.append(f"| {model} | {counts['eligible_rows']} | {counts['ahead_roc_auc']} | "
                     f"{counts['ahead_spearman']} |")
    return "\n".join(lines) + "\n"


def main(argv):
    args = parse_args(argv)
    merged, baselines = load_predictions(args.predictions, args.split)
    if not merged:
        raise SystemExit(f"no {args.split} rows in {', '.join(args.predictions)}")
    texts = sorted({text for _, text in merged})
    comity = {}
    for name, path in args.model:
        print(f"scoring {len(texts)} {args.split} texts with {name} ({path})", file=sys.stderr)
        comity[name] = score_with_comity(args.comity, path, texts, args.threads)
    report = compare(merged, baselines, comity, args.split)
    report["models"] = dict(args.model)
    report["predictions"] = args.predictions
    if args.markdown:
        os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(markdown(report))
    for model, counts in report["summary"].items():
        print(f"{model}: ahead of the best baseline on {counts['ahead_roc_auc']} / {counts['eligible_rows']} rows "
              f"by ROC-AUC, {counts['ahead_spearman']} / {counts['eligible_rows']} by Spearman "
              f"(rows with >= {MIN_CLASS} positives and negatives)", file=sys.stderr)
    common.write_json(report, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
