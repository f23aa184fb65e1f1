"""The installed `comity` package: scores, the same numbers as the CLI, bad input, threads,
numpy/pandas/generator input, `python -m comity score`. Run by tests/python/run.sh."""

import itertools
import json
import os
import subprocess
import sys
import threading
import time

import pytest

import comity

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMITY_BIN = os.environ.get("COMITY_BIN", os.path.join(SOURCE_DIR, "build", "release", "comity"))
needs_cli = pytest.mark.skipif(not os.access(COMITY_BIN, os.X_OK),
                               reason=f"no comity binary at {COMITY_BIN} (build/release)")

TEXTS = [
    "you are a clown",
    "Thanks for the thoughtful article, I learned a lot.",
    "Shut up, you paid kremtroll, nobody believes your f*cking lies.",
    "I will find you and hurt you.",
    "Du bist ein Idiot und das weiß jeder hier.",
    "😀 lovely garden, see you at the meeting 🌷",
    "y0u 4re an 1d10t",
    "A longer comment. It has several sentences! Does it? Yes, and one of them calls you a moron.",
    "tab\tinside and trailing spaces   ",
]


def cli(*args, stdin=None):
    run = subprocess.run([COMITY_BIN, *args], input=stdin, capture_output=True,
                         env=dict(os.environ, COMITY_MODEL=comity.BUNDLED_MODEL))
    return run.returncode, run.stdout.decode(), run.stderr.decode()


def cli_rows(texts, *extra):
    args = ["score", "-m", comity.BUNDLED_MODEL, *extra]
    for t in texts:
        args += ["-t", t]
    code, out, err = cli(*args)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_the_installed_package_carries_its_model():
    # Imported from the virtual environment, not the source tree.
    assert os.path.realpath(comity.__file__).startswith(os.path.realpath(sys.prefix))
    assert os.path.getsize(comity.BUNDLED_MODEL) == os.path.getsize(
        os.path.join(SOURCE_DIR, "models", "comity-2.cmodel"))


def test_score_gives_one_dict_of_probabilities_per_text():
    results = comity.score(TEXTS)
    assert len(results) == len(TEXTS)
    for r in results:
        assert sorted(r) == sorted(comity.ATTRIBUTES)
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in r.values())
    assert results[0]["TOXICITY"] > results[1]["TOXICITY"]
    assert results[3]["THREAT"] > results[1]["THREAT"]
    # A single str is one text, not its characters.
    assert comity.score(TEXTS[0]) == [results[0]]
    assert comity.score([]) == []


@needs_cli
def test_the_numbers_are_the_clis():
    rows = cli_rows(TEXTS)
    assert [r["scores"] for r in rows] == comity.score(TEXTS)
    only = ["TOXICITY", "INSULT"]
    rows = cli_rows(TEXTS, "--attributes", ",".join(only))
    assert [r["scores"] for r in rows] == comity.score(TEXTS, attributes=only)
    assert [r["scores"] for r in rows] == comity.score(TEXTS, attributes="TOXICITY,INSULT")
    rows = cli_rows(TEXTS, "--language", "de")
    assert [r["scores"] for r in rows] == comity.score(TEXTS, language="de")


@needs_cli
def test_spans_are_the_clis_sentences_and_highlights():
    text = "You are an idiot! 😀 Thanks for the recipe, you moron."
    row = cli_rows([text], "--sentences", "--highlights")[0]
    got = comity.spans(text)
    assert got == row
    assert len(got["sentences"]) == 2
    assert got["highlights"], got
    for h in got["highlights"]:
        # Code-point offsets index a Python str.
        assert text[h["cp_begin"]:h["cp_end"]] == h["text"]


@needs_cli
def test_model_info_is_what_comity_model_prints():
    code, out, err = cli("model", comity.BUNDLED_MODEL)
    assert code == 0, err
    printed = json.loads(out)
    info = comity.Model().info
    for key in ("name", "version", "languages", "attributes", "architecture", "bytes"):
        assert info[key] == printed[key], key
    assert info["checksum"] == printed["checksum_xxh64"]


