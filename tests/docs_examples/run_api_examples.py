#!/usr/bin/python3
"""Runs the shell examples of docs/api.md against a live `comity serve`.

Every ```sh block is run with `bash -c` after pointing the documented server
(`localhost:8080`) at the test server on 127.0.0.1 and putting a real key in
$KEY, as the doc assumes. A block passes when bash exits 0 and every curl in it
got a 2xx. When the block documents its response, as `# {...}` comment lines or
as a ```json block right after it, the actual response must be JSON with the same
top-level keys (the documented values are illustrative, often elided with `...`).

Usage: run_api_examples.py /path/to/comity [docs/api.md]
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(SOURCE_DIR, "models", "comity-en-1.cmodel")
DOC_HOST = "localhost:8080"

# Every curl in a block leaves its response headers behind, so the status of each
# call is known without changing what the example prints.
CURL_WRAPPER = r'''
curl() {
  __comity_calls=$((${__comity_calls:-0} + 1))
  command curl -D "$COMITY_HEADERS_DIR/$BASHPID-$__comity_calls.headers" "$@"
}
'''


def top_level_keys(text):
    """Keys of the outermost JSON object in `text`, tolerating `...` elisions."""
    keys, depth, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            end = i + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if depth == 1 and re.match(r"\s*:", text[end + 1:]):
                keys.append(json.loads(text[i:end + 1]))
            i = end + 1
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        i += 1
    return keys


def examples(markdown):
    """(line number, sh source, documented response or None) for each ```sh block."""
    blocks = [(m.start(), m.group(1), m.group(2), m.end())
              for m in re.finditer(r"^```(\w*)\n(.*?)^```\n", markdown, re.S | re.M)]
    found = []
    for index, (start, language, body, end) in enumerate(blocks):
        if language != "sh":
            continue
        line = markdown.count("\n", 0, start) + 1
        comment = [l.lstrip("#").strip() for l in body.splitlines() if l.startswith("#")]
        expected = " ".join(comment) if comment and comment[0].startswith("{") else None
        if expected is None and index + 1 < len(blocks):
            next_start, next_language, next_body, _ = blocks[index + 1]
            if next_language == "json" and markdown[end:next_start].strip() == "":
                expected = next_body
        found.append((line, body, expected))
    return found


def http_statuses(headers_dir):
    statuses = []
    for path in sorted(glob.glob(os.path.join(headers_dir, "*.headers"))):
        with open(path, errors="replace") as headers:
            codes = re.findall(r"^HTTP/\S+ (\d{3})", headers.read(), re.M)
        # Skip interim responses such as 100 Continue.
        final = [int(c) for c in codes if not c.startswith("1")]
        statuses.append(final[-1] if final else None)
        os.remove(path)
    return statuses


def start_server(binary, data_dir, scratch):
    err_path = os.path.join(scratch, "server.err")
    process = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "4", "--data-dir",
         data_dir, "--model", MODEL],
        stdout=subprocess.DEVNULL, stderr=open(err_path, "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with open(err_path, "rb") as log:
            match = re.search(rb"serving on http://127\.0\.0\.1:(\d+)", log.read())
        if match:
            return process, int(match.group(1))
        time.sleep(0.05)
    process.kill()
    with open(err_path, "rb") as log:
        sys.exit(f"docs examples: comity serve did not start:\n{log.read().decode(errors='replace')}")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: run_api_examples.py /path/to/comity [docs/api.md]")
    binary = os.path.abspath(sys.argv[1])
    doc = sys.argv[2] if len(sys.argv) == 3 else os.path.join(SOURCE_DIR, "docs", "api.md")
    with open(doc, encoding="utf-8") as f:
        found = examples(f.read())
    passed, failed = 0, []
    with tempfile.TemporaryDirectory(prefix="comity-docs-") as scratch:
        data_dir = os.path.join(scratch, "data")
        created = subprocess.run([binary, "keys", "create", "--name", "me", "--rpm", "600", "--scope", "admin",
                                  "--data-dir", data_dir], check=True, capture_output=True,
                                 text=True)
        key = re.search(r"cmt_\S+", created.stdout).group(0)
        headers_dir = os.path.join(scratch, "headers")
        os.mkdir(headers_dir)
        process, port = start_server(binary, data_dir, scratch)
        env = dict(os.environ, KEY=key, COMITY_HEADERS_DIR=headers_dir)
        try:
            for line, source, expected in found:
                script = CURL_WRAPPER + source.replace(DOC_HOST, f"127.0.0.1:{port}")
                run = subprocess.run(["bash", "-o", "pipefail", "-c", script], env=env,
                                     capture_output=True, text=True, timeout=60)
                statuses = http_statuses(headers_dir)
                problems = []
                if run.returncode != 0:
                    problems.append(f"bash exited {run.returncode}: {run.stderr.strip()[:300]}")
                if not statuses:
                    problems.append("no curl call was made")
                if any(s is None or not 200 <= s < 300 for s in statuses):
                    problems.append(f"HTTP statuses {statuses}, expected 2xx")
                if expected is not None and not problems:
                    want = top_level_keys(expected)
                    try:
                        got = list(json.loads(run.stdout).keys())
                    except (ValueError, AttributeError):
                        got = None
                    if got is None or sorted(got) != sorted(want):
                        problems.append(f"top-level keys {got}, documented {want}: "
                                        f"{run.stdout[:300]!r}")
                first = source.strip().splitlines()[0]
                if problems:
                    failed.append(line)
                    print(f"FAIL docs/api.md:{line} {first}\n  " + "\n  ".join(problems))
                else:
                    passed += 1
                    print(f"ok   docs/api.md:{line} {first} (HTTP {statuses}"
                          f"{', keys checked' if expected else ''})")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"docs examples: {passed} passed, {len(failed)} failed")
    return 0 if found and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
