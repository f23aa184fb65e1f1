"""Texts per second from Python three ways, in one run on the same texts and model:

  in-process   comity.score(texts): the installed package, all cores, GIL released
  CLI          `comity score FILE.txt` (one process for all texts, start-up included),
               and one `comity score -t TEXT` process per text, as a script calling
               subprocess per comment does (on a sample, --per-call)
  server       `comity serve` over HTTP on loopback: POST /v1/score with 100 comments a
               request, and Perspective's comments:analyze with one comment a request
               (all eight attributes), from --clients threads with keep-alive connections

and each as a ratio to in-process. Scores are compared on a sample: every way must give
in-process's numbers, or the comparison would not be of the same work.

The corpus is bench/make_corpus.py's (build/bench/corpus.jsonl, made when ../shared/data
is there), else the test fixture's comments repeated. It holds real abuse: build/ only.

Usage (the package installed, e.g. by tests/python/run.sh):
  build/python-test-venv/bin/python bench/python_throughput.py [--n 20000] [--json out.json]
"""

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import comity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_texts(args):
    corpus = args.corpus or os.path.join(ROOT, "build", "bench", "corpus.jsonl")
    if not os.path.exists(corpus) and args.corpus is None and os.path.isdir(
            os.path.join(ROOT, "..", "shared", "data")):
        os.makedirs(os.path.dirname(corpus), exist_ok=True)
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "make_corpus.py"),
                        "--out", corpus], check=True, stdout=subprocess.DEVNULL)
    source = corpus if os.path.exists(corpus) else os.path.join(ROOT, "tests", "fixtures",
                                                                 "tiny", "comments.jsonl")
    with open(source, encoding="utf-8") as f:
        # One comment per line for the CLI's text format: newlines become spaces everywhere.
        base = [" ".join(json.loads(line)["text"].split()) for line in f if line.strip()]
    base = [t for t in base if t]
    texts = [base[i % len(base)] for i in range(args.n)]
    return texts, source


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(runs, fn):
    times, result = [], None
    for _ in range(runs):
        seconds, result = timed(fn)
        times.append(seconds)
    return min(times), result


def run_cli_file(binary, model, path, extra):
    run = subprocess.run([binary, "score", "-m", model, *extra, path], capture_output=True,
                         text=True)
    if run.returncode != 0:
        raise SystemExit(f"comity score failed ({run.returncode}): {run.stderr[-500:]}")
    return [json.loads(line)["scores"] for line in run.stdout.splitlines()]


def run_cli_per_text(binary, model, texts, extra):
    out = []
    for text in texts:
        run = subprocess.run([binary, "score", "-m", model, *extra, "-t", text], capture_output=True,
                             text=True, check=True)
        out.append(json.loads(run.stdout)["scores"])
    return out


