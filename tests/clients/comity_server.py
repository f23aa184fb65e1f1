"""Starts a real `comity serve` for the Python suites (python_discovery_test.py,
tests/hostile/hostile.py, bench/idle/run.sh): the Python twin of comity_server.mjs.
Standard library only. The binary comes from $COMITY_BIN; the model from
$COMITY_TEST_MODEL (run.sh trains the tiny fixture once) or is trained here."""

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = "127.0.0.1"


def comity_binary():
    binary = os.environ.get("COMITY_BIN", "")
    if not os.path.exists(binary):
        raise RuntimeError("set COMITY_BIN to the comity binary (run.sh does this)")
    return binary


def run_comity(*args, check=True):
    return subprocess.run([comity_binary(), *args], check=check, capture_output=True, text=True)


def tiny_model():
    model = os.environ.get("COMITY_TEST_MODEL")
    if model:
        return model
    fixture = os.path.join(SOURCE_DIR, "tests", "fixtures", "tiny")
    if os.path.exists(os.path.join(fixture, "recipe.toml")):
        scratch = tempfile.mkdtemp(prefix="comity-model-")
        atexit.register(shutil.rmtree, scratch, True)
        model = os.path.join(scratch, "tiny.cmodel")
        run_comity("train", "--recipe", os.path.join(fixture, "recipe.toml"),
                   "--data-dir", fixture, "--output", model)
        os.environ["COMITY_TEST_MODEL"] = model
        return model
    return os.path.join(SOURCE_DIR, "models", "comity-en-1.cmodel")


def create_key(data_dir, name, rpm=600):
    """A fresh API key (`comity keys create` prints it on its last line)."""
    created = run_comity("keys", "create", "--data-dir", data_dir, "--name", name,
                         "--rpm", str(rpm))
    return created.stdout.strip().splitlines()[-1].strip()


def rss_kb(pid):
    """VmRSS of a live process in kB, 0 once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class ComityServer:
    """A `comity serve` child on 127.0.0.1. Its output goes to a log file (not a
    pipe: a flood of access lines must never block the server on a full pipe);
    the port is read from its "serving on" line and /readyz must answer 200."""

    def __init__(self, data_dir, model=None, no_auth=True, extra_args=(), env=None,
                 threads=None, port=0, log_path=None, start_timeout=20):
        self.data_dir = data_dir
        args = [comity_binary(), "serve", "--host", HOST, "--port", str(port),
                "--data-dir", data_dir, "--model", model or tiny_model(), *extra_args]
        if threads is not None:
            args += ["--threads", str(threads)]
        if no_auth:
            args.append("--no-auth")
        self.args = args
        self.log_path = log_path or os.path.join(data_dir, "..", "serve-%d.log" % time.time_ns())
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=None if env is None else {**os.environ, **env})
        self.pid = self.process.pid
        self.port = None
        deadline = time.monotonic() + start_timeout
        while self.port is None:
            match = re.search(r"serving on http://[^\s:]+:(\d+)", self.log_text())
            if match:
                self.port = int(match.group(1))
            elif self.process.poll() is not None or time.monotonic() > deadline:
                self.kill_if_running()
                raise RuntimeError("comity serve did not start (exit %s): %s\n%s" % (
                    self.process.returncode, " ".join(args), self.log_text()[-4000:]))
            else:
                time.sleep(0.05)
        self.base_url = "http://%s:%d" % (HOST, self.port)
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill_if_running()
                raise RuntimeError("/readyz never answered 200:\n" + self.log_text()[-4000:])
            time.sleep(0.05)

    @property
    def discovery_url(self):
        return self.base_url + "/$discovery/rest?version=v1alpha1"

    def log_text(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def alive(self):
        return self.process.poll() is None

    def rss_kb(self):
        return rss_kb(self.pid)

    def exit_description(self):
        code = self.process.poll()
        if code is None:
            return "running"
        if code < 0:
            return "killed by %s" % signal.Signals(-code).name
        return "exited %d" % code

    def kill_if_running(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def stop(self, timeout=20):
        """SIGTERM, then the exit status (SIGKILL after `timeout` seconds)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


def main(argv):
    """`comity_server.py [--auth] [--serve-arg ARG]... -- COMMAND...`: runs COMMAND
    against a fresh server (for clients in languages that cannot import this module)
    with COMITY_BASE_URL, COMITY_DATA_DIR and, with --auth, COMITY_API_KEY set;
    exits with COMMAND's status, or 1 if the server did not stop cleanly."""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--auth", action="store_true", help="API keys on; create one")
    parser.add_argument("--serve-arg", action="append", default=[],
                        help="extra `comity serve` argument (repeat)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the command to run after --")
    with tempfile.TemporaryDirectory(prefix="comity-client-") as scratch:
        data_dir = os.path.join(scratch, "data")
        os.makedirs(data_dir)
        env = {"COMITY_DATA_DIR": data_dir}
        if options.auth:
            env["COMITY_API_KEY"] = create_key(data_dir, "client", rpm=600)
        try:
            server = ComityServer(data_dir, no_auth=not options.auth,
                                  extra_args=options.serve_arg,
                                  log_path=os.path.join(scratch, "serve.log"))
        except RuntimeError as error:
            print("%s: %s" % (" ".join(command), error), file=sys.stderr)
            return 1
        env["COMITY_BASE_URL"] = server.base_url
        try:
            status = subprocess.run(command, env={**os.environ, **env}).returncode
        finally:
            code = server.stop()
        if code != 0:
            print("comity serve exited with %s on SIGTERM:\n%s" % (code, server.log_text()[-2000:]),
                  file=sys.stderr)
            return status or 1
        return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
