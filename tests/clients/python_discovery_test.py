"""googleapiclient (Debian's python3-googleapi) against `comity serve`, the way HELM,
garak and perspective.py use Perspective: build the client from the discovery
document, analyze one comment, then a batch (with HELM's long request ids too), and
one client kept across 10 s idle gaps. Run with /usr/bin/python3; needs COMITY_BIN
(and optionally COMITY_TEST_MODEL), which tests/clients/run.sh sets. The server
comes from comity_server.py beside this file."""

import inspect
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import urllib.request

import httplib2
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from comity_server import ComityServer, create_key, tiny_model

TOXIC = "shut up, you loser. nobody cares, fool"
BENIGN = "this tutorial is helpful"


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


# HELM passes each comment's text as the batch request id; googleapiclient quotes it into
# the part's Content-ID and its email Generator folds that header past 78 columns.
LONG_TEXTS = [
    "I read the whole article twice and I still think the council got the numbers on the "
    "new bus lanes completely wrong, but thanks for writing it up so clearly.",
    "shut up, you loser. nobody cares about your opinion on the bus lanes, fool, and "
    "nobody ever asked you to comment on every single article this paper publishes.",
]
# Each long text is its own request id, as HELM sends them.
LONG_BATCH = {text: text for text in LONG_TEXTS}


def idle_gap_seconds():
    return float(os.environ.get("COMITY_IDLE_GAP_SECONDS", "10"))


def local_ports(http):
    """The client-side ports of httplib2's pooled connections: the same port after
    an idle gap means the kept-alive connection was reused. Were it closed by the
    server, Debian's httplib2 0.20 fails the call with BrokenPipeError (other
    versions reconnect and resend the POST, which the port comparison catches)."""
    return sorted(conn.sock.getsockname()[1] for conn in http.connections.values()
                  if getattr(conn, "sock", None) is not None)


def run_batch(client, requests, test):
    """One batch of analyze calls; `requests` maps each request id to its text."""
    results, errors = {}, {}

    def collect(request_id, response, exception):
        if exception is not None:
            errors[request_id] = exception
        else:
            results[request_id] = response

    batch = client.new_batch_http_request(callback=collect)
    for request_id, text in requests.items():
        batch.add(client.comments().analyze(body=analyze_body(text, clientToken=request_id[:20])),
                  request_id=request_id)
    try:
        batch.execute()
    except ValueError as error:
        # googleapiclient's _header_to_id: the echoed Content-ID lost its " + id" half.
        test.fail("googleapiclient could not read a Content-ID in the batch reply (%s): "
                  "the server did not unfold the request's folded Content-ID header" % error)
    return results, errors


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
            cls.key = create_key(cls.data_dir, "test", rpm=600)
        cls.server = ComityServer(cls.data_dir, model, cls.no_auth, threads=2,
                                  log_path=os.path.join(cls.scratch, "serve.log"))
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
        results, errors = run_batch(self.client, texts, self)
        self.assertEqual(errors, {})
        self.assertEqual(sorted(results), sorted(texts))
        for name, response in results.items():
            self.assertEqual(response["clientToken"], name, "answers matched to their parts")
            self.assert_scored(response)
        self.assertGreater(results["toxic"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"],
                           results["benign"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"])

    def test_batch_whose_request_ids_are_long_comment_texts(self):
        self.assertTrue(all(len(text) > 100 for text in LONG_TEXTS))
        results, errors = run_batch(self.client, LONG_BATCH, self)
        self.assertEqual(errors, {})
        # googleapiclient maps each answer back by the id it reads from the folded
        # Content-ID the server echoed: only an unfolded header gives the text back.
        self.assertEqual(sorted(results), sorted(LONG_TEXTS))
        for text, response in results.items():
            self.assertEqual(response["clientToken"], text[:20])
            self.assert_scored(response)

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


class IdleKeepAliveTest(unittest.TestCase):
    """Its own server and client, so the idle gaps cannot leave the other suites'
    shared client holding a connection the server may have closed."""

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="comity-python-idle-")
        cls.addClassCleanup(shutil.rmtree, cls.scratch, True)
        data_dir = os.path.join(cls.scratch, "data")
        os.makedirs(data_dir)
        cls.key = create_key(data_dir, "idle", rpm=600)
        cls.server = ComityServer(data_dir, tiny_model(), False,
                                  log_path=os.path.join(cls.scratch, "serve.log"))
        cls.addClassCleanup(cls.server.kill_if_running)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    assert_scored = DiscoveryClientMixin.assert_scored

    def after_gap(self, gap, call):
        try:
            return call()
        except (OSError, httplib2.HttpLib2Error) as error:
            self.fail("the first call after a %.0f s idle gap failed with %s: %s (the server "
                      "closed the kept-alive connection while it was idle)"
                      % (gap, type(error).__name__, error))

    def test_one_client_across_10_s_idle_gaps(self):
        # One httplib2.Http for discovery and every call, as a long-running evaluation
        # job holds it; the gaps are what a pipeline waiting on its model looks like.
        http = httplib2.Http(timeout=30)
        client = build_client(self.server.discovery_url, self.key, http=http)
        first = client.comments().analyze(body=analyze_body(TOXIC)).execute()
        self.assert_scored(first)
        ports = local_ports(http)
        self.assertEqual(len(ports), 1, "one pooled connection after discovery and analyze")
        gap = idle_gap_seconds()
        time.sleep(gap)
        second = self.after_gap(gap, client.comments().analyze(body=analyze_body(BENIGN)).execute)
        self.assert_scored(second)
        self.assertEqual(local_ports(http), ports,
                         "the server closed the kept-alive connection during a %.0f s idle "
                         "gap (httplib2 reconnected and resent the POST)" % gap)
        time.sleep(gap)
        results, errors = self.after_gap(gap, lambda: run_batch(client, LONG_BATCH, self))
        self.assertEqual(errors, {})
        self.assertEqual(sorted(results), sorted(LONG_TEXTS))
        self.assertEqual(local_ports(http), ports,
                         "the batch after a second %.0f s gap did not reuse the connection" % gap)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    print("python_discovery: %d run, %d failures, %d errors, %d skipped"
          % (result.testsRun, len(result.failures), len(result.errors), len(result.skipped)))
    sys.exit(0 if result.wasSuccessful() else 1)
