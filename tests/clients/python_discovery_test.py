"""googleapiclient (Debian's python3-googleapi) against `comity serve`, the way HELM,
garak and perspective.py use Perspective: build the client from the discovery
document, analyze one comment, then a batch. Run with /usr/bin/python3; needs
COMITY_BIN (and optionally COMITY_TEST_MODEL), which tests/clients/run.sh sets."""

import atexit
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import httplib2
from googleapiclient import discovery
from googleapiclient.errors import HttpError

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOXIC = "shut up, you loser. nobody cares, fool"
BENIGN = "this tutorial is helpful"


def comity_binary():
    binary = os.environ.get("COMITY_BIN", "")
    if not os.path.exists(binary):
        raise RuntimeError("set COMITY_BIN to the comity binary (run.sh does this)")
    return binary


def run_comity(*args):
    return subprocess.run(
        [comity_binary(), *args], check=True, capture_output=True, text=True
    )


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


class ComityServer:
    """A `comity serve` child on a port it picks itself (reported on its log line)."""

    def __init__(self, data_dir, model, no_auth):
        args = [comity_binary(), "serve", "--host", "127.0.0.1", "--port", "0",
                "--data-dir", data_dir, "--model", model, "--threads", "2"]
        if no_auth:
            args.append("--no-auth")
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        found = threading.Event()
        self.port = None

        def read():
            for line in self.process.stdout:
                self.lines.append(line)
                match = re.search(r"serving on http://[^\s:]+:(\d+)", line)
                if match and self.port is None:
                    self.port = int(match.group(1))
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(20) or self.port is None:
            self.kill_if_running()
            raise RuntimeError("comity serve did not start:\n" + "".join(self.lines))
        self.base_url = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/readyz") as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                self.kill_if_running()
                raise RuntimeError("/readyz never answered 200")
            time.sleep(0.05)

    @property
    def discovery_url(self):
        return self.base_url + "/$discovery/rest?version=v1alpha1"

    def kill_if_running(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def stop(self):
        self.process.terminate()
        return self.process.wait(20)


def build_client(discovery_url, key, http=None):
    kwargs = {"developerKey": key, "discoveryServiceUrl": discovery_url,
              "cache_discovery": False, "http": http}
    # googleapiclient >= 2 would otherwise use its bundled copy of Google's document.
    if "static_discovery" in inspect.signature(discovery.build).parameters:
        kwargs["static_discovery"] = False
    return discovery.build("commentanalyzer", "v1alpha1", **kwargs)


def analyze_body(text, **extra):
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}},
            "languages": ["en"]}
    body.update(extra)
    return body


def error_body(error):
    return json.loads(error.content.decode("utf-8"))["error"]


