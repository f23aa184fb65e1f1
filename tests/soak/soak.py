#!/usr/bin/python3
"""Bounded soak of `comity serve` on loopback.

Starts the server (temp data dir, bundled model, a fresh API key), runs concurrent
workers that mix valid and invalid Perspective requests with slow and broken
clients, and checks: the process stays alive and exits 0 on SIGTERM, no valid
request gets a 5xx, every invalid request gets a 4xx in Google's error envelope,
resident memory stays flat after warm-up, and every suggestscore answered 200 is
in `comity feedback export` afterwards.

Usage: soak.py /path/to/comity   (COMITY_SOAK_SECONDS, default 60)
Only the Python standard library; only 127.0.0.1.
"""

import http.client
import json
import os
import random
import re
import signal
import sqlite3
import socket
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(SOURCE_DIR, "models", "comity-en-1.cmodel")
SECONDS = float(os.environ.get("COMITY_SOAK_SECONDS", "60"))
WORKERS = 16
# Connections hold no thread (HttpListener), so the default worker pool (one per
# core) serves every soak worker, slow client and probe at once.
MAX_BODY_BYTES = 8 << 20  # ServerConfig::max_body_bytes
MAX_COMMENT_BYTES = 20480  # ServerConfig::max_comment_bytes
# The default idle timeout is 120 s; the soak sets a short one so that its idle
# client sees the server close the connection within the run.
KEEP_ALIVE_SECONDS = 5
READ_TIMEOUT_SECONDS = 10  # ServerConfig::read_timeout_seconds
# Flat memory: the last sample may exceed the warm-up sample by at most this much.
# Scoring allocates per request but holds nothing across requests; the store's
# SQLite page cache is bounded (a few MB); 30 MB absorbs allocator fragmentation
# from 9 MB bodies arriving on many threads while still catching a leak of a few
# hundred bytes per request over the tens of thousands of requests a soak makes.
RSS_SLACK_KB = 30 * 1024
RSS_SLACK_RATIO = 0.25

ATTRIBUTES = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY",
              "THREAT", "SEXUALLY_EXPLICIT", "FLIRTATION"]
TEXTS = [
    "What kind of idiot name is foo? Sorry, I like your name.",
    "Thanks for the thoughtful reply, I learned something today.",
    "You are a complete moron and everyone here knows it!!!",
    "I love this 😀🎉 so much, great work 👍🏽",
    "Ça va? Das ist gut. Everything is fine here, friend.",
    "Shut up. Nobody asked you. Go away.",
    "👨‍👩‍👧‍👦 family photo from the weekend, so fun",
    "a",
    "This is line one.\nThis is line two!\tTabbed? Yes.",
]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.passed = 0
        self.failures = []
        self.failed_kinds = {}
        self.counts = {}
        self.suggest_ok = set()
        self.intake_ok = set()  # comment ids POST /v1/comments accepted

    def ok(self, kind):
        with self.lock:
            self.passed += 1
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def fail(self, kind, message):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.failures.append(f"{kind}: {message}")
            self.failed_kinds[kind] = self.failed_kinds.get(kind, 0) + 1
            if self.failed_kinds[kind] <= 3:
                print(f"FAIL {kind}: {message}", flush=True)

    def check(self, kind, condition, message):
        if condition:
            self.ok(kind)
        else:
            self.fail(kind, message)


def envelope_problem(status, body):
    """None if `body` is Google's error envelope for HTTP `status`, else why not."""
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return f"not an error envelope: {body[:200]!r}"
    if not isinstance(error, dict):
        return f"error is not an object: {body[:200]!r}"
    if error.get("code") != status:
        return f"error.code {error.get('code')!r} != HTTP {status}"
    if not isinstance(error.get("message"), str) or not error["message"]:
        return "error.message missing"
    if not isinstance(error.get("status"), str) or not error["status"]:
        return "error.status missing"
    return None


