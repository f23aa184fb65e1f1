#!/usr/bin/python3
"""Opens N keep-alive connections to 127.0.0.1:PORT, sends one GET /healthz on each
and reads the answer, then holds them all idle until a line arrives on stdin. Prints
"held N" (connections that got their 200) once they are idle, and on that stdin line
sends one more GET on every connection and prints "answered N" before exiting.

Usage: holder.py PORT N   (standard library only; raises its own open-file limit)
"""

import resource
import select
import socket
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def round_trip(sockets, seconds):
    """One GET on every socket; the sockets that got an HTTP 200 within `seconds`."""
    pending = {}
    for sock in sockets:
        try:
            sock.send(REQUEST)
            pending[sock.fileno()] = (sock, b"")
        except OSError:
            sock.close()
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLIN)
    answered = []
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            sock, data = pending[fd]
            try:
                chunk = sock.recv(4096)
            except OSError:
                chunk = b""
            if chunk:
                data += chunk
                pending[fd] = (sock, data)
            if not chunk or b"\r\n\r\n" in data:
                poller.unregister(fd)
                del pending[fd]
                if data.startswith(b"HTTP/1.1 200"):
                    answered.append(sock)
                else:
                    sock.close()
    for sock, _ in pending.values():
        sock.close()
    return answered


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        sockets.append(sock)
    held = round_trip(sockets, 60)
    print("held %d" % len(held), flush=True)
    sys.stdin.readline()
    print("answered %d" % len(round_trip(held, 60)), flush=True)


if __name__ == "__main__":
    main()
