#!/usr/bin/python3
"""Turns the raw files of bench/run_benchmarks.sh into one Markdown report.

Every figure comes from a file in --raw; a missing file leaves its row out (or says
"not measured") rather than inventing a number.

Usage: /usr/bin/python3 bench/make_report.py --raw build/bench/raw --out build/bench/report.md
"""

import argparse
import glob
import json
import os
import re
import sys

# The targets (2 cores, ~300-character comments, all eight attributes).
TARGET_COMMENTS_PER_SECOND = 20_000
TARGET_SCALING = 1.8  # "near-linear" on two cores, read as at least 90 % of 2x
TARGET_PEAK_RSS_MB = 150
TARGET_MODEL_LOAD_MS = 200
TARGET_SERVER_RPS = 5_000
TARGET_P99_MS = 5.0


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**MISSED**")


def machine(raw):
    out = {}
    for line in (read_text(os.path.join(raw, "machine.txt")) or "").splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


def time_v(path):
    """(peak RSS in KiB, wall seconds) from /usr/bin/time -v output."""
    text = read_text(path)
    if not text:
        return None, None
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    seconds = None
    if wall:
        h, m, s = wall.groups()
        seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    return (int(rss.group(1)) if rss else None), seconds


def hyperfine(path):
    data = load_json(path)
    if not data:
        return {}
    return {r["command"]: r for r in data.get("results", [])}