class Worker:
    """One keep-alive connection, reconnected when the server closes it."""

    def __init__(self, index, port, key, tally):
        self.index, self.port, self.key, self.tally = index, port, key, tally
        self.random = random.Random(index * 7919)
        self.connection = None
        self.serial = 0
        self.held = []  # ids of this client's held comments, for decisions
        self.reused = 0
        self.sent_bodyless = False

    def request(self, method, path, body=None, headers=None, key=True):
        if key:
            path += ("&" if "?" in path else "?") + "key=" + self.key
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        for attempt in range(2):
            fresh = self.connection is None
            if fresh:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                if not fresh:
                    self.reused += 1
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between requests is
                # retried once on a new connection; anything else is a failure.
                self.close()
                if fresh or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def expect_error(self, kind, status_range, method, path, body, headers=None, key=True):
        status, data = self.request(method, path, body, headers, key)
        if not status_range[0] <= status <= status_range[1]:
            self.tally.fail(kind, f"{method} {path.split('?')[0]} -> HTTP {status}, "
                            f"expected {status_range}: {data[:200]!r}")
            return
        problem = envelope_problem(status, data)
        self.tally.check(kind, problem is None, f"HTTP {status}: {problem}")

    # Valid requests.
    def analyze(self):
        r = self.random
        names = r.sample(ATTRIBUTES, r.randint(1, len(ATTRIBUTES)))
        if r.random() < 0.2:
            names[0] += "@" + str(r.randint(1, 7))
        request = {"comment": {"text": r.choice(TEXTS)},
                   "requestedAttributes": {name: {} for name in names},
                   "spanAnnotations": r.random() < 0.5}
        if r.random() < 0.5:
            request["languages"] = ["en"]
        if r.random() < 0.3:
            request["clientToken"] = f"a-{self.index}-{self.serial}"
        status, data = self.request("POST", "/v1alpha1/comments:analyze", json.dumps(request))
        if status != 200:
            self.tally.fail("analyze", f"HTTP {status} for {json.dumps(request)[:300]}: {data[:300]!r}")
            return
        reply = json.loads(data)
        scores = reply.get("attributeScores", {})
        missing = [n for n in names if n not in scores]
        bad = [n for n, s in scores.items()
               if not 0 <= s.get("summaryScore", {}).get("value", -1) <= 1]
        spans_ok = not request["spanAnnotations"] or all("spanScores" in s for s in scores.values())
        self.tally.check("analyze", not missing and not bad and spans_ok,
                         f"missing {missing}, out of range {bad}, spans {spans_ok}: {data[:300]!r}")

    def suggest(self):
        self.serial += 1
        token = f"soak-{self.index}-{self.serial}"
        request = {"comment": {"text": f"{self.random.choice(TEXTS)} [marker {token}]"},
                   "attributeScores": {"TOXICITY": {"summaryScore": {"value": self.random.random()}}},
                   "communityId": "/soak", "clientToken": token}
        status, data = self.request("POST", "/v1alpha1/comments:suggestscore", json.dumps(request))
        if status != 200:
            self.tally.fail("suggestscore", f"HTTP {status} for token {token}: {data[:300]!r}")
            return
        echoed = json.loads(data).get("clientToken")
        with self.tally.lock:
            self.tally.suggest_ok.add(token)
        self.tally.check("suggestscore", echoed == token, f"clientToken echoed as {echoed!r}")

    def intake(self):
        """A new comment through moderation: scored, decided, stored with its audit row."""
        self.serial += 1
        comment_id = f"s-{self.index}-{self.serial}"
        request = {"community": "soak",
                   "thread": {"id": f"soak-t{self.random.randint(0, 19)}", "title": "Soak"},
                   "comment": {"id": comment_id, "author": f"a{self.random.randint(0, 49)}",
                               "text": self.random.choice(TEXTS)}}
        if self.held and self.random.random() < 0.3:
            request["comment"]["parent"] = self.random.choice(self.held)
        status, data = self.request("POST", "/v1/comments", json.dumps(request))
        if status != 200:
            self.tally.fail("intake", f"HTTP {status} for {comment_id}: {data[:300]!r}")
            return
        reply = json.loads(data)
        action = reply.get("decision", {}).get("action")
        with self.tally.lock:
            self.tally.intake_ok.add(comment_id)
        if reply.get("status") == "held":
            self.held.append(comment_id)
        self.tally.check("intake", action in ("approve", "nudge", "hold", "reject")
                         and reply.get("comment_id") == comment_id, f"reply {data[:300]!r}")

    def decide(self):
        if not self.held:
            return
        comment_id = self.held.pop(self.random.randrange(len(self.held)))
        request = {"comment_id": comment_id, "action": self.random.choice(["approve", "reject"]),
                   "actor": "soak"}
        status, data = self.request("POST", "/v1/queue/decisions", json.dumps(request))
        self.tally.check("decision", status == 200, f"HTTP {status} for {comment_id}: {data[:300]!r}")

    def bad_intake(self):
        body = self.random.choice([
            {"community": "soak", "thread": {"id": "t"}},
            {"community": "soak", "thread": {"id": "t"}, "comment": {"id": "x", "text": 5}},
            {"community": "soak", "thread": {"id": "t"}, "comment": {"id": "x", "text": ""}},
            {"community": "soak", "thread": "t", "comment": {"id": "x", "text": "hi"}},
            {"community": "soak", "thread": {"id": "t"},
             "comment": {"id": "x", "text": "hi", "time": "yesterday"}},
        ])
        self.expect_error("bad-intake", (400, 400), "POST", "/v1/comments", json.dumps(body))

    def health(self):
        status, data = self.request("GET", "/readyz", key=False)
        self.tally.check("readyz", status == 200, f"HTTP {status}: {data[:200]!r}")

    # Invalid requests: each must be a 4xx in the envelope.
    def malformed_json(self):
        self.expect_error("malformed-json", (400, 400), "POST", "/v1alpha1/comments:analyze",
                          b'{"comment": {"text": "unterminated"')

    def wrong_types(self):
        body = self.random.choice([
            {"comment": {"text": 123}, "requestedAttributes": {"TOXICITY": {}}},
            {"comment": "text", "requestedAttributes": {"TOXICITY": {}}},
            {"comment": {"text": "x"}, "requestedAttributes": ["TOXICITY"]},
            {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "languages": "en"},
            [1, 2, 3],
        ])
        self.expect_error("wrong-types", (400, 400), "POST", "/v1alpha1/comments:analyze",
                          json.dumps(body))

    def invalid_utf8(self):
        self.expect_error("invalid-utf8", (400, 400), "POST", "/v1alpha1/comments:analyze",
                          b'{"comment": {"text": "bad \xff\xfe\xc3 bytes"}, '
                          b'"requestedAttributes": {"TOXICITY": {}}}')

    def long_comment(self):
        text = "word " * (MAX_COMMENT_BYTES // 5 + 100)
        self.expect_error("comment-too-long", (400, 400), "POST", "/v1alpha1/comments:analyze",
                          json.dumps({"comment": {"text": text},
                                      "requestedAttributes": {"TOXICITY": {}}}))

    def oversized_body(self):
        filler = b" " * (MAX_BODY_BYTES + 4096)
        self.expect_error("body-too-large", (400, 413), "POST", "/v1alpha1/comments:analyze",
                          b'{"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}}' +
                          filler)

    def unknown_attribute(self):
        self.expect_error("unknown-attribute", (400, 400), "POST", "/v1alpha1/comments:analyze",
                          json.dumps({"comment": {"text": "hello"},
                                      "requestedAttributes": {"SPAM": {}}}))

    def empty_body(self):
        path = self.random.choice(["/v1alpha1/comments:analyze", "/v1alpha1/comments:suggestscore"])
        self.expect_error("empty-body", (400, 400), "POST", path, b"")

    def no_content_length(self):
        # `curl -X POST` without -d: neither Content-Length nor chunked encoding.
        # cpp-httplib 0.11 then reads the body until EOF, i.e. for the whole read timeout,
        # so each worker sends one: more would only measure that wait.
        if self.sent_bodyless:
            return self.analyze()
        self.sent_bodyless = True
        sock = socket.create_connection((HOST, self.port), timeout=30)
        sock.sendall(f"POST /v1alpha1/comments:analyze?key={self.key} HTTP/1.1\r\n"
                     f"Host: {HOST}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
        sock.close()
        head, _, body = reply.partition(b"\r\n\r\n")
        match = re.match(rb"HTTP/1\.1 (\d{3})", head)
        status = int(match.group(1)) if match else 0
        if not 400 <= status <= 499:
            self.tally.fail("no-content-length", f"HTTP {status}, expected 4xx: {reply[:200]!r}")
            return
        problem = envelope_problem(status, body)
        self.tally.check("no-content-length", problem is None, f"HTTP {status}: {problem}")

    def bad_suggest(self):
        self.expect_error("suggest-invalid", (400, 400), "POST", "/v1alpha1/comments:suggestscore",
                          json.dumps({"comment": {"text": "x"},
                                      "attributeScores": {"TOXICITY": {"summaryScore": {"value": 7}}}}))

    def bad_key(self):
        if self.random.random() < 0.5:
            self.expect_error("no-key", (403, 403), "POST", "/v1alpha1/comments:analyze",
                              json.dumps({"comment": {"text": "x"},
                                          "requestedAttributes": {"TOXICITY": {}}}), key=False)
        else:
            self.expect_error("bad-key", (400, 400), "POST",
                              "/v1alpha1/comments:analyze?key=cmt_notARealKey", json.dumps(
                                  {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}}),
                              key=False)

    def unknown_route(self):
        self.expect_error("unknown-route", (404, 405), "GET", "/v1alpha1/comments:nothing", None)

    # Broken clients, on their own raw sockets.
    def abrupt_disconnect(self):
        sock = socket.create_connection((HOST, self.port), timeout=10)
        body = json.dumps({"comment": {"text": "cut short"}, "requestedAttributes": {"TOXICITY": {}}})
        head = (f"POST /v1alpha1/comments:analyze?key={self.key} HTTP/1.1\r\nHost: {HOST}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        cut = self.random.choice([len(head) // 2, len(head), len(head) + len(body) // 2])
        sock.sendall((head + body).encode()[:cut])
        if self.random.random() < 0.5:
            # RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
        self.tally.ok("abrupt-disconnect")

    ACTIONS = [(analyze, 30), (suggest, 20), (health, 3), (malformed_json, 5), (wrong_types, 5),
               (invalid_utf8, 5), (long_comment, 3), (oversized_body, 0.05), (unknown_attribute, 4),
               (empty_body, 4), (no_content_length, 1), (bad_suggest, 3), (bad_key, 3), (unknown_route, 2),
               (abrupt_disconnect, 3), (intake, 15), (decide, 4), (bad_intake, 3)]

    def run(self, deadline):
        actions = [a for a, _ in self.ACTIONS]
        weights = [w for _, w in self.ACTIONS]
        while time.monotonic() < deadline:
            action = self.random.choices(actions, weights)[0]
            try:
                action(self)
            except Exception as error:  # noqa: BLE001 - every client-side error is a finding
                self.close()
                self.tally.fail(action.__name__, f"{type(error).__name__}: {error}")
        self.close()


def idle_client(port, tally, deadline):
    """Open and never send: the server must close the connection on its own."""
    while time.monotonic() < deadline - 20:
        sock = socket.create_connection((HOST, port), timeout=60)
        started = time.monotonic()
        try:
            closed = sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            closed = False
        took = time.monotonic() - started
        sock.close()
        limit = KEEP_ALIVE_SECONDS + READ_TIMEOUT_SECONDS + 2
        tally.check("idle-client", closed and took <= limit,
                    f"idle connection closed={closed} after {took:.1f} s (limit {limit} s)")


def trickle_client(port, key, tally, budget):
    """Headers, then the body at 1 byte/s: the server must cut it off (a 4xx or a
    close) before the body completes. Run with nothing else loading Python, so the
    gaps between bytes really stay near 1 s (a gap over the server's read timeout
    would be cut off for the wrong reason)."""
    body = json.dumps({"comment": {"text": "x" * 40}, "requestedAttributes": {"TOXICITY": {}}})
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.sendall((f"POST /v1alpha1/comments:analyze?key={key} HTTP/1.1\r\nHost: {HOST}\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode())
    sock.settimeout(1.0)
    started = last = time.monotonic()
    widest_gap = 0.0
    answer = None
    sent = 0
    while time.monotonic() - started < budget and sent < len(body) - 1:
        try:
            sock.sendall(body[sent].encode())
            now = time.monotonic()
            widest_gap, last = max(widest_gap, now - last), now
            sent += 1
            answer = sock.recv(4096)  # a response (e.g. 408) or b"" (closed) ends the probe
            break
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError) as error:
            answer = repr(error)
            break
    took = time.monotonic() - started
    sock.close()
    if answer is not None and widest_gap >= READ_TIMEOUT_SECONDS:
        print(f"soak: trickle probe inconclusive (a {widest_gap:.1f} s gap between bytes)")
        return
    tally.check("trickle-client", answer is not None,
                f"a body trickled at 1 byte/s was still being read after {took:.0f} s "
                f"({sent} bytes sent, widest gap {widest_gap:.1f} s): cpp-httplib's read timeout "
                f"restarts with every byte, and each such client pins one pool thread, so "
                f"--threads of them stall the server (slowloris)")
    if answer is not None:
        print(f"soak: trickling client cut off after {took:.1f} s: {answer[:60]!r}")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_server(binary, data_dir, log_dir):
    out = open(os.path.join(log_dir, "access.log"), "wb")
    err_path = os.path.join(log_dir, "server.err")
    err = open(err_path, "wb")
    process = subprocess.Popen(
        [binary, "serve", "--host", HOST, "--port", "0", "--data-dir", data_dir, "--model", MODEL],
        stdout=out, stderr=err,
        env=dict(os.environ, COMITY_KEEP_ALIVE_TIMEOUT_SECONDS=str(KEEP_ALIVE_SECONDS)))
    started = time.monotonic()
    while time.monotonic() - started < 30:
        with open(err_path, "rb") as log:
            match = re.search(rb"serving on http://127\.0\.0\.1:(\d+)", log.read())
        if match:
            return process, int(match.group(1)), err_path
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    with open(err_path, "rb") as log:
        sys.exit(f"soak: comity serve did not start:\n{log.read().decode(errors='replace')}")


def exported_tokens(binary, data_dir, out_dir):
    out = os.path.join(out_dir, "feedback.jsonl")
    subprocess.run([binary, "feedback", "export", "--data-dir", data_dir, "--out", out],
                   check=True, capture_output=True)
    tokens = set()
    with open(out) as export:
        for line in export:
            if line.strip():
                tokens.add(json.loads(line).get("client_token"))
    return tokens


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: soak.py /path/to/comity")
    binary = os.path.abspath(sys.argv[1])
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="comity-soak-") as scratch:
        data_dir = os.path.join(scratch, "data")
        created = subprocess.run([binary, "keys", "create", "--name", "soak", "--rpm", "0", "--scope", "admin",
                                  "--data-dir", data_dir], check=True, capture_output=True, text=True)
        key = re.search(r"cmt_\S+", created.stdout).group(0)
        process, port, err_path = start_server(binary, data_dir, scratch)
        print(f"soak: comity serve pid {process.pid} on {HOST}:{port}, {SECONDS:.0f} s, "
              f"{WORKERS} workers", flush=True)
        try:
            run_load(process, port, key, tally)
            if process.poll() is None:
                trickle_client(port, key, tally, READ_TIMEOUT_SECONDS + 5)
        finally:
            if process.poll() is None:
                # An idle keep-alive connection held open across SIGTERM, as a real
                # client pool would: measures how long shutdown waits for it.
                idle = http.client.HTTPConnection(HOST, port, timeout=5)
                idle.request("GET", "/healthz")
                idle.getresponse().read()
                sent = time.monotonic()
                process.send_signal(signal.SIGTERM)
                try:
                    code = process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    code = "killed after 30 s"
                stop_seconds = time.monotonic() - sent
                idle.close()
                print(f"soak: SIGTERM with an idle keep-alive connection open: exited {code} "
                      f"after {stop_seconds:.2f} s", flush=True)
                tally.check("shutdown", code == 0, f"exit status {code} after SIGTERM")
                tally.check("shutdown-time", stop_seconds <= KEEP_ALIVE_SECONDS + 2,
                            f"SIGTERM took {stop_seconds:.1f} s")
        with open(err_path, "rb") as log:
            errors = [l for l in log.read().decode(errors="replace").splitlines() if "[error]" in l]
        tally.check("server-log", not errors, f"server logged errors: {errors[:5]}")

        # Every comment moderation accepted is stored, with its audit row.
        with sqlite3.connect(os.path.join(data_dir, "comity.db")) as db:
            stored = {row[0] for row in db.execute("SELECT id FROM comments")}
            audited = {row[0] for row in db.execute(
                "SELECT subject FROM audit_log WHERE action LIKE 'comment.%'")}
        lost = tally.intake_ok - stored
        unaudited = tally.intake_ok - audited
        print(f"soak: {len(tally.intake_ok)} comments accepted by POST /v1/comments, "
              f"{len(stored)} stored", flush=True)
        tally.check("intake-stored", not lost and not unaudited,
                    f"{len(lost)} accepted comments not stored, {len(unaudited)} without audit, "
                    f"e.g. {sorted(lost | unaudited)[:5]}")

        exported = exported_tokens(binary, data_dir, scratch)
        missing = tally.suggest_ok - exported
        print(f"soak: {len(tally.suggest_ok)} suggestscore answered 200, "
              f"{len(exported)} rows exported", flush=True)
        tally.check("feedback-export", not missing,
                    f"{len(missing)} accepted suggestscore missing from the export, e.g. "
                    f"{sorted(missing)[:5]}")

    print("soak: requests by kind: " +
          ", ".join(f"{k}={v}" for k, v in sorted(tally.counts.items())), flush=True)
    if tally.failed_kinds:
        print("soak: failures by kind: " +
              ", ".join(f"{k}={v}" for k, v in sorted(tally.failed_kinds.items())), flush=True)
    print(f"soak: {tally.passed} passed, {len(tally.failures)} failed", flush=True)
    return 1 if tally.failures or tally.passed == 0 else 0


def run_load(process, port, key, tally):
    deadline = time.monotonic() + SECONDS
    workers = [Worker(i, port, key, tally) for i in range(WORKERS)]
    threads = [threading.Thread(target=w.run, args=(deadline,)) for w in workers]
    threads.append(threading.Thread(target=idle_client, args=(port, tally, deadline)))
    for thread in threads:
        thread.start()

    warm_at = time.monotonic() + max(10.0, SECONDS * 0.25)
    samples = []
    warm = None
    while any(t.is_alive() for t in threads[:WORKERS]):
        if process.poll() is not None:
            tally.fail("alive", f"comity serve exited with {process.returncode} during the soak")
            break
        now = time.monotonic()
        samples.append(rss_kb(process.pid))
        if warm is None and now >= warm_at:
            warm = samples[-1]
        time.sleep(2)
    for thread in threads:
        thread.join()
    if process.poll() is None:
        tally.ok("alive")
        samples.append(rss_kb(process.pid))
    reused = sum(w.reused for w in workers)
    tally.check("keep-alive", reused > 0, "no request ever reused a keep-alive connection")
    print(f"soak: {reused} requests reused a keep-alive connection", flush=True)
    print("soak: VmRSS MB every 2 s: " + " ".join(f"{s / 1024:.0f}" for s in samples), flush=True)
    if warm is not None and process.poll() is None:
        limit = warm + max(RSS_SLACK_KB, warm * RSS_SLACK_RATIO)
        tally.check("memory", samples[-1] <= limit,
                    f"VmRSS {samples[-1] / 1024:.0f} MB at the end > {limit / 1024:.0f} MB "
                    f"(warm-up {warm / 1024:.0f} MB)")
        print(f"soak: VmRSS warm-up {warm / 1024:.0f} MB, end {samples[-1] / 1024:.0f} MB, "
              f"limit {limit / 1024:.0f} MB", flush=True)


if __name__ == "__main__":
    sys.exit(main())