def test_model_from_a_path_and_its_languages():
    other = comity.Model(os.path.join(SOURCE_DIR, "models", "comity-en-1.cmodel"))
    assert other.info["version"] == "comity-en-1"
    assert "en" in other.languages
    assert comity.Model().info["version"] == "comity-2"
    # A different model gives different numbers for the same text.
    assert other.score(TEXTS[:3]) != comity.score(TEXTS[:3])
    with pytest.raises(comity.ModelError, match="absent.cmodel"):
        comity.Model("/nonexistent/absent.cmodel")


def test_wrong_types_raise_type_error_naming_the_item():
    with pytest.raises(TypeError, match=r"^texts\[1\]: expected str or bytes, got NoneType$"):
        comity.score(["fine", None])
    with pytest.raises(TypeError, match=r"texts\[0\]: expected str or bytes, got int"):
        comity.score([42])
    # The first bad text in input order is the one reported, whatever its kind.
    with pytest.raises(ValueError, match=r"^texts\[1\]: empty text$"):
        comity.score(["fine", "", None])
    with pytest.raises(TypeError, match=r"^texts\[1\]: "):
        comity.score(["fine", None, ""])
    with pytest.raises(TypeError):
        comity.score(None)
    with pytest.raises(TypeError):
        comity.score(42)
    with pytest.raises(TypeError):
        comity.spans(None)


def test_unscorable_texts_raise_value_error_with_the_clis_message():
    with pytest.raises(ValueError, match=r"^texts\[0\]: empty text$"):
        comity.score([""])
    with pytest.raises(ValueError, match=r"^texts\[2\]: empty text$"):
        comity.score(["a", "b", " \t\r\n"])
    with pytest.raises(ValueError, match=r"texts\[0\]: invalid UTF-8 at byte 4"):
        comity.score([b"bad \xff bytes"])
    # A lone surrogate is no character: the UTF-8 it stands for is refused like the CLI's.
    with pytest.raises(ValueError, match=r"texts\[0\]: invalid UTF-8 at byte 2"):
        comity.score(["ab\ud800cd"])
    with pytest.raises(ValueError, match=r"^unknown attribute 'TOXIC'$"):
        comity.score(["hi"], attributes=["TOXIC"])
    with pytest.raises(ValueError, match=r"is not a language tag"):
        comity.score(["hi"], language="not a tag!")
    with pytest.raises(ValueError, match="errors must be one of"):
        comity.score(["hi"], errors="ignore")
    with pytest.raises(ValueError, match="^empty text$"):
        comity.spans("")


@needs_cli
def test_error_messages_match_the_cli_word_for_word(tmp_path):
    for bad in (b"bad \xff\xfe bytes", b"over\xc0\xaflong", b"", b"   "):
        path = tmp_path / "one.txt"
        path.write_bytes(bad + b"\n")
        code, out, _ = cli("score", "-m", comity.BUNDLED_MODEL, str(path))
        assert code == 1
        cli_message = json.loads(out)["error"]
        with pytest.raises(ValueError) as raised:
            comity.score([bad])
        assert str(raised.value) == f"texts[0]: {cli_message}"


def test_errors_none_gives_none_in_place_and_lenient_repairs():
    results = comity.score(["you idiot", None, "", b"\xff", float("nan"), "thanks"],
                           errors="none")
    assert [r is None for r in results] == [False, True, True, True, True, False]
    assert results[0] == comity.score(["you idiot"])[0]
    assert results[5] == comity.score(["thanks"])[0]
    repaired = comity.score([b"you \xff idiot"], lenient=True)[0]
    assert repaired == comity.score(["you \ufffd idiot"])[0]


def test_bytes_and_str_score_alike():
    assert comity.score([t.encode() for t in TEXTS]) == comity.score(TEXTS)
    assert comity.score([bytearray(TEXTS[0].encode())]) == comity.score(TEXTS[:1])


def test_threads_give_identical_results():
    texts = [f"{t} (variant {i})" for i in range(40) for t in TEXTS]
    expected = comity.score(texts, threads=1)
    assert comity.score(texts, threads=2) == expected
    assert comity.score(texts) == expected
    results, errors = {}, []

    def work(n):
        try:
            model = comity.Model() if n % 2 else None  # a shared and a private model
            for _ in range(3):
                got = model.score(texts) if model else comity.score(texts)
                results.setdefault(n, []).append(got)
        except Exception as e:  # reported below; a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4
    for runs in results.values():
        for got in runs:
            assert got == expected


