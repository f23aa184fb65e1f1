#!/usr/bin/python3
"""Hostile traffic against a real `comity serve` on 127.0.0.1.

Each attack is a named check. After every attack the server must still answer
GET /healthz on a fresh connection within 1 s, and its resident memory (VmRSS from
/proc/PID/status, sampled every 20 ms during the attack) must stay under the bounds
below. A check prints PASS or FAIL with what it measured; the last line is
"N passed, N failed" and the exit status is 1 if anything failed. A server that
crashes or is killed by the memory guard is restarted, so one finding does not
hide the others.

Usage: hostile.py /path/to/comity [CHECK...]   (only the Python standard library)
"""

import collections
import json
import os
import re
import resource
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clients"))
from comity_server import HOST, ComityServer, create_key, rss_kb, tiny_model  # noqa: E402

MB = 1024 * 1024
# Memory bounds. The server idles at ~20-30 MB with the tiny model. The largest
# legitimate load here is the batch attack: 32 concurrent 8 MB bodies, each of which
# the server may hold once while it reads and rejects it (32 x 8 MB = 256 MB), plus
# the baseline and per-connection buffers: 400 MB peak allows that and nothing more
# (one copy per part, or a parse tree of a 150,000-deep document, is gigabytes).
# After an attack the bodies are freed; 200 MB leaves room for what the allocator
# keeps cached but catches memory still held by the attack's connections.
PEAK_RSS_MB = 400
SETTLED_RSS_MB = 200
# Beyond this the guard SIGKILLs the server (protects the machine from a server that
# multiplies its input; the old one reached 4 GB on the batch attack).
KILL_RSS_MB = 1500
# Under AddressSanitizer (the ASan+UBSan build's CTest run) RSS holds shadow memory
# and a 256 MB quarantine of freed blocks, so the bounds are reported, not asserted;
# crashes, hangs and wrong answers still fail.
SANITIZED = False
HEALTH_TIMEOUT = 1.0
READ_TIMEOUT_SECONDS = 10  # the server's read_timeout_seconds default
MAX_BODY_BYTES = 8 * MB  # max_body_bytes default
DEPTH = 150_000
ANALYZE = "/v1alpha1/comments:analyze"


# --- raw HTTP on sockets -------------------------------------------------------------

