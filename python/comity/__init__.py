"""Comity in-process: score comments on Perspective's attributes with the bundled model.

    >>> import comity
    >>> comity.score(["you are a clown", "thanks for the recipe"])
    [{'FLIRTATION': ..., 'IDENTITY_ATTACK': ..., ..., 'TOXICITY': ...}, {...}]

The numbers are `comity score`'s (six decimals, same routing and model). Scoring runs in
C++ on all cores with the GIL released. See docs/python.md.
"""

import itertools
import os

from . import _comity
from ._comity import ModelError

__all__ = ["Model", "ModelError", "score", "stream", "spans", "BUNDLED_MODEL", "ATTRIBUTES"]

BUNDLED_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models",
                             "comity-2.cmodel")
ATTRIBUTES = ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT",
              "SEXUALLY_EXPLICIT", "FLIRTATION")
# Texts handed to C++ at a time: enough to keep every core busy, few enough that an
# endless generator is read a bounded amount ahead.
CHUNK = 4096
_ERRORS = ("raise", "none")


def _attribute_list(attributes):
    if attributes is None:
        return []
    if isinstance(attributes, str):
        return [a for a in attributes.split(",") if a]  # as `--attributes A,B`
    return [str(a) for a in attributes]


def _chunks(texts, size):
    if isinstance(texts, (str, bytes, bytearray)):
        yield [texts]
        return
    if texts is None:
        raise TypeError("texts must be a str, bytes or an iterable of them, not None")
    if hasattr(texts, "tolist") and getattr(texts, "ndim", 1) == 1:
        # numpy arrays and pandas Series: their elements, without the index.
        texts = texts.tolist()
    try:
        iterator = iter(texts)
    except TypeError:
        raise TypeError(f"texts must be a str, bytes or an iterable of them, not "
                        f"{type(texts).__name__}") from None
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk


class Model:
    """A model file (or several, comma-separated, routed by language as `comity score -m`).

    `path=None`: $COMITY_MODEL when set (as the CLI), else the bundled comity-2.
    """

    def __init__(self, path=None, threads=None):
        if path is None:
            path = os.environ.get("COMITY_MODEL") or BUNDLED_MODEL
        if isinstance(path, (list, tuple)):
            path = ",".join(os.fspath(p) for p in path)
        self.path = os.fspath(path)
        self.threads = threads or 0
        self._model = _comity.Model(self.path)

    @property
    def info(self):
        """name, version, languages, attributes, checksum (xxh64, hex), architecture, path,
        bytes of the first model, as `comity model` prints them."""
        return self._model.info()

    @property
    def languages(self):
        """Every language some model serves (canonical codes, sorted)."""
        return self._model.languages()

    def stream(self, texts, attributes=None, language=None, errors="raise", lenient=False,
               threads=None, chunk_size=CHUNK):
        """Yields one scores dict per text, reading `texts` `chunk_size` at a time."""
        if errors not in _ERRORS:
            raise ValueError(f"errors must be one of {_ERRORS}, not {errors!r}")
        wanted = _attribute_list(attributes)
        language = "" if language is None else str(language)
        threads = self.threads if threads is None else threads
        offset = 0
        for chunk in _chunks(texts, max(1, int(chunk_size))):
            yield from self._model.score(chunk, wanted, language, threads, bool(lenient),
                                         errors == "raise", offset)
            offset += len(chunk)

    def score(self, texts, attributes=None, language=None, errors="raise", lenient=False,
              threads=None):
        """A list of {ATTRIBUTE: probability}, one per text (a single str is one text).

        errors="raise": the first text that cannot be scored raises TypeError (not str
        or bytes, e.g. None or NaN) or ValueError ("texts[3]: empty text", "texts[0]:
        invalid UTF-8 at byte ..."), the messages of `comity score`. errors="none": such
        a text gives None instead. lenient=True repairs invalid UTF-8 (U+FFFD).
        """
        return list(self.stream(texts, attributes, language, errors, lenient, threads))

    def spans(self, text, attributes=None, language=None, lenient=False):
        """One text's `comity score --sentences --highlights` row: scores, language, model,
        sentences and highlights, with UTF-16, byte and code-point (cp_begin/cp_end,
        Python's indexing) offsets."""
        return self._model.spans(text, _attribute_list(attributes),
                                 "" if language is None else str(language), bool(lenient))

    def __repr__(self):
        return f"comity.Model({self.path!r})"


_default = None


def _bundled():
    global _default
    if _default is None:
        _default = Model()
    return _default


def score(texts, attributes=None, language=None, **options):
    """Model().score with the default model, loaded once. See Model.score."""
    return _bundled().score(texts, attributes, language, **options)


def stream(texts, attributes=None, language=None, **options):
    """Model().stream with the default model: lazy, for generators of any length."""
    return _bundled().stream(texts, attributes, language, **options)


def spans(text, attributes=None, language=None, **options):
    """Model().spans with the default model."""
    return _bundled().spans(text, attributes, language, **options)