class DiscoveryClientMixin:
    """The same client calls, with and without API keys (see the subclasses)."""

    no_auth = True
    key = None

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="comity-python-")
        cls.addClassCleanup(shutil.rmtree, cls.scratch, True)
        cls.data_dir = os.path.join(cls.scratch, "data")
        os.makedirs(cls.data_dir)
        model = tiny_model()
        if not cls.no_auth:
            created = run_comity("keys", "create", "--data-dir", cls.data_dir,
                                 "--name", "test", "--rpm", "600")
            cls.key = created.stdout.strip().splitlines()[-1].strip()
        cls.server = ComityServer(cls.data_dir, model, cls.no_auth)
        # Also runs when setUpClass fails, so no server outlives the suite.
        cls.addClassCleanup(cls.server.kill_if_running)
        cls.client = build_client(cls.server.discovery_url, cls.key)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        assert code == 0, "comity serve exited with %s on SIGTERM" % code

    def assert_scored(self, response, attribute="TOXICITY"):
        score = response["attributeScores"][attribute]["summaryScore"]
        self.assertEqual(score["type"], "PROBABILITY")
        self.assertGreaterEqual(score["value"], 0.0)
        self.assertLessEqual(score["value"], 1.0)
        return score["value"]

    def test_discovery_points_the_client_at_this_server(self):
        with urllib.request.urlopen(self.server.discovery_url) as response:
            document = json.load(response)
        self.assertEqual(document["rootUrl"], self.server.base_url + "/")
        self.assertEqual(document["batchPath"], "batch")
        self.assertEqual(document["name"], "commentanalyzer")

    def test_analyze_one_comment(self):
        response = self.client.comments().analyze(
            body=analyze_body("What a stupid comment. This tutorial is helpful.",
                              spanAnnotations=True, clientToken="py-1",
                              requestedAttributes={"TOXICITY": {}, "INSULT": {}})
        ).execute()
        self.assert_scored(response)
        self.assert_scored(response, "INSULT")
        self.assertEqual(response["languages"], ["en"])
        self.assertEqual(response["clientToken"], "py-1")
        spans = response["attributeScores"]["TOXICITY"]["spanScores"]
        self.assertEqual([s["begin"] for s in spans], [0, 23])

    def test_batch_of_three_analyze_requests(self):
        texts = {"toxic": TOXIC, "benign": BENIGN, "mixed": "nobody cares. thanks!"}
        results, errors = {}, {}

        def collect(request_id, response, exception):
            if exception is not None:
                errors[request_id] = exception
            else:
                results[request_id] = response

        batch = self.client.new_batch_http_request(callback=collect)
        for name, text in texts.items():
            batch.add(self.client.comments().analyze(body=analyze_body(text, clientToken=name)),
                      request_id=name)
        batch.execute()
        self.assertEqual(errors, {})
        self.assertEqual(sorted(results), sorted(texts))
        for name, response in results.items():
            self.assertEqual(response["clientToken"], name, "answers matched to their parts")
            self.assert_scored(response)
        self.assertGreater(results["toxic"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"],
                           results["benign"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"])

    def test_batch_part_errors_reach_their_callback(self):
        outcomes = {}
        batch = self.client.new_batch_http_request()
        batch.add(self.client.comments().analyze(body=analyze_body("")),
                  callback=lambda rid, resp, exc: outcomes.__setitem__("empty", (resp, exc)))
        batch.add(self.client.comments().analyze(body=analyze_body(BENIGN)),
                  callback=lambda rid, resp, exc: outcomes.__setitem__("ok", (resp, exc)))
        batch.execute()
        response, exception = outcomes["empty"]
        self.assertIsNone(response)
        self.assertIsInstance(exception, HttpError)
        self.assertEqual(exception.resp.status, 400)
        self.assertEqual(error_body(exception)["message"], "Comment must be non-empty.")
        self.assertIsNone(outcomes["ok"][1])
        self.assert_scored(outcomes["ok"][0])

    def test_empty_comment_error(self):
        with self.assertRaises(HttpError) as raised:
            self.client.comments().analyze(body=analyze_body("")).execute()
        self.assertEqual(raised.exception.resp.status, 400)
        error = error_body(raised.exception)
        self.assertEqual(error["message"], "Comment must be non-empty.")
        self.assertEqual(error["details"][0]["errorType"], "COMMENT_EMPTY")
        self.assertIn("Comment must be non-empty.", str(raised.exception))

    def test_suggestscore(self):
        response = self.client.comments().suggestscore(body={
            "comment": {"text": "a suggestion from python"},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
            "clientToken": "py-suggest"}).execute()
        self.assertEqual(response["clientToken"], "py-suggest")


class NoAuthDiscoveryTest(DiscoveryClientMixin, unittest.TestCase):
    no_auth = True
    # The discovery document declares OAuth scopes, so googleapiclient looks for Google
    # credentials unless given a key; under --no-auth any key is accepted and ignored.
    key = "ignored-without-auth"


class KeyedDiscoveryTest(DiscoveryClientMixin, unittest.TestCase):
    no_auth = False

    def test_wrong_key_is_refused_at_discovery(self):
        with self.assertRaises(HttpError) as raised:
            build_client(self.server.discovery_url, "not-a-comity-key")
        self.assertEqual(raised.exception.resp.status, 400)
        error = error_body(raised.exception)
        self.assertEqual(error["status"], "INVALID_ARGUMENT")
        self.assertEqual(error["message"], "API key not valid. Please pass a valid API key.")

    def test_wrong_key_is_refused_at_analyze(self):
        # The document fetched without a key; the calls then carry the wrong key.
        with urllib.request.urlopen(self.server.discovery_url) as response:
            document = response.read().decode("utf-8")
        client = discovery.build_from_document(document, developerKey="not-a-comity-key")
        with self.assertRaises(HttpError) as raised:
            client.comments().analyze(body=analyze_body(BENIGN)).execute()
        self.assertEqual(raised.exception.resp.status, 400)
        error = error_body(raised.exception)
        self.assertEqual(error["status"], "INVALID_ARGUMENT")
        self.assertEqual(error["message"], "API key not valid. Please pass a valid API key.")

    def test_missing_key_is_permission_denied(self):
        # A plain Http() stops googleapiclient from looking for Google credentials.
        client = build_client(self.server.discovery_url, None, http=httplib2.Http())
        with self.assertRaises(HttpError) as raised:
            client.comments().analyze(body=analyze_body(BENIGN)).execute()
        self.assertEqual(raised.exception.resp.status, 403)
        error = error_body(raised.exception)
        self.assertEqual(error["status"], "PERMISSION_DENIED")
        self.assertEqual(error["message"], "The request is missing a valid API key.")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    print("python_discovery: %d run, %d failures, %d errors, %d skipped"
          % (result.testsRun, len(result.failures), len(result.errors), len(result.skipped)))
    sys.exit(0 if result.wasSuccessful() else 1)