def connect(port, timeout=5.0):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock, deadline):
    """One HTTP response: (status, headers with lower-case names, body). Raises
    ConnectionError if the server closes first, TimeoutError past the deadline."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += recv_some(sock, deadline)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not match:
        raise ConnectionError("not an HTTP response: %r" % lines[0][:80])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            rest += recv_some(sock, deadline)
        body, chunks = b"", rest
        while True:
            size_line, _, chunks = chunks.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            body, chunks = body + chunks[:size], chunks[size + 2:]
        return int(match.group(1)), headers, body
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        rest += recv_some(sock, deadline)
    return int(match.group(1)), headers, rest[:length]


def recv_some(sock, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("no complete response in time")
    sock.settimeout(remaining)
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        raise TimeoutError("no complete response in time") from None
    if not chunk:
        raise ConnectionError("the server closed the connection without a response")
    return chunk


def exchange(port, raw, timeout=10.0):
    """Sends raw bytes on a new connection and reads one response."""
    sock = connect(port)
    try:
        sock.sendall(raw)
        return read_response(sock, time.monotonic() + timeout)
    finally:
        sock.close()


def request_bytes(method, path, body=b"", headers=None, host=True):
    lines = ["%s %s HTTP/1.1" % (method, path)]
    if host:
        lines.append("Host: %s" % HOST)
    for name, value in (headers or {}).items():
        lines.append("%s: %s" % (name, value))
    if body or method in ("POST", "PUT"):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def ready(sockets, writable=False, timeout=0.5):
    """The sockets among `sockets` that are readable (or writable) within `timeout`;
    poll(), because select() stops at descriptor 1023 and the floods go far past it."""
    poller = select.poll()
    by_fd = {}
    mask = select.POLLOUT if writable else select.POLLIN | select.POLLHUP | select.POLLERR
    for sock in sockets:
        by_fd[sock.fileno()] = sock
        poller.register(sock, mask)
    return [by_fd[fd] for fd, _ in poller.poll(timeout * 1000)]


def envelope_problem(status, body, prefix=None):
    """None if `body` is Google's error envelope for `status` (message starting with
    `prefix`, never a library exception text), else what is wrong with it."""
    try:
        error = json.loads(body)["error"]
        code, message, state = error["code"], error["message"], error["status"]
    except (ValueError, KeyError, TypeError):
        return "not Google's error envelope: %r" % body[:160]
    if code != status:
        return "error.code %r but HTTP %d" % (code, status)
    if not isinstance(message, str) or not isinstance(state, str) or not state:
        return "error.message/status missing"
    if "json.exception" in message:
        return "the message leaks the JSON library's exception: %r" % message[:160]
    if prefix is not None and not message.startswith(prefix):
        return "message %r does not start with %r" % (message[:160], prefix)
    return None


def expect_error(reply, statuses, prefix=None):
    """(ok, measurement) for a reply that must be one of `statuses` in the envelope."""
    status, _, body = reply
    if status not in statuses:
        return False, "HTTP %d, expected %s: %r" % (status, "/".join(map(str, statuses)), body[:160])
    problem = envelope_problem(status, body, prefix)
    if problem:
        return False, "HTTP %d: %s" % (status, problem)
    return True, "HTTP %d %s" % (status, json.loads(body)["error"]["message"][:70])


def healthz_latency(port, timeout=HEALTH_TIMEOUT):
    """Seconds for GET /healthz on a fresh connection, or None past `timeout`."""
    started = time.monotonic()
    try:
        sock = socket.create_connection((HOST, port), timeout=timeout)
        try:
            sock.sendall(request_bytes("GET", "/healthz", headers={"Connection": "close"}))
            status, _, _ = read_response(sock, started + timeout)
        finally:
            sock.close()
    except (OSError, TimeoutError, ConnectionError):
        return None
    return time.monotonic() - started if status == 200 else None


# --- the harness ---------------------------------------------------------------------

class RssGuard:
    """Samples the server's VmRSS every 20 ms; SIGKILLs it past KILL_RSS_MB."""

    def __init__(self, server):
        self.server, self.peak_kb, self.killed = server, server.rss_kb(), False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.wait(0.02):
            kb = rss_kb(self.server.pid)
            self.peak_kb = max(self.peak_kb, kb)
            if kb > KILL_RSS_MB * 1024 and self.server.alive():
                self.killed = True
                self.server.process.kill()

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.peak_kb


