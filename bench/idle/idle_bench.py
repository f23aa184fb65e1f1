#!/usr/bin/python3
"""Analyze throughput and latency with and without 10,000 idle keep-alive connections.

Starts a release `comity serve --no-auth` with the tiny fixture model, runs
`wrk -t2 -c32 -d10s --latency` with bench/wrk/analyze.lua, then opens and holds the
idle connections (holder.py, its own process) and runs the same wrk again, then once
more after they are released, all in the same run. Reports requests/s and p99 for both, their ratios, and the server's VmRSS and
thread count while the connections are held. A benchmark: it reports the targets
(p99 < 10 ms, >= 8,000 requests/s with the idle connections), it does not assert them.

Usage: idle_bench.py /path/to/comity [--idle N] [--seconds S] [--out FILE.json]
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "clients"))
from comity_server import ComityServer, tiny_model  # noqa: E402

WRK_SCRIPT = os.path.join(SOURCE_DIR, "bench", "wrk", "analyze.lua")
TARGET_P99_MS = 10.0
TARGET_RPS = 8000.0


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def open_sockets(pid):
    return sum(1 for fd in os.listdir("/proc/%d/fd" % pid)
               if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"))


def run_wrk(port, seconds, connections):
    command = ["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency",
               "-s", WRK_SCRIPT, "http://127.0.0.1:%d/v1alpha1/comments:analyze" % port]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^WRK_JSON (\{.*\})$", result.stdout, re.M)
    if result.returncode != 0 or not match:
        sys.exit("wrk failed (%d):\n%s%s" % (result.returncode, result.stdout, result.stderr))
    report = json.loads(match.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    report["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comity")
    parser.add_argument("--idle", type=int, default=10000, help="idle connections to hold")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--out", help="also write the results here as JSON")
    options = parser.parse_args()
    os.environ["COMITY_BIN"] = os.path.abspath(options.comity)

    # The server inherits this limit: the idle connections, wrk's, and its own files.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = options.idle + options.connections + 512
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit("idle bench: the hard open-file limit %d is below the %d needed" % (hard, need))
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))

    with tempfile.TemporaryDirectory(prefix="comity-idle-bench-") as scratch:
        data_dir = os.path.join(scratch, "data")
        os.makedirs(data_dir)
        # Default settings, access log included (to a file, as a deployment has it).
        server = ComityServer(data_dir, tiny_model(), no_auth=True,
                              log_path=os.path.join(scratch, "serve.log"))
        holder = None
        try:
            pid = server.pid
            rss_before_mb = proc_status(pid, "VmRSS") / 1024
            print("idle bench: comity serve pid %d on port %d, %d threads, VmRSS %.1f MB; "
                  "load average %s" % (pid, server.port, proc_status(pid, "Threads"),
                                       proc_status(pid, "VmRSS") / 1024,
                                       " ".join(open("/proc/loadavg").read().split()[:3])),
                  flush=True)
            run_wrk(server.port, 2, options.connections)  # warm-up, not reported
            without = run_wrk(server.port, options.seconds, options.connections)
            print("idle bench: without idle connections: %.0f req/s, p50 %.2f ms, p99 %.2f ms"
                  % (without["requests_per_second"], without["latency_ms"]["p50"],
                     without["latency_ms"]["p99"]), flush=True)

            started = time.monotonic()
            holder = subprocess.Popen([sys.executable, os.path.join(HERE, "holder.py"),
                                       str(server.port), str(options.idle)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            line = holder.stdout.readline().strip()
            held = int(line.split()[1]) if line.startswith("held ") else 0
            opened_in = time.monotonic() - started
            idle_rss_mb = proc_status(pid, "VmRSS") / 1024
            idle_threads = proc_status(pid, "Threads")
            idle_sockets = open_sockets(pid)
            print("idle bench: %d idle connections held (opened in %.1f s); server VmRSS "
                  "%.1f MB, %d threads, %d open sockets" % (
                      held, opened_in, idle_rss_mb, idle_threads, idle_sockets), flush=True)

            with_idle = run_wrk(server.port, options.seconds, options.connections)
            print("idle bench: with %d idle connections: %.0f req/s, p50 %.2f ms, p99 %.2f ms"
                  % (held, with_idle["requests_per_second"], with_idle["latency_ms"]["p50"],
                     with_idle["latency_ms"]["p99"]), flush=True)
            peak_rss_mb = proc_status(pid, "VmHWM") / 1024
            holder.stdin.write("go\n")
            holder.stdin.flush()
            line = holder.stdout.readline().strip()
            answered = int(line.split()[1]) if line.startswith("answered ") else 0
            holder.wait(30)
            # The same run once more without them: brackets the "with" run, so drift
            # from other load on the machine shows as a gap between the two "without".
            after = run_wrk(server.port, options.seconds, options.connections)
            print("idle bench: without idle connections again: %.0f req/s, p50 %.2f ms, p99 %.2f ms"
                  % (after["requests_per_second"], after["latency_ms"]["p50"],
                     after["latency_ms"]["p99"]), flush=True)
            load = " ".join(open("/proc/loadavg").read().split()[:3])
        finally:
            if holder is not None and holder.poll() is None:
                holder.kill()
            code = server.stop()

    # Ratios against the mean of the two runs without idle connections.
    base_rps = (without["requests_per_second"] + after["requests_per_second"]) / 2
    base_p99 = (without["latency_ms"]["p99"] + after["latency_ms"]["p99"]) / 2
    results = {
        "idle_connections": options.idle, "held": held, "still_answering_after": answered,
        "wrk": "-t2 -c%d -d%ds --latency analyze.lua (TOXICITY)" % (options.connections, options.seconds),
        "without_idle": without, "with_idle": with_idle, "without_idle_after": after,
        "rps_ratio": with_idle["requests_per_second"] / base_rps,
        "p99_ratio": with_idle["latency_ms"]["p99"] / base_p99,
        "load_average_at_end": load,
        "server_rss_mb_before": round(rss_before_mb, 1),
        "server_rss_mb_with_idle": round(idle_rss_mb, 1), "server_threads_with_idle": idle_threads,
        "server_peak_rss_mb": round(peak_rss_mb, 1), "server_exit": code,
    }
    print()
    print("| | requests/s | p50 | p99 | errors (non-2xx, socket) |")
    print("|---|---|---|---|---|")
    for label, run in (("without idle connections", without),
                       ("with %d idle connections" % held, with_idle),
                       ("without idle connections, again", after)):
        errors = run["errors"]
        print("| %s | %.0f | %.2f ms | %.2f ms | %d, %d |" % (
            label, run["requests_per_second"], run["latency_ms"]["p50"], run["latency_ms"]["p99"],
            run["non_2xx"], errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]))
    print()
    print("ratio with/without (mean of both runs without): requests/s %.2f, p99 %.2f; "
          "load average at the end %s" % (results["rps_ratio"], results["p99_ratio"], load))
    print("server with %d idle connections: VmRSS %.1f MB (%.1f MB before them, %.1f KB per "
          "connection), %d threads (peak VmRSS %.1f MB); %d of them still answered afterwards" % (
              held, idle_rss_mb, rss_before_mb, (idle_rss_mb - rss_before_mb) * 1024 / max(held, 1),
              idle_threads, peak_rss_mb, answered))
    p99 = with_idle["latency_ms"]["p99"]
    rps = with_idle["requests_per_second"]
    print("targets with the idle connections: p99 < %.0f ms: %s (%.2f ms); >= %.0f req/s: %s (%.0f)" % (
        TARGET_P99_MS, "met" if p99 < TARGET_P99_MS else "missed", p99,
        TARGET_RPS, "met" if rps >= TARGET_RPS else "missed", rps))
    if options.out:
        with open(options.out, "w") as out:
            json.dump(results, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