def google_benchmark(path):
    """name -> entry, preferring the median aggregate when repetitions ran."""
    data = load_json(path)
    if not data:
        return {}, {}
    runs = {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("run_type") == "aggregate" or name not in runs:
            runs[name] = b
    return runs, data.get("context", {})


def wrk_runs(raw, prefix="wrk"):
    runs = []
    for path in sorted(glob.glob(os.path.join(raw, f"{prefix}_*_c*.txt"))):
        m = re.search(r"_([a-z]+)_c(\d+)\.txt$", path)
        text = read_text(path) or ""
        line = re.search(r"^WRK_JSON (\{.*\})$", text, re.M)
        if not m or not line:
            continue
        result = json.loads(line.group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        result["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
        result["attributes"] = m.group(1)
        result["connections"] = int(m.group(2))
        runs.append(result)
    runs.sort(key=lambda r: (r["attributes"] != "toxicity", r["connections"]))
    return runs


def callgrind_top(path, n=10):
    """Top functions by self cost from callgrind_annotate output."""
    text = read_text(path)
    if not text:
        return None, []
    total = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)$", line)
        if m and "PROGRAM TOTALS" not in line:
            rows.append((m.group(2), m.group(3)))
        if len(rows) == n:
            break
    return (total.group(1) if total else None), rows


def perf_top(path, n=15):
    """Top symbols by self samples from `perf report --stdio -g none`."""
    text = read_text(path)
    if not text:
        return []
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+\[.\]\s+(.*)$", line)
        if m:
            rows.append((m.group(1), m.group(3), m.group(4).strip()))
        if len(rows) == n:
            break
    return rows


def short_symbol(name, limit=140):
    name = re.sub(r"^\S*?:(?=[A-Za-z_~])", "", name) if name.startswith(("???:", ".", "/")) else name
    name = re.sub(r" \[[^\]]*\]$", "", name)  # callgrind's " [object file]"
    name = name.replace("(anonymous namespace)", "{anon}")
    name = name.replace("operator()", "operator\x01")
    if "(" in name:
        name = name[: name.index("(")]  # drop the parameter list
    name = name.replace("operator\x01", "operator()")
    name = re.sub(r"nlohmann::json_abi_v[\d_]+::", "nlohmann::", name)
    while re.search(r"<[^<>]*>", name):
        name = re.sub(r"<[^<>]*>", "\x00", name)  # collapse template arguments, innermost first
    name = name.replace("\x00", "<>")
    name = name.replace("|", "\\|")
    return name if len(name) <= limit else name[: limit - 3] + "..."


def callgrind_parallel_share(path):
    """Share of instructions inside the per-comment work that `comity score` runs in parallel
    (Runner::score), from callgrind's inclusive costs; None when not found."""
    text = read_text(path)
    if not text:
        return None
    total = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
    worker = re.search(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+[^\n]*?Runner::score\(", text, re.M)
    if not total or not worker:
        return None
    return int(worker.group(1).replace(",", "")) / int(total.group(1).replace(",", ""))


def find_toxicity_quality(eval_json):
    """{suite: metrics} for TOXICITY from `comity eval` JSON, whatever its nesting."""
    found = {}
    if not isinstance(eval_json, dict):
        return found
    for suite, result in (eval_json.get("suites") or {}).items():
        stack = [result]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                tox = node.get("TOXICITY")
                if isinstance(tox, dict) and any(k in tox for k in ("spearman", "roc_auc")):
                    found[suite] = tox
                    break
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(v for v in node if isinstance(v, (dict, list)))
    return found


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--corpus", help="the corpus comity score read (for its size)")
    parser.add_argument("--command", default="bench/run_benchmarks.sh")
    args = parser.parse_args(argv)
    raw = args.raw
    m = machine(raw)
    lines = []
    w = lines.append

    corpus_n, corpus_bytes = None, None
    if args.corpus and os.path.exists(args.corpus):
        with open(args.corpus, encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f if line.strip()]
        corpus_n = len(texts)
        corpus_bytes = sum(len(t.encode("utf-8")) for t in texts)

    w("# Comity performance report\n")
    w(f"Command: `{args.command.strip()}`  ")
    w(f"Date {m.get('date', '?')}, commit `{m.get('commit', '?')}`, {m.get('cores', '?')} cores "
      f"({m.get('cpu', '?')}), {m.get('compiler', '?')}.  ")
    w(f"Model `{os.path.basename(m.get('model', '?'))}` ({fmt(int(m['model_bytes']) / 2**20, 1) if m.get('model_bytes') else '?'} MiB).  ")
    w(f"Load average (1/5/15 min) before: {m.get('load_before', '?')}; after: {m.get('load_after', '?')}. "
      "Other processes on a 2-core machine lower every throughput figure below; ratios measured in "
      "the same run (Comity vs baselines, j2 vs j1) are the more trustworthy numbers.\n")

    # ---- end to end -----------------------------------------------------------------
    score = hyperfine(os.path.join(raw, "score_corpus.json"))
    rss_j1, _ = time_v(os.path.join(raw, "time_score_j1.txt"))
    rss_j2, _ = time_v(os.path.join(raw, "time_score_j2.txt"))
    bench, context = google_benchmark(os.path.join(raw, "comity_bench.json"))
    per_core_e2e = corpus_n / score["j1"]["median"] if "j1" in score and corpus_n else None
    two_core_e2e = corpus_n / score["j2"]["median"] if "j2" in score and corpus_n else None

    def items(name):
        b = bench.get(name)
        return b.get("items_per_second") if b and not b.get("error_occurred") else None

    score_cpu = items("BM_Score/scores_only")  # CPU time: robust to other load
    score1 = items("BM_Score/scaling/real_time/threads:1")
    score2 = items("BM_Score/scaling/real_time/threads:2")
    j1_cpu = (score["j1"].get("user") or 0) + (score["j1"].get("system") or 0) if "j1" in score else 0
    j2_cpu = (score["j2"].get("user") or 0) + (score["j2"].get("system") or 0) if "j2" in score else 0
    per_cpu_second_e2e = corpus_n / j1_cpu if corpus_n and j1_cpu else None

    # ---- model load ---------------------------------------------------------------------
    load = hyperfine(os.path.join(raw, "model_load.json"))
    model_cmd = load.get("comity model", {}).get("median")
    version_cmd = load.get("comity --version", {}).get("median")
    load_bench = bench.get("BM_ModelLoadReal")
    load_bench_ms = None
    if load_bench and not load_bench.get("error_occurred"):
        unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[load_bench.get("time_unit", "ns")]
        load_bench_ms = load_bench["real_time"] * unit

    # ---- server -----------------------------------------------------------------------------
    wrk = wrk_runs(raw)
    serve_mem = read_text(os.path.join(raw, "serve_memory.txt")) or ""
    hwm = re.search(r"VmHWM:\s+(\d+) kB", serve_mem)
    serve_rss_kib = int(hwm.group(1)) if hwm else None
    best_rps = max((r["requests_per_second"] for r in wrk), default=None)
    # wrk is closed-loop (no fixed arrival rate); "half the target load" is read as the
    # lightest level that still carried at least half of the target request rate.
    half = [r for r in wrk if r["requests_per_second"] >= TARGET_SERVER_RPS / 2]
    half_run = min(half, key=lambda r: (r["requests_per_second"], r["latency_ms"]["p99"])) if half else None

    w("## Targets\n")
    w("| target | goal | measured | ratio to goal | verdict |")
    w("|---|---|---|---|---|")
    if per_core_e2e is not None:
        w(f"| comments/s, one core, ~300 chars, 8 attributes (`comity score -j1`, end to end incl. JSON I/O) "
          f"| >= {fmt(TARGET_COMMENTS_PER_SECOND)} | {fmt(per_core_e2e)} | {per_core_e2e / TARGET_COMMENTS_PER_SECOND:.2f} "
          f"| {verdict(per_core_e2e >= TARGET_COMMENTS_PER_SECOND)} |")
    if per_cpu_second_e2e is not None:
        w(f"| comments per CPU-second, `comity score -j1` end to end (user + sys; robust to other load) "
          f"| >= {fmt(TARGET_COMMENTS_PER_SECOND)} | {fmt(per_cpu_second_e2e)} | {per_cpu_second_e2e / TARGET_COMMENTS_PER_SECOND:.2f} "
          f"| {verdict(per_cpu_second_e2e >= TARGET_COMMENTS_PER_SECOND)} |")
    if score_cpu is not None:
        w(f"| comments per CPU-second, `Scorer::score` alone (comity_bench) | >= {fmt(TARGET_COMMENTS_PER_SECOND)} "
          f"| {fmt(score_cpu)} | {score_cpu / TARGET_COMMENTS_PER_SECOND:.2f} | {verdict(score_cpu >= TARGET_COMMENTS_PER_SECOND)} |")
    if per_core_e2e and two_core_e2e:
        s = two_core_e2e / per_core_e2e
        w(f"| scaling 2 cores / 1 core, wall clock (`comity score -j2` / `-j1`) | >= {TARGET_SCALING} | {s:.2f} "
          f"| {s / 2:.2f} of linear | {verdict(s >= TARGET_SCALING)} |")
    parallel = callgrind_parallel_share(os.path.join(raw, "callgrind_inclusive.txt"))
    if parallel is not None:
        bound = 1 / ((1 - parallel) + parallel / 2)
        w(f"| Amdahl bound for `-j2` from callgrind: {parallel:.1%} of instructions run in parallel "
          f"(Runner::score), the rest (JSONL parsing, output serialisation, start-up) on one thread "
          f"| >= {TARGET_SCALING} | {bound:.2f} | {bound / 2:.2f} of linear | {verdict(bound >= TARGET_SCALING)} |")
    if j1_cpu and j2_cpu:
        w(f"| CPU cost of `-j2` relative to `-j1` (same work; 1.00 = no parallel overhead) | ~1.0 | {j2_cpu / j1_cpu:.2f} "
          f"| | {'ok' if j2_cpu / j1_cpu < 1.1 else 'overhead'} |")
    if score1 and score2:
        s = score2 / score1
        w(f"| scaling 2 threads / 1 thread (`Scorer::score`, comity_bench) | >= {TARGET_SCALING} | {s:.2f} "
          f"| {s / 2:.2f} of linear | {verdict(s >= TARGET_SCALING)} |")
    peaks = [(label, kib) for label, kib in (("`comity score -j2`", rss_j2), ("`comity score -j1`", rss_j1),
                                             ("`comity serve` after all wrk runs", serve_rss_kib)) if kib]
    for label, kib in peaks:
        mb = kib * 1024 / 1e6
        w(f"| peak RSS, {label} | < {TARGET_PEAK_RSS_MB} MB | {fmt(mb, 1)} MB ({fmt(kib / 1024, 1)} MiB) "
          f"| {mb / TARGET_PEAK_RSS_MB:.2f} | {verdict(mb < TARGET_PEAK_RSS_MB)} |")
    if load_bench_ms is not None:
        w(f"| model load, `Model::load` in process (comity_bench) | < {TARGET_MODEL_LOAD_MS} ms | {fmt(load_bench_ms, 2)} ms "
          f"| {load_bench_ms / TARGET_MODEL_LOAD_MS:.3f} | {verdict(load_bench_ms < TARGET_MODEL_LOAD_MS)} |")
    if model_cmd is not None:
        ms = model_cmd * 1e3
        extra = f" (`comity --version`: {fmt(version_cmd * 1e3, 1)} ms)" if version_cmd is not None else ""
        w(f"| model load, whole `comity model` process{extra} | < {TARGET_MODEL_LOAD_MS} ms | {fmt(ms, 1)} ms "
          f"| {ms / TARGET_MODEL_LOAD_MS:.3f} | {verdict(ms < TARGET_MODEL_LOAD_MS)} |")
    if best_rps is not None:
        w(f"| server analyze req/s on 2 cores (best wrk level; wrk shares the 2 cores) | >= {fmt(TARGET_SERVER_RPS)} "
          f"| {fmt(best_rps)} | {best_rps / TARGET_SERVER_RPS:.2f} | {verdict(best_rps >= TARGET_SERVER_RPS)} |")
        if half_run:
            p99 = half_run["latency_ms"]["p99"]
            w(f"| server p99 at >= half the target load ({half_run['attributes']}, -c{half_run['connections']}, "
              f"{fmt(half_run['requests_per_second'])} req/s) | < {TARGET_P99_MS} ms | {fmt(p99, 2)} ms "
              f"| {p99 / TARGET_P99_MS:.2f} | {verdict(p99 < TARGET_P99_MS)} |")
        else:
            w(f"| server p99 at half the target load | < {TARGET_P99_MS} ms | no level reached "
              f"{fmt(TARGET_SERVER_RPS / 2)} req/s | n/a | **MISSED** |")
    w("")

    # ---- detail: micro-benchmarks -----------------------------------------------------------
    if bench:
        w("## comity_bench (Google Benchmark" + (", median of repetitions" if any(
            b.get("run_type") == "aggregate" for b in bench.values()) else "") + ")\n")
        w("Synthetic ~300-character comments generated by the benchmark itself; all eight attributes per pass.\n")
        w("items/s and MB/s use CPU time, except the `real_time` rows (the thread-scaling pair), "
          "which use wall-clock time and so suffer from other load on the machine.\n")
        w("| benchmark | wall time per item | CPU time per item | items/s | MB/s | note |")
        w("|---|---|---|---|---|---|")
        for name, b in bench.items():
            if b.get("error_occurred"):
                w(f"| {name} | skipped | | | | {b.get('error_message', '')} |")
                continue
            bps = b.get("bytes_per_second")
            note = b.get("label", "")
            if "features_per_comment" in b:
                note = (note + " " if note else "") + f"{b['features_per_comment']:.0f} features/comment"
            unit = b.get("time_unit", "ns")
            w(f"| {name} | {b['real_time']:,.2f} {unit} | {b['cpu_time']:,.2f} {unit} | {fmt(b.get('items_per_second'))} "
              f"| {fmt(bps / 1e6, 1) if bps else ''} | {note} |")
        if context:
            w(f"\nGoogle Benchmark library build type: {context.get('library_build_type', '?')} (Debian's "
              "package; the measured code is the Release build); CPU scaling "
              f"{'on' if context.get('cpu_scaling_enabled') else 'off'}; load during run "
              f"{context.get('load_avg', '?')}.\n")

    # ---- detail: end to end --------------------------------------------------------------------
    if score:
        w("## `comity score` end to end (hyperfine)\n")
        if corpus_n:
            w(f"Corpus: {fmt(corpus_n)} comments, {fmt(corpus_bytes / corpus_n, 1)} bytes mean "
              "(bench/make_corpus.py, test-split texts). Includes process start, model load, JSONL parsing "
              "and JSON output (to /dev/null).\n")
        w("| threads | median s | mean s ± sd | CPU s (user + sys, mean) | comments/s | peak RSS |")
        w("|---|---|---|---|---|---|")
        for name, r, kib in (("j1", score.get("j1"), rss_j1), ("j2", score.get("j2"), rss_j2)):
            if r:
                cpu = (r.get("user") or 0) + (r.get("system") or 0)
                w(f"| {name} | {r['median']:.3f} | {r['mean']:.3f} ± {r['stddev'] or 0:.3f} | {cpu:.3f} "
                  f"| {fmt(corpus_n / r['median']) if corpus_n else 'n/a'} | {fmt(kib / 1024, 1) + ' MiB' if kib else 'n/a'} |")
        w("\nCPU time close to wall time at -j2 means the second core did little: either the serial part "
          "(reading and parsing JSONL, writing output) dominates or other processes held that core.\n")

    # ---- baselines -----------------------------------------------------------------------------
    tfidf = load_json(os.path.join(raw, "tfidf.json"))
    fasttext = load_json(os.path.join(raw, "fasttext.json"))
    same = hyperfine(os.path.join(raw, "score_baseline_texts.json")).get("j1")
    same_rss, _ = time_v(os.path.join(raw, "time_score_baseline_texts.txt"))
    quality = find_toxicity_quality(load_json(os.path.join(raw, "comity_eval.json")))
    if tfidf or fasttext:
        w("## Comity vs the baselines (TOXICITY test split, one thread)\n")
        rows = []
        n_test = None
        if tfidf:
            tox = tfidf.get("attributes", {}).get("TOXICITY", {})
            n_test = tox.get("counts", {}).get("test")
            for kind, model in tox.get("models", {}).items():
                s = model.get("serving", {})
                if not s:
                    continue
                rows.append((f"TF-IDF + {kind} ({model.get('param')})", model["test"]["all"], model["test"]["rtp"],
                             s.get("comments_per_second"), None, s.get("load_seconds"), s.get("peak_rss_mib")))
        if fasttext:
            s = fasttext["serving"]
            n_test = n_test or s.get("comments")
            rows.append(("fastText", fasttext["test"]["all"], fasttext["test"]["rtp"], s["comments_per_second"],
                         s.get("comments_per_second_excluding_load"), s.get("model_load_seconds"), s.get("peak_rss_mib")))
        comity_cps = n_test / same["median"] if same and n_test else None
        comity_quality = quality.get("perspective-heldout", {})
        comity_rtp = quality.get("rtp-heldout", {})
        w("Throughput is over the same test texts for every row (Comity: `comity score -j1` as a whole "
          "process, model load included; baselines: their own serving measurement). Ratio = Comity "
          "comments/s divided by the row's. Comity computes all eight attributes in that pass; the "
          "baselines compute TOXICITY only.\n")
        w("| model | Spearman all | ROC-AUC all | Spearman rtp | ROC-AUC rtp | comments/s | Comity speed ratio | load s | peak RSS MiB |")
        w("|---|---|---|---|---|---|---|---|---|")

        def q(d, key):
            v = d.get(key) if isinstance(d, dict) else None
            return f"{v:.3f}" if isinstance(v, (int, float)) else "n/a"

        w(f"| **Comity** | {q(comity_quality, 'spearman')} | {q(comity_quality, 'roc_auc')} | {q(comity_rtp, 'spearman')} "
          f"| {q(comity_rtp, 'roc_auc')} | {fmt(comity_cps)} | 1.00 | "
          f"{fmt(model_cmd, 3) if model_cmd else 'n/a'} | {fmt(same_rss / 1024, 1) if same_rss else 'n/a'} |")
        for name, all_, rtp, cps, cps_ex, load_s, rss in rows:
            ratio = f"{comity_cps / cps:.1f}x" if comity_cps and cps else "n/a"
            if cps_ex:
                ratio += f" ({comity_cps / cps_ex:.1f}x vs excl. load)" if comity_cps else ""
            w(f"| {name} | {q(all_, 'spearman')} | {q(all_, 'roc_auc')} | {q(rtp, 'spearman')} | {q(rtp, 'roc_auc')} "
              f"| {fmt(cps)}{' (' + fmt(cps_ex) + ' excl. load)' if cps_ex else ''} | {ratio} | {load_s if load_s is not None else 'n/a'} | {rss} |")
        if not quality:
            w("\nComity quality: `comity eval` gave no TOXICITY metrics for perspective-heldout / rtp-heldout "
              "(see raw/comity_eval.log).")
        w("\nThe TF-IDF row uses `--attributes TOXICITY --no-tune` (C=4 / alpha=1) unless the raw JSON says "
          "otherwise; quality figures of the baselines are deterministic, their speed shares this run's load.\n")
    else:
        w("## Baselines\n\nNot run in this report (`--skip-baselines`).\n")

    # ---- server ------------------------------------------------------------------------------------
    if wrk:
        w("## `comity serve` under wrk (127.0.0.1, 2 server threads)\n")
        w("POST /v1alpha1/comments:analyze, bodies cycling through 40 ~300-character comments "
          "(bench/wrk/analyze.lua), no `languages` (detection included), wrk `-t2` on the same 2 cores.\n")
        w("| attributes | connections | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors / non-2xx |")
        w("|---|---|---|---|---|---|---|---|---|")
        for r in wrk:
            lat = r["latency_ms"]
            errors = sum(r["errors"].values())
            w(f"| {r['attributes']} | {r['connections']} | {fmt(r['requests'])} | {fmt(r['requests_per_second'])} "
              f"| {lat['p50']:.2f} | {lat['p90']:.2f} | {lat['p99']:.2f} | {lat['max']:.2f} | {errors} / {r['non_2xx']} |")
        w("\nA p50 pinned near 40 ms at every load level is the Nagle / delayed-ACK interaction "
          "(response written in two segments without TCP_NODELAY), not scoring cost: compare the what-if table.")
        if serve_rss_kib:
            w(f"\nServer peak RSS (VmHWM) after all runs: {fmt(serve_rss_kib / 1024, 1)} MiB.")
        w("")

    whatif = wrk_runs(raw, "whatif_nodelay_t2") + wrk_runs(raw, "whatif_nodelay_t64")
    if whatif:
        w("### What-if: TCP_NODELAY on (LD_PRELOAD shim, not the shipped server)\n")
        w("Same server binary and requests (all 8 attributes), with `TCP_NODELAY` set on accepted sockets by "
          "bench/wrk/nodelay_shim.c; first with 2 worker threads, then with 64 (>= connections).\n")
        w("| server threads | connections | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors / non-2xx |")
        w("|---|---|---|---|---|---|---|---|---|")
        for label in ("2", "64"):
            for r in wrk_runs(raw, f"whatif_nodelay_t{label}"):
                lat = r["latency_ms"]
                w(f"| {label} | {r['connections']} | {fmt(r['requests'])} | {fmt(r['requests_per_second'])} "
                  f"| {lat['p50']:.2f} | {lat['p90']:.2f} | {lat['p99']:.2f} | {lat['max']:.2f} "
                  f"| {sum(r['errors'].values())} / {r['non_2xx']} |")
        w("")

    # ---- profile -----------------------------------------------------------------------------------
    total, top = callgrind_top(os.path.join(raw, "callgrind_self.txt"))
    if top:
        w("## Where the time goes (callgrind, `comity score -j1`, 2,000 comments)\n")
        w(f"Instructions in total: {total}. Top functions by self cost (exclusive):\n")
        w("| % of instructions | function |")
        w("|---|---|")
        for pct, fn in top:
            w(f"| {pct} | `{short_symbol(fn)}` |")
        w("")

    perf = perf_top(os.path.join(raw, "perf_self.txt"))
    if perf:
        w("## Where the time goes (perf, `comity score -j1`, whole corpus)\n")
        w("| % of samples (self) | object | symbol |")
        w("|---|---|---|")
        for pct, obj, sym in perf:
            w(f"| {pct} | {obj} | `{short_symbol(sym)}` |")
        w("")

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"make_report: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