class Suite:
    def __init__(self, binary, scratch):
        os.environ["COMITY_BIN"] = binary
        self.scratch = scratch
        self.data_dir = os.path.join(scratch, "data")
        os.makedirs(self.data_dir)
        self.model = tiny_model()
        self.key = create_key(self.data_dir, "hostile", rpm=0)  # 0: no quota
        self.slow_key = create_key(self.data_dir, "one-per-minute", rpm=1)
        self.server = None
        self.passed = self.failed = 0
        self.start_server()

    def start_server(self):
        self.server = ComityServer(self.data_dir, self.model, no_auth=False,
                                   log_path=os.path.join(self.scratch, "serve-%d.log" % time.time_ns()))
        print("hostile: comity serve pid %d on %s:%d, %d MB" % (
            self.server.pid, HOST, self.server.port, self.server.rss_kb() // 1024), flush=True)

    @property
    def port(self):
        return self.server.port

    def key_header(self):
        return {"X-Goog-Api-Key": self.key}

    def run(self, name, attack):
        if not self.server.alive():
            try:
                self.start_server()
            except RuntimeError as error:
                self.failed += 1
                print("FAIL %s: no server to attack: %s" % (name, error), flush=True)
                return
        guard = RssGuard(self.server)
        started = time.monotonic()
        try:
            ok, measured = attack()
        except Exception as error:  # noqa: BLE001 - any client-side failure is a finding
            ok, measured = False, "%s: %s" % (type(error).__name__, error)
        took = time.monotonic() - started
        peak_mb = guard.finish() / 1024
        if ok is None:  # the attack could not be set up on this machine
            print("SKIP %s: %s" % (name, measured), flush=True)
            return
        problems = [] if ok else [measured]
        notes = [measured] if ok else []
        health = healthz_latency(self.port) if self.server.alive() else None
        if health is None:
            # A server that is going down (a crash mid-write) gets a moment to finish
            # dying, so its exit is blamed on this attack and not the next one.
            try:
                self.server.process.wait(2)
            except subprocess.TimeoutExpired:
                pass
        if guard.killed:
            problems.append("VmRSS passed %d MB: killed by the memory guard" % KILL_RSS_MB)
        elif not self.server.alive():
            problems.append("comity serve %s" % self.server.exit_description())
        else:
            settled_mb = self.settled_rss_mb()
            if health is None:
                problems.append("/healthz did not answer within %.0f s" % HEALTH_TIMEOUT)
            if peak_mb > PEAK_RSS_MB and not SANITIZED:
                problems.append("VmRSS peak %.0f MB > %d MB" % (peak_mb, PEAK_RSS_MB))
            if settled_mb > SETTLED_RSS_MB and not SANITIZED:
                problems.append("VmRSS %.0f MB after the attack > %d MB" % (settled_mb, SETTLED_RSS_MB))
            notes.append("healthz %s; VmRSS peak %.0f MB, after %.0f MB" % (
                "%.0f ms" % (health * 1000) if health is not None else "none", peak_mb, settled_mb))
        if problems:
            self.failed += 1
        else:
            self.passed += 1
        print("%s %s (%.1f s): %s" % ("FAIL" if problems else "PASS", name, took,
                                      "; ".join(problems + notes)), flush=True)
        if not self.server.alive():
            log = self.server.log_text().strip().splitlines()
            print("  server log ends: %s" % " | ".join(log[-3:])[-600:], flush=True)
            self.server.kill_if_running()
        elif self.server.rss_kb() > SETTLED_RSS_MB * 1024 * (4 if SANITIZED else 1):
            # A fresh server, so the memory this attack left is not blamed on the next.
            self.server.stop()

    def settled_rss_mb(self):
        """The lowest VmRSS within 3 s (stops early once under the bound)."""
        lowest = self.server.rss_kb()
        deadline = time.monotonic() + 3
        while lowest > SETTLED_RSS_MB * 1024 and time.monotonic() < deadline:
            time.sleep(0.1)
            lowest = min(lowest, self.server.rss_kb())
        return lowest / 1024

    def stop(self):
        if self.server is not None and self.server.alive():
            code = self.server.stop()
            print("hostile: comity serve exited %s on SIGTERM" % code, flush=True)


# --- the attacks ---------------------------------------------------------------------

def deep(depth=DEPTH):
    return "[" * depth + "]" * depth


def attack_deep_login(suite):
    body = ('{"name": %s, "password": "x"}' % deep()).encode()
    reply = exchange(suite.port, request_bytes(
        "POST", "/console/api/login", body, {"Content-Type": "application/json"}), timeout=20)
    return expect_error(reply, (400,))


def attack_deep_analyze(suite):
    body = ('{"comment": {"text": %s}, "requestedAttributes": {"TOXICITY": {}}}' % deep()).encode()
    reply = exchange(suite.port, request_bytes(
        "POST", ANALYZE, body, {"Content-Type": "application/json", **suite.key_header()}), timeout=20)
    return expect_error(reply, (400,), "Invalid JSON payload received.")


def attack_deep_score(suite):
    body = ('{"comments": [{"id": %s, "text": "hello"}]}' % deep()).encode()
    reply = exchange(suite.port, request_bytes(
        "POST", "/v1/score", body, {"Content-Type": "application/json", **suite.key_header()}), timeout=20)
    return expect_error(reply, (400,), "Invalid JSON payload received.")


def attack_depth_limit(suite, limit=100):
    """The documented limit, from outside: `limit` nested arrays and objects in all
    (the outer object counts) parse, one more is refused. The nesting sits in a field
    analyze ignores, so only the parser decides."""
    def body(depth):
        inner = depth - 1  # the outer object is the first level
        return ('{"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "x": %s}'
                % ("[" * inner + "]" * inner)).encode()
    replies = [exchange(suite.port, request_bytes(
        "POST", ANALYZE, body(depth), {"Content-Type": "application/json", **suite.key_header()}))
        for depth in (limit, limit + 1)]
    accepted = replies[0][0] == 200
    refused, measured = expect_error(replies[1], (400,), "Invalid JSON payload received.")
    return accepted and refused, "depth %d: HTTP %d; depth %d: %s" % (
        limit, replies[0][0], limit + 1, measured)


def attack_batch_empty_parts(suite, concurrency=32, size=8_000_000):
    body = b"--B\r\n" * (size // 5)
    raw = request_bytes("POST", "/batch", body, {"Content-Type": "multipart/mixed; boundary=B"})
    outcomes = collections.Counter()
    slowest = [0.0]
    lock = threading.Lock()

    def one():
        started = time.monotonic()
        try:
            status, _, reply = exchange(suite.port, raw, timeout=60)
            problem = envelope_problem(status, reply)
            outcome = "HTTP %d" % status if status in (400, 413) and problem is None else \
                "HTTP %d %s" % (status, problem or "")
        except (OSError, TimeoutError, ConnectionError) as error:
            outcome = type(error).__name__
        with lock:
            outcomes[outcome] += 1
            slowest[0] = max(slowest[0], time.monotonic() - started)

    threads = [threading.Thread(target=one) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ok = set(outcomes) <= {"HTTP 400", "HTTP 413"}
    return ok, "%d x %.0f MB of empty parts: %s, slowest %.1f s" % (
        concurrency, size / 1e6, dict(outcomes), slowest[0])


def attack_header_flood(suite, limit_bytes=32 * MB, seconds=10):
    sock = connect(suite.port)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    sock.setblocking(False)
    sent, n = 0, 0
    deadline = time.monotonic() + seconds
    answered = closed = None
    pending = b""
    try:
        while sent < limit_bytes and time.monotonic() < deadline:
            if ready([sock], timeout=0):
                answered = sent
                break
            if ready([sock], writable=True):
                if not pending:
                    pending = "".join("a%d: b\r\n" % (n + i) for i in range(4096)).encode()
                    n += 4096
                try:
                    count = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError) as error:
                    closed = type(error).__name__
                    break
                sent += count
                pending = pending[count:]
        if answered is None:
            return False, "no response after %.1f MB of header lines (%s)" % (
                sent / MB, closed or "still reading")
        try:
            reply = read_response(sock, time.monotonic() + 5)
        except (ConnectionError, TimeoutError) as error:
            return False, "closed without a response after %.1f MB of headers: %s" % (sent / MB, error)
        ok, measured = expect_error(reply, (400, 431))
        return ok, "%s after %.2f MB (%d header lines)" % (measured, answered / MB, n)
    finally:
        sock.close()


def open_many(port, count, timeout=20):
    """`count` connected non-blocking sockets (fewer if connecting stalls)."""
    sockets, pending = [], []
    deadline = time.monotonic() + timeout
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((HOST, port))
        pending.append(sock)
    while pending and time.monotonic() < deadline:
        for sock in ready(pending, writable=True):
            pending.remove(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                sockets.append(sock)
            else:
                sock.close()
    for sock in pending:
        sock.close()
    return sockets


def is_closed(sock):
    """True once the server has closed (or reset) a non-blocking socket."""
    try:
        data = sock.recv(65536)
        return True if not data else data.startswith(b"HTTP/1.1 4")  # an answer then close
    except BlockingIOError:
        return False
    except OSError:
        return True


class HealthPoller:
    """Polls /healthz every 0.25 s on fresh connections, in its own thread."""

    def __init__(self, port):
        self.port, self.latencies, self.misses = port, [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            latency = healthz_latency(self.port)
            if latency is None:
                self.misses += 1
            else:
                self.latencies.append(latency)
            self.stop.wait(0.25)

    def finish(self):
        self.stop.set()
        self.thread.join()
        worst = max(self.latencies) * 1000 if self.latencies else float("nan")
        return self.misses == 0 and bool(self.latencies), \
            "/healthz polled %d times, %d over 1 s, slowest answered %.0f ms" % (
                len(self.latencies) + self.misses, self.misses, worst)


def attack_silent_and_slowloris(suite, silent=2000, slow=300):
    poller = HealthPoller(suite.port)
    quiet = open_many(suite.port, silent)
    slowpokes = open_many(suite.port, slow)
    # Half trickle an endless header, half a body they never finish: both have sent
    # their first byte, so each must be cut off within the read timeout.
    body_head = request_bytes("POST", ANALYZE, b"", {"Content-Type": "application/json",
                                                     **suite.key_header()})
    body_head = body_head.replace(b"Content-Length: 0", b"Content-Length: 1000")
    for i, sock in enumerate(slowpokes):
        try:
            sock.send(b"POST /v1alpha1/comments:analyze HTTP/1.1\r\nX-Slow: " if i % 2 == 0
                      else body_head)
        except OSError:
            pass
    started = time.monotonic()
    cut_after = {}
    limit = READ_TIMEOUT_SECONDS + 3
    while len(cut_after) < len(slowpokes) and time.monotonic() - started < limit:
        for sock in slowpokes:
            if sock in cut_after:
                continue
            if is_closed(sock):
                cut_after[sock] = time.monotonic() - started
                continue
            try:
                sock.send(b"x")
            except OSError:
                cut_after[sock] = time.monotonic() - started
        time.sleep(1)
    quiet_closed = sum(1 for sock in quiet if is_closed(sock))
    health_ok, health = poller.finish()
    for sock in quiet + slowpokes:
        sock.close()
    all_cut = len(slowpokes) == slow and len(cut_after) == slow
    measured = ("%d/%d silent and %d/%d slow connections opened; %d slow cut off within %d s "
                "(last after %.1f s); %d silent closed; %s" % (
                    len(quiet), silent, len(slowpokes), slow, len(cut_after), limit,
                    max(cut_after.values(), default=0), quiet_closed, health))
    return health_ok and all_cut and len(quiet) == silent, measured


def attack_idle_keep_alive(suite, count=2000, idle=10):
    sockets = open_many(suite.port, count)
    request = request_bytes("GET", "/healthz")

    def round_trip():
        """One GET on every socket; how many got their 200 within 20 s."""
        buffers = {sock: b"" for sock in sockets}
        for sock in sockets:
            try:
                sock.send(request)
            except OSError:
                buffers.pop(sock)
        answered = 0
        deadline = time.monotonic() + 20
        while buffers and time.monotonic() < deadline:
            for sock in ready(list(buffers), timeout=0.2):
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    buffers.pop(sock)
                    continue
                buffers[sock] += chunk
                if b"\r\n\r\n" in buffers[sock] and buffers[sock].startswith(b"HTTP/1.1 200"):
                    answered += 1
                    buffers.pop(sock)
        return answered

    first = round_trip()
    rss_idle_mb = suite.server.rss_kb() / 1024
    poller = HealthPoller(suite.port)
    time.sleep(idle)
    health_ok, health = poller.finish()
    second = round_trip()
    for sock in sockets:
        sock.close()
    measured = ("%d connections: %d answered, %d answered again after %d s idle; VmRSS %.0f MB "
                "with them idle; %s" % (len(sockets), first, second, idle, rss_idle_mb, health))
    return first == count and second == count and health_ok, measured


def attack_versioned_attributes(suite, count=2000, sentences=500):
    text = " ".join("You are clown %d." % i for i in range(sentences))
    body = json.dumps({"comment": {"text": text}, "spanAnnotations": True, "languages": ["en"],
                       "requestedAttributes": {"TOXICITY@%d" % i: {} for i in range(count)}}).encode()
    started = time.monotonic()
    status, headers, reply = exchange(suite.port, request_bytes(
        "POST", ANALYZE, body, {"Content-Type": "application/json", **suite.key_header()}), timeout=60)
    took = time.monotonic() - started
    ok, measured = expect_error((status, headers, reply), (400,))
    return ok, "%s in %.2f s, %d-byte reply (%d attributes x %d sentences)" % (
        measured, took, len(reply), count, sentences)


def attack_second_server(suite):
    other = os.path.join(suite.scratch, "second-data")
    os.makedirs(other, exist_ok=True)
    process = subprocess.Popen(
        [os.environ["COMITY_BIN"], "serve", "--host", HOST, "--port", str(suite.port),
         "--data-dir", other, "--model", suite.model, "--no-auth"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return False, "a second server on port %d was still running after 10 s: %r" % (
            suite.port, output.decode(errors="replace")[-200:])
    message = output.decode(errors="replace").strip().splitlines()
    ok = process.returncode != 0 and bool(message)
    return ok, "second server exited %d: %r" % (process.returncode, message[-1][-150:] if message else "")


def attack_form_encoded_key(suite):
    # Authenticated, reload answers 200; a key only in a form body must not count.
    reply = exchange(suite.port, request_bytes(
        "POST", "/v1/models:reload", ("key=%s" % suite.key).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"}), timeout=10)
    return expect_error(reply, (403,))


def attack_length_and_chunked(suite):
    body = b'{"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    raw = request_bytes("POST", ANALYZE, b"", {"Content-Type": "application/json",
                                               "Transfer-Encoding": "chunked", **suite.key_header()})
    raw = raw.replace(b"Content-Length: 0", b"Content-Length: %d" % len(chunked)) + chunked
    return expect_error(exchange(suite.port, raw), (400,))


def attack_duplicate_length(suite):
    body = b'{"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}'
    raw = request_bytes("POST", ANALYZE, body, {"Content-Type": "application/json",
                                                "Content-Length": str(len(body) - 10),
                                                **suite.key_header()})
    return expect_error(exchange(suite.port, raw), (400,))


def attack_missing_host(suite):
    return expect_error(exchange(suite.port, request_bytes("GET", "/healthz", host=False)), (400,))


def attack_endless_body(suite, limit_bytes=64 * MB, seconds=15):
    sock = connect(suite.port)
    sock.sendall(request_bytes("POST", ANALYZE, b"", {
        "Content-Type": "application/json", "Transfer-Encoding": "chunked",
        **suite.key_header()}).replace(b"Content-Length: 0\r\n", b""))
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    sock.setblocking(False)
    sent, answered, closed = 0, None, None
    deadline = time.monotonic() + seconds
    try:
        while sent < limit_bytes and time.monotonic() < deadline:
            if ready([sock], timeout=0):
                answered = sent
                break
            if ready([sock], writable=True):
                try:
                    sent += sock.send(chunk)
                except (BrokenPipeError, ConnectionResetError) as error:
                    closed = type(error).__name__
                    break
        if answered is None:
            return False, "%.0f MB of a chunked body read without an answer (%s)" % (
                sent / MB, closed or "still reading after %d s" % seconds)
        reply = read_response(sock, time.monotonic() + 5)
        ok, measured = expect_error(reply, (413,))
        return ok, "%s after %.1f MB sent" % (measured, answered / MB)
    finally:
        sock.close()


def attack_declared_huge_body(suite):
    # Content-Length far past max_body_bytes and no body: 413 from the headers alone.
    raw = request_bytes("POST", ANALYZE, b"", {"Content-Type": "application/json",
                                               **suite.key_header()})
    raw = raw.replace(b"Content-Length: 0", b"Content-Length: %d" % (100 * 1000 * MB))
    started = time.monotonic()
    reply = exchange(suite.port, raw, timeout=5)
    ok, measured = expect_error(reply, (413,))
    return ok, "%s in %.0f ms, before any body byte" % (measured, (time.monotonic() - started) * 1000)


def attack_invalid_utf8(suite):
    body = b'{"comment": {"text": "bad \xff\xfe\xc3 bytes"}, "requestedAttributes": {"TOXICITY": {}}}'
    reply = exchange(suite.port, request_bytes(
        "POST", ANALYZE, body, {"Content-Type": "application/json", **suite.key_header()}))
    return expect_error(reply, (400,), "Invalid JSON payload received.")


def attack_wrong_types(suite):
    results = []
    for body, prefix in [
            ({"comment": {"text": 123}, "requestedAttributes": {"TOXICITY": {}}},
             "Invalid value at 'comment.text' (TYPE_STRING), 123"),
            ({"comment": {"text": "hi"}, "requestedAttributes": ["TOXICITY"]}, "Invalid value at"),
    ]:
        reply = exchange(suite.port, request_bytes(
            "POST", ANALYZE, json.dumps(body).encode(),
            {"Content-Type": "application/json", **suite.key_header()}))
        results.append(expect_error(reply, (400,), prefix))
    return all(ok for ok, _ in results), " | ".join(measured for _, measured in results)


def attack_many_headers(suite, count=10_000):
    headers = {"X-H%d" % i: "v" for i in range(count)}
    return expect_error(exchange(suite.port, request_bytes("GET", "/healthz", headers=headers)),
                        (400, 431))


def attack_huge_header(suite):
    raw = request_bytes("GET", "/healthz", headers={"X-Big": "v" * (4 * MB)})
    return expect_error(exchange(suite.port, raw), (400, 431))


def attack_batch_over_quota(suite):
    # A key allowed one request a minute: the second part of the batch is over quota.
    part = ("--B\r\nContent-Type: application/http\r\nContent-ID: <q+%d>\r\n\r\n"
            "POST /v1alpha1/comments:analyze?key=" + suite.slow_key + " HTTP/1.1\r\n"
            "Content-Type: application/json\r\n\r\n"
            '{"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}\r\n')
    body = ("".join(part % i for i in range(3)) + "--B--\r\n").encode()
    status, _, reply = exchange(suite.port, request_bytes(
        "POST", "/batch", body, {"Content-Type": "multipart/mixed; boundary=B"}))
    if status != 200:
        return False, "HTTP %d: %r" % (status, reply[:160])
    parts = [p for p in re.split(rb"--[^\r\n]+", reply) if b"HTTP/1.1" in p]
    limited = [p for p in parts if re.search(rb"HTTP/1\.1 429", p)]
    with_retry = [p for p in limited if re.search(rb"(?im)^retry-after: *\d+", p)]
    ok = bool(limited) and len(with_retry) == len(limited)
    return ok, "%d parts, %d over quota (429), %d of those with Retry-After" % (
        len(parts), len(limited), len(with_retry))


def readyz_status(port):
    try:
        status, _, _ = exchange(port, request_bytes("GET", "/readyz", headers={"Connection": "close"}),
                                timeout=2)
        return status
    except (OSError, TimeoutError, ConnectionError) as error:
        return type(error).__name__


def wait_readyz(port, want, seconds=10):
    deadline = time.monotonic() + seconds
    status = readyz_status(port)
    while status != want and time.monotonic() < deadline:
        time.sleep(0.2)
        status = readyz_status(port)
    return status


def attack_readyz_unwritable(suite):
    """A data directory that cannot be written, made so with `chattr +i` (root
    writes through permission bits), and one that is full (a 4 MB tmpfs, filled)."""
    results = []
    immutable = os.path.join(suite.scratch, "ro-data")
    os.makedirs(immutable)
    server = ComityServer(immutable, suite.model, log_path=os.path.join(suite.scratch, "ro.log"))
    try:
        before = readyz_status(server.port)
        if subprocess.run(["chattr", "+i", immutable], capture_output=True).returncode != 0:
            results.append((None, "read-only: chattr +i not possible here"))
        else:
            try:
                after = wait_readyz(server.port, 503)
            finally:
                subprocess.run(["chattr", "-i", immutable], capture_output=True)
            results.append((before == 200 and after == 503,
                            "read-only (chattr +i): /readyz %s, then %s" % (before, after)))
    finally:
        server.stop()
    full = os.path.join(suite.scratch, "full")
    os.makedirs(full)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", full],
                      capture_output=True).returncode != 0:
        results.append((None, "full: cannot mount a tmpfs here"))
    else:
        try:
            data = os.path.join(full, "data")
            os.makedirs(data)
            server = ComityServer(data, suite.model, log_path=os.path.join(suite.scratch, "full.log"))
            try:
                before = readyz_status(server.port)
                with open(os.path.join(full, "filler"), "wb") as filler:
                    try:
                        while True:
                            filler.write(b"\0" * 65536)
                            filler.flush()
                    except OSError:
                        pass
                after = wait_readyz(server.port, 503)
                results.append((before == 200 and after == 503,
                                "full (tmpfs): /readyz %s, then %s" % (before, after)))
            finally:
                server.stop()
        finally:
            subprocess.run(["umount", "-l", full], capture_output=True)
    checked = [ok for ok, _ in results if ok is not None]
    return (all(checked) if checked else None), " | ".join(m for _, m in results)


CHECKS = [
    ("deep-json-login", attack_deep_login),
    ("deep-json-analyze", attack_deep_analyze),
    ("deep-json-score-id", attack_deep_score),
    ("json-depth-limit-100", attack_depth_limit),
    ("invalid-utf8", attack_invalid_utf8),
    ("wrong-json-types", attack_wrong_types),
    ("form-encoded-key", attack_form_encoded_key),
    ("content-length-and-chunked", attack_length_and_chunked),
    ("duplicate-content-length", attack_duplicate_length),
    ("missing-host", attack_missing_host),
    ("many-headers", attack_many_headers),
    ("huge-header", attack_huge_header),
    ("header-flood", attack_header_flood),
    ("declared-huge-body", attack_declared_huge_body),
    ("endless-chunked-body", attack_endless_body),
    ("batch-part-over-quota", attack_batch_over_quota),
    ("versioned-attributes-2000", attack_versioned_attributes),
    ("batch-8mb-empty-parts-x32", attack_batch_empty_parts),
    ("second-server-same-port", attack_second_server),
    ("silent-2000-and-slowloris-300", attack_silent_and_slowloris),
    ("idle-keep-alive-2000", attack_idle_keep_alive),
    ("readyz-unwritable-data-dir", attack_readyz_unwritable),
]


def main():
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: hostile.py /path/to/comity [CHECK...]")
    binary = os.path.abspath(sys.argv[1])
    wanted = sys.argv[2:]
    global SANITIZED, KILL_RSS_MB
    linked = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    if "libasan" in linked:
        SANITIZED, KILL_RSS_MB = True, 3000
        print("hostile: AddressSanitizer build: VmRSS bounds reported, not asserted", flush=True)
    unknown = set(wanted) - {name for name, _ in CHECKS}
    if unknown:
        sys.exit("unknown checks: %s" % ", ".join(sorted(unknown)))
    # 2,300 client sockets here and as many in the server, which inherits this limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < 4096:
        sys.exit("hostile: the open-file limit is %d; the connection floods need 4096" % hard)
    scratch = tempfile.mkdtemp(prefix="comity-hostile-")
    suite = None
    started = time.monotonic()
    try:
        try:
            suite = Suite(binary, scratch)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print("hostile: cannot start comity serve: %s" % (getattr(error, "stderr", None) or error))
            print("0 passed, 1 failed")
            return 1
        for name, attack in CHECKS:
            if wanted and name not in wanted:
                continue
            suite.run(name, lambda: attack(suite))
    finally:
        if suite is not None:
            suite.stop()
        subprocess.run(["chattr", "-R", "-i", scratch], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
    print("hostile: %.0f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (suite.passed, suite.failed))
    return 1 if suite.failed or not suite.passed else 0


if __name__ == "__main__":
    sys.exit(main())