class Server:
    def __init__(self, binary, model, threads):
        self.scratch = tempfile.TemporaryDirectory(prefix="comity-pybench-")
        self.log_path = os.path.join(self.scratch.name, "server.log")
        command = [binary, "serve", "--no-auth", "--host", "127.0.0.1", "--port", "0",
                   "--data-dir", os.path.join(self.scratch.name, "data"), "--model", model]
        if threads:
            command += ["--threads", str(threads)]
        env = dict(os.environ, COMITY_ACCESS_LOG="false")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=open(self.log_path, "wb"), env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            with open(self.log_path, "rb") as log:
                match = re.search(rb"serving on http://127\.0\.0\.1:(\d+) with (\d+) threads",
                                  log.read())
            if match:
                self.port, self.threads = int(match.group(1)), int(match.group(2))
                return
            time.sleep(0.05)
        self.stop()
        with open(self.log_path, "rb") as log:
            raise SystemExit("comity serve did not start: " + log.read().decode(errors="replace"))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.scratch.cleanup()

    def post(self, connection, path, body):
        connection.request("POST", path, body=json.dumps(body),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {data[:300]!r}")
        return json.loads(data)

    def fan_out(self, count, clients, request):
        """`request(connection, i)` for i in range(count), from `clients` threads each with
        its own keep-alive connection; the answers in order."""
        results = [None] * count
        next_index = iter(range(count))
        lock = threading.Lock()

        def client():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    break
                results[i] = request(connection, i)
            connection.close()

        run_threads(client, clients)
        return results

    def score_native(self, texts, clients, batch=100):
        """POST /v1/score, `batch` comments a request, from `clients` threads."""
        requests = [texts[i:i + batch] for i in range(0, len(texts), batch)]
        results = self.fan_out(len(requests), clients, lambda connection, i: [
            r["scores"] for r in self.post(connection, "/v1/score", {
                "comments": requests[i], "sentences": False, "tokens": False})["results"]])
        return [s for part in results for s in part]

    def analyze(self, texts, clients):
        """Perspective's comments:analyze, one comment and all eight attributes a request,
        in English: Perspective (and Comity) refuse an attribute in a language it is not
        served in, where /v1/score and comity.score fall back."""
        wanted = {a: {} for a in comity.ATTRIBUTES}

        def one(connection, i):
            reply = self.post(connection, "/v1alpha1/comments:analyze", {
                "comment": {"text": texts[i]}, "requestedAttributes": wanted,
                "languages": ["en"]})
            return {a: v["summaryScore"]["value"] for a, v in reply["attributeScores"].items()}

        return self.fan_out(len(texts), clients, one)


def run_threads(target, n):
    errors = []

    def guarded():
        try:
            target()
        except Exception as e:  # re-raised below; lost in a thread otherwise
            errors.append(e)

    threads = [threading.Thread(target=guarded) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def mismatches(expected, got, places=6):
    """Texts whose scores differ beyond rounding to `places` decimals."""
    bad = 0
    for e, g in zip(expected, got):
        if any(abs(e[a] - g[a]) > 0.5 * 10 ** -places + 1e-12 for a in e):
            bad += 1
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="texts (default 20000)")
    parser.add_argument("--corpus", help="JSONL with a text field (default: build/bench/corpus.jsonl)")
    parser.add_argument("--comity", default=os.path.join(ROOT, "build", "release", "comity"))
    parser.add_argument("--runs", type=int, default=3, help="best of RUNS for the batch ways")
    parser.add_argument("--per-call", type=int, default=200, help="texts for the process-per-text way")
    parser.add_argument("--analyze", type=int, default=4000, help="texts for comments:analyze")
    parser.add_argument("--clients", type=int, default=os.cpu_count() or 1,
                        help="HTTP client threads (default: one per core)")
    parser.add_argument("--threads", type=int, default=0,
                        help="scoring threads for every way (default: one per core)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    texts, source = load_texts(args)
    model = comity.BUNDLED_MODEL
    m = comity.Model(model, threads=args.threads)
    print(f"{len(texts)} texts from {os.path.relpath(source, ROOT)}, model "
          f"{m.info['version']}, {os.cpu_count()} cores")

    m.score(texts[:100])  # warm: pages the model in
    rows = []
    seconds, reference = best_of(args.runs, lambda: m.score(texts))
    rows.append(("in-process comity.score", len(texts), seconds, 0))
    one_seconds, single = best_of(1, lambda: m.score(texts, threads=1))
    rows.append(("in-process comity.score, threads=1", len(texts), one_seconds,
                 mismatches(reference, single)))

    with tempfile.TemporaryDirectory(prefix="comity-pybench-") as scratch:
        path = os.path.join(scratch, "texts.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(texts) + "\n")
        extra = ["-j", str(args.threads)] if args.threads else []
        seconds, got = best_of(args.runs, lambda: run_cli_file(args.comity, model, path, extra))
        rows.append(("CLI: comity score FILE.txt (one process)", len(texts), seconds,
                     mismatches(reference, got)))
        sample = texts[:args.per_call]
        seconds, got = timed(lambda: run_cli_per_text(args.comity, model, sample, extra))
        rows.append(("CLI: one comity score -t process per text", len(sample), seconds,
                     mismatches(reference, got)))

    server = Server(args.comity, model, args.threads)
    try:
        server.score_native(texts[:200], args.clients)  # warm
        seconds, got = best_of(args.runs, lambda: server.score_native(texts, args.clients))
        rows.append((f"server: POST /v1/score, 100 a request, {args.clients} clients", len(texts),
                     seconds, mismatches(reference, got)))
        sample = texts[:args.analyze]
        seconds, got = timed(lambda: server.analyze(sample, args.clients))
        # Perspective's summaryScore is not rounded to six decimals: compare at five.
        rows.append((f"server: comments:analyze, 1 a request, {args.clients} clients",
                     len(sample), seconds,
                     mismatches(m.score(sample, language="en"), got, places=5)))
        server_threads = server.threads
    finally:
        server.stop()

    base = rows[0][1] / rows[0][2]
    print(f"{'way':58} {'texts':>6} {'seconds':>8} {'texts/s':>9} {'in-process is':>14} "
          f"{'differ':>6}")
    figures = []
    for name, n, seconds, differ in rows:
        rate = n / seconds
        print(f"{name:58} {n:6d} {seconds:8.3f} {rate:9.0f} {base / rate:13.2f}x {differ:6d}")
        figures.append({"way": name, "texts": n, "seconds": seconds, "texts_per_second": rate,
                        "in_process_ratio": base / rate, "scores_differing": differ})
    print(f"(server scoring threads: {server_threads}; 'differ': texts whose scores differ from "
          f"in-process)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"texts": len(texts), "source": source, "cores": os.cpu_count(),
                       "model": m.info["version"], "figures": figures}, f, indent=2)
    return 1 if any(f["scores_differing"] for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