def test_scoring_releases_the_gil():
    texts = [f"{t} number {i}" for i in range(2000) for t in TEXTS]
    done = threading.Event()
    span = {}

    def work():
        span["start"] = time.monotonic()
        comity.score(texts)
        span["end"] = time.monotonic()
        done.set()

    ticks = []
    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks.append(time.monotonic())
        time.sleep(0.001)
    worker.join()
    # Python code ran in this thread while the C++ scored: the GIL was not held.
    inside = [t for t in ticks if span["start"] + 0.01 < t < span["end"] - 0.01]
    assert span["end"] - span["start"] > 0.05, "too fast to tell; score more texts"
    assert len(inside) > 5, (len(inside), span)


def test_numpy_and_pandas_inputs():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    expected = comity.score(TEXTS)
    assert comity.score(np.array(TEXTS)) == expected
    assert comity.score(np.array(TEXTS, dtype=object)) == expected
    assert comity.score(np.array([t.encode() for t in TEXTS])) == expected
    series = pd.Series(TEXTS, index=[f"row{i}" for i in reversed(range(len(TEXTS)))])
    assert comity.score(series) == expected
    frame = pd.DataFrame({"body": TEXTS})
    frame = frame.join(pd.DataFrame(comity.score(frame["body"])))
    assert list(frame["TOXICITY"]) == [r["TOXICITY"] for r in expected]
    # A missing value (NaN) is a type error, or None with errors="none".
    with_missing = pd.Series([TEXTS[0], None, TEXTS[1]])
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        comity.score(with_missing)
    assert comity.score(with_missing, errors="none")[1] is None


def test_generators_are_streamed_a_chunk_at_a_time():
    pulled = []

    def endless():
        for i in itertools.count():
            pulled.append(i)
            yield TEXTS[i % len(TEXTS)]

    first = list(itertools.islice(comity.stream(endless(), chunk_size=100), 250))
    assert first == comity.score([TEXTS[i % len(TEXTS)] for i in range(250)])
    # Three chunks read, not the endless rest.
    assert len(pulled) <= 300
    # score() takes a finite generator, indexes errors across chunks.
    gen = (t for t in TEXTS * 3)
    assert comity.score(gen) == comity.score(TEXTS * 3)
    with pytest.raises(ValueError, match=r"texts\[150\]: empty text"):
        list(comity.stream((("" if i == 150 else "ok") for i in range(200)), chunk_size=64))


@needs_cli
def test_python_m_comity_score_is_the_cli(tmp_path):
    path = tmp_path / "comments.txt"
    path.write_bytes("\n".join(TEXTS).encode() + b"\n\nbad \xff line\n")
    for extra in ([], ["--highlights", "--sentences"], ["--attributes", "TOXICITY"],
                  ["--allow-errors"], ["--on-error", "fail"]):
        expected = cli("score", str(path), *extra)
        run = subprocess.run([sys.executable, "-m", "comity", "score", str(path), *extra],
                             capture_output=True)
        assert (run.returncode, run.stdout.decode(), run.stderr.decode()) == expected, extra
    # From stdin, as in a pipeline.
    jsonl = b'{"id": 7, "text": "you clown"}\n{"id": 8, "text": "kind words"}\n'
    run = subprocess.run([sys.executable, "-m", "comity", "score", "--format", "jsonl", "-"],
                         input=jsonl, capture_output=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == cli("score", "--format", "jsonl", "-", stdin=jsonl)[1]
    assert [json.loads(l)["id"] for l in run.stdout.decode().splitlines()] == [7, 8]


def test_python_m_comity_usage_and_help():
    run = subprocess.run([sys.executable, "-m", "comity"], capture_output=True, text=True)
    assert run.returncode == 2 and "usage" in run.stderr
    run = subprocess.run([sys.executable, "-m", "comity", "score", "--help"], capture_output=True,
                         text=True)
    assert run.returncode == 0 and "--text-field" in run.stdout
    run = subprocess.run([sys.executable, "-m", "comity", "score", "--bogus"], capture_output=True,
                         text=True)
    assert run.returncode != 0 and "--bogus" in run.stderr
