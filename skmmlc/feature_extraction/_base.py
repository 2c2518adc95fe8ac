"""Machinery shared by the static feature extractors.

Every extractor (visual, audio, text) maps one input per row (a file path or a
string) to a fixed ``(n_steps, dim)`` float32 array and returns the rows
flattened time-major: ``(n_samples, n_steps * dim)``, zero-padded. This module
holds what they have in common:

- input coercion (1-D array-like, Series, or a 2-D frame with one or more
  columns; with several columns the first non-empty value of a row is used,
  e.g. ``["audio", "video"]`` for "the audio file, else the video's track");
- the error policy (``on_error="raise"`` or ``"zeros"``), with errors that name
  the row and the file;
- the opt-in feature cache (one ``.npy`` file per input, written atomically);
- streaming: inputs are decoded in a background thread while the network runs
  on the previous chunk, and only one chunk of decoded media is held at a time;
- a progress bar (tqdm) silenced by ``verbose=0``;
- ``n_jobs``: chunks of clips extracted by joblib workers (loky, or dask on a
  cluster), identical to a serial run (:mod:`skmmlc.feature_extraction._parallel`).

Subclasses implement ``_output_shape``, ``_runner_key``, ``_build_runner``, ``_read`` and
``_forward`` (see :class:`BaseExtractor`).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from ..exceptions import MediaError, SkippedRowsWarning
from ..utils import URL_RE as _URL
from ..utils import file_fingerprint, file_identity, file_sha256, link_problem
from . import _parallel
from ._cache import MODELS, FeatureCache, fill_from_cache
from ._parallel import progress_bar

__all__ = ["BaseExtractor", "FeatureCache", "file_fingerprint", "file_identity", "file_sha256"]


def _is_missing(value):
    if value is None or type(value).__name__ == "NAType":  # pandas.NA
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, str | os.PathLike) and str(value).strip() == "":
        return True
    return False


def coerce_column(X, *, max_columns=1, name="X"):
    """Turn ``X`` into a list with one value (or a tuple of values) per row.

    Accepts a 1-D array-like, a pandas Series, or a 2-D array/DataFrame with at
    most ``max_columns`` columns. With several columns, each row becomes a
    tuple (first column first).
    """
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # DataFrame
        values = X.to_numpy(dtype=object)
    elif hasattr(X, "to_numpy"):  # Series
        values = X.to_numpy(dtype=object)
    else:
        values = np.asarray(X, dtype=object)
    if values.ndim == 0:
        raise ValueError(
            f"{name} must be a 1-D array-like of inputs (one per clip), got a "
            f"scalar {X!r}. Wrap a single input in a list: [{X!r}]."
        )
    if values.ndim == 2:
        if values.shape[1] == 0:
            raise ValueError(
                f"0 feature(s) (shape={values.shape}) while a minimum of 1 is "
                f"required: {name} has no column."
            )
        if values.shape[1] == 1:
            values = values[:, 0]
        elif values.shape[1] > max_columns:
            raise ValueError(
                f"{name} has {values.shape[1]} columns but this extractor reads "
                f"at most {max_columns}: select its column(s) first, e.g. with "
                "ColumnTransformer([(name, extractor, 'video')])."
            )
    elif values.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {values.shape}.")
    if values.shape[0] == 0:
        raise ValueError(f"{name} has 0 rows: at least one input is required.")
    if values.ndim == 2:
        return [tuple(row) for row in values]
    return list(values)


def first_present(item):
    """The first non-missing value of a row (a tuple of columns) or None."""
    if isinstance(item, tuple):
        for value in item:
            if not _is_missing(value):
                return value
        return None
    return None if _is_missing(item) else item


def check_file(path, row, what="file"):
    """Raise a :class:`MediaError` naming ``row`` if ``path`` is not a readable file."""
    if _URL.match(os.fspath(path)):
        raise MediaError(
            f"row {row}: {what} {os.fspath(path)!r} is a URL; skmmlc reads local files "
            "only: download it first and put the local path in its place.",
            row=row,
            source=os.fspath(path),
        )
    p = Path(os.fspath(path))
    if not p.exists() and link_problem(p):
        raise MediaError(
            f"row {row}: {what} {str(p)!r} {link_problem(p)}. Fix the link, give "
            "the real file's path, or drop the row.",
            row=row,
            source=str(p),
        )
    if not p.exists():
        raise MediaError(
            f"row {row}: {what} {str(p)!r} does not exist. Check the path (relative "
            f"paths are resolved from {os.getcwd()!r}) or drop the row.",
            row=row,
            source=str(p),
        )
    if not p.is_file():
        raise MediaError(
            f"row {row}: {what} {str(p)!r} is not a regular file.",
            row=row,
            source=str(p),
        )
    if p.stat().st_size == 0:
        raise MediaError(
            f"row {row}: {what} {str(p)!r} is empty (0 bytes): the file is "
            "truncated or was never written. Re-create it or drop the row.",
            row=row,
            source=str(p),
        )
    return p


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


class BaseExtractor(TransformerMixin, BaseEstimator):
    """Base class of the static feature extractors (not public).

    Subclasses define:

    - ``_feature_prefix`` (str) and ``_max_columns`` (int, default 1);
    - ``_input_kind``: ``"file"`` (inputs are paths) or ``"text"``;
    - ``_parameter_constraints``: their own parameters, merged with
      ``BaseExtractor._parameter_constraints``;
    - ``_output_shape(self) -> (n_steps, dim)``;
    - ``_runner_key(self)``: what defines the model (network or word
      vectors): weights identity and the settings that change the built
      object;
    - ``_build_runner(self)``: build that model. It is never stored on the
      estimator: :meth:`_get_runner` keeps it in the process-wide cache
      :data:`MODELS` under ``(class name, _runner_key())``, so that clones,
      unpickled copies and concurrent ``transform`` calls use one copy;
    - ``_weights_identity(self) -> str``: what makes two weight sets differ;
    - ``_read(self, item, row)``: decode one input (may raise MediaError);
      runs in a background thread, must not touch the model (or override
      ``_reader(runner)`` to hand ``_read`` what it needs from the model);
    - ``_forward(self, runner, decoded: list) -> ndarray (len, n_steps, dim)``;
    - optionally ``_check_params(self)`` (checks that parameter constraints
      cannot express, e.g. "the weights file exists") and
      ``_fit_items(self, items)`` (what ``fit`` learns or draws, e.g. a seed).

    ``fit`` validates and records; ``transform`` changes nothing on the
    estimator (no attribute is added or modified), so a fitted extractor can
    be shared between threads.

    Subclasses expose the parameters ``batch_size``, ``cache``, ``on_error``,
    ``verbose`` and ``n_jobs`` (and list them in their ``__init__``).
    """

    _feature_prefix = "f"
    _max_columns = 1
    _input_kind = "file"
    # clips decoded ahead of the network; bounds memory to one chunk
    _chunk_clips = 8

    _parameter_constraints: dict = {
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "cache": [None, str, os.PathLike, HasMethods(["cache"])],
        "on_error": [StrOptions({"raise", "zeros"})],
        "verbose": ["verbose"],
        "n_jobs": [None, Integral],
    }

    # -- scikit-learn API -------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate parameters and input; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Inputs, one per clip.
        y : ignored

        Returns
        -------
        self : object
        """
        self._check_params()
        items = self._validate_input(X, reset=True)
        self._fit_items(items)
        self.n_steps_, self.dim_ = self._output_shape()
        return self

    def output_shape(self):
        """``(n_steps, dim)`` of the features this extractor's parameters give.

        Known before ``fit`` (``fit`` sets ``n_steps_`` and ``dim_`` to it):
        what a model downstream of the extractor, such as
        :class:`~skmmlc.EndToEndMultimodalClassifier`'s ``layout``, is
        built for. Word vectors other than the default are loaded to learn
        their width.

        Returns
        -------
        n_steps, dim : int
        """
        n_steps, dim = self._output_shape()
        return int(n_steps), int(dim)

    def transform(self, X):
        """Extract features.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Inputs, one per clip, with the columns seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_steps * dim), float32
            Time-major, zero-padded features.
        """
        check_is_fitted(self, "n_steps_")
        items = self._validate_input(X, reset=False)
        return self._extract(items, index=_index_labels(X, len(items)))

    def get_feature_names_out(self, input_features=None):
        """Names ``{prefix}_t{step}_{unit}`` of the output columns, time-major."""
        check_is_fitted(self, "n_steps_")
        p = self._feature_prefix
        t_width = len(str(self.n_steps_ - 1))
        d_width = len(str(self.dim_ - 1))
        return np.asarray(
            [
                f"{p}_t{t:0{t_width}d}_{d:0{d_width}d}"
                for t in range(self.n_steps_)
                for d in range(self.dim_)
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        # As scikit-learn's own text transformers (CountVectorizer...): the
        # input is one path or text per row, not a 2-D numeric array, so the
        # numeric common checks do not apply; tests/_checks.py holds the
        # checks that do (on real media).
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags

    # -- hooks --------------------------------------------------------------
    def _check_params(self):
        """Checks of the parameters that ``_parameter_constraints`` cannot express."""

    def _fit_items(self, items):
        """What ``fit`` learns from the coerced inputs (nothing by default)."""

    # -- input ----------------------------------------------------------------
    def _validate_input(self, X, *, reset):
        """Coerce ``X`` to one item per row; record (``reset``) or check its columns.

        The scikit-learn rules of ``validate_data`` for the columns, on inputs
        that are not numeric: ``n_features_in_`` is the number of columns (1
        for a 1-D input), ``feature_names_in_`` the column names of a
        DataFrame; ``transform`` rejects another number of columns or other
        names.
        """
        items = coerce_column(X, max_columns=self._max_columns)
        n_columns = len(items[0]) if isinstance(items[0], tuple) else 1
        _check_feature_names(self, X, reset=reset)
        if reset:
            self.n_features_in_ = n_columns
        elif n_columns != self.n_features_in_:
            raise ValueError(
                f"X has {n_columns} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        return items

    # -- identity (feature cache keys) -------------------------------------
    def _identity(self):
        """What the features depend on, besides the input itself."""
        params = {
            k: v
            for k, v in sorted(self.get_params(deep=False).items())
            if k not in self._params_not_in_identity()
        }
        return json.dumps(
            {
                "class": type(self).__name__,
                "params": {k: repr(v) for k, v in params.items()},
                "weights": self._weights_identity(),
            },
            sort_keys=True,
        )

    def _params_not_in_identity(self):
        return {"batch_size", "cache", "on_error", "verbose", "weights", "n_jobs"}

    def _input_identity(self, item, row):
        if self._input_kind == "text":
            return "text:" + ("" if _is_missing(item) else str(item))
        path = first_present(item) if isinstance(item, tuple) else item
        if _is_missing(path):
            return None
        try:
            return "file:" + file_fingerprint(os.fspath(path))
        except OSError:
            return None

    # -- extraction -----------------------------------------------------------
    def _get_runner(self):
        """The model, from the process-wide cache (never stored on ``self``)."""
        return MODELS.get((type(self).__name__, self._runner_key()), self._build_runner)

    def _reader(self, runner):
        """The function ``read(item, row)`` that decodes one input (reader thread)."""
        return self._read

    def _extract(self, items, index=None):
        """Features of ``items``: cached rows first, then the others, streamed.

        ``index``: the rows' labels in the input's index (None: 0..n-1), named
        in errors next to the positions.
        """
        shape = self._output_shape()
        out = np.zeros((len(items), shape[0] * shape[1]), dtype=np.float32)
        cache = FeatureCache(self.cache) if self.cache is not None else None
        keys = self._cache_keys(items) if cache is not None else [None] * len(items)
        todo = fill_from_cache(out, cache, keys, shape)
        n_workers = _parallel.effective_n_jobs(self.n_jobs) if todo else 1
        try:
            if not todo:
                failed = []
            elif n_workers > 1:  # chunks of clips in joblib workers (loky, dask...)
                failed = _parallel.extract_parallel(self, items, todo, out, keys, n_workers)
            else:
                failed = self._compute(items, todo, out, cache, keys)
        except MediaError as err:
            if index is None or err.row is None:
                raise
            raise _with_index_label(err, index) from err.__cause__
        if failed:
            if index is not None:
                failed = [(i, _with_index_label(err, index)) for i, err in failed]
            _warn_skipped(type(self).__name__, failed, len(items))
        return out

    def _cache_keys(self, items):
        """Feature-cache key of each item (None: not cacheable, e.g. no file)."""
        ident = self._identity()
        keys = []
        for i, item in enumerate(items):
            input_id = self._input_identity(item, i)
            keys.append(None if input_id is None
                        else _digest(FeatureCache.format_version, ident, input_id))
        return keys

    def _uncached_rows(self, X):
        """Rows of ``X`` whose features have no entry in ``self.cache``.

        Rows that have no key (no file to read) are left out. Returns
        ``[(row, source), ...]``: ``source`` is the row's file (None for
        text).
        """
        items = self._validate_input(X, reset=False)
        missing = FeatureCache(self.cache).missing(self._cache_keys(items))
        if self._input_kind == "text":
            return [(i, None) for i in missing]
        return [(i, first_present(items[i]) if isinstance(items[i], tuple) else items[i])
                for i in missing]

    def _compute(self, items, rows, out, cache, keys, progress=None):
        """Decode ``rows`` of ``items`` and run the model on them, chunk by chunk.

        Fills ``out`` (and the cache); returns ``[(row, MediaError), ...]`` of
        the rows that could not be read under ``on_error="zeros"``. ``items``,
        ``out`` and ``keys`` are indexed by row (a joblib worker passes
        mappings holding its rows only).
        """
        runner = self._get_runner()
        read = self._reader(runner)
        failed = []
        if progress is None:
            progress = progress_bar(len(rows), self.verbose, type(self).__name__)
        chunks = _decoded_chunks(read, items, rows, self._chunk_clips)
        try:
            for chunk in chunks:
                ok_rows, ok_data = [], []
                n_read = len(chunk)
                for i, data, err in chunk:
                    if err is None:
                        ok_rows.append(i)
                        ok_data.append(data)
                    elif self.on_error == "raise":
                        raise err
                    else:
                        failed.append((i, err))
                del chunk
                if ok_data:
                    feats = np.asarray(self._forward(runner, ok_data), dtype=np.float32)
                    for i, f in zip(ok_rows, feats):
                        if not np.isfinite(f).all():  # never kept, never cached
                            err = _non_finite_error(self, items[i], i, f)
                            if self.on_error == "raise":
                                raise err
                            failed.append((i, err))
                            continue
                        out[i] = f.reshape(-1)
                        if cache is not None and keys[i] is not None:
                            cache.put(keys[i], f)
                progress.update(n_read)
        finally:
            chunks.close()  # stop the reader thread when a row raises
            progress.close()
        return failed


def _non_finite_error(extractor, item, row, features):
    """The MediaError of a row whose features came out NaN or infinite."""
    source = first_present(item) if isinstance(item, tuple) else item
    bad = int(features.size - np.isfinite(features).sum())
    return MediaError(
        f"row {row}: {type(extractor).__name__} computed {bad} non-finite features "
        f"(NaN or inf) for {source!r}: its values overflow float32 in the network "
        "(samples or pixels far outside their range?). The features are not kept "
        "nor cached. Repair or drop the input, or pass on_error='zeros' to skip "
        "such rows.",
        row=row,
        source=None if source is None else str(source),
    )


def _index_labels(X, n):
    """The labels of ``X``'s index as a list, or None if it has none besides 0..n-1."""
    index = getattr(X, "index", None)  # a list's .index is a method: not an index
    if not hasattr(index, "tolist") or len(index) != n:
        return None
    labels = index.tolist()
    if labels == list(range(n)):
        return None
    return labels


def _with_index_label(err, index):
    """``err`` again, its message naming the row's index label next to its position."""
    label = index[err.row]
    position = f"row {err.row}"
    named = f"{position} (index {label!r})"
    message = str(err)
    if message.startswith(position):
        message = named + message[len(position):]
    else:
        message = f"{named}: {message}"
    return MediaError(message, row=err.row, source=err.source, index_label=label)


def _safe_read(read, item, row):
    """``(decoded, None)`` or ``(None, MediaError naming the row and file)``."""
    try:
        return read(item, row), None
    except MediaError as exc:
        return None, exc
    except Exception as exc:  # a decoder's own error: name the row and file
        source = first_present(item) if isinstance(item, tuple) else item
        return None, MediaError(
            f"row {row}: could not read {source!r}: {type(exc).__name__}: {exc}",
            row=row,
            source=str(source),
        )


def _decoded_chunks(read, items, rows, chunk_size):
    """Yield ``[(row, decoded, error), ...]`` per chunk of ``rows``.

    A background thread decodes the next chunk while the caller runs the
    model on the current one; only one decoded chunk waits at a time, which
    bounds memory.
    """
    chunks = [rows[s : s + chunk_size] for s in range(0, len(rows), chunk_size)]

    def decode(chunk):
        return [(i, *_safe_read(read, items[i], i)) for i in chunk]

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(decode, chunks[0])
        try:
            for c in range(len(chunks)):
                decoded = pending.result()
                if c + 1 < len(chunks):  # decode the next chunk meanwhile
                    pending = pool.submit(decode, chunks[c + 1])
                yield decoded
                del decoded
        finally:
            pending.cancel()


def _warn_skipped(name, failed, n_rows):
    """One :class:`SkippedRowsWarning` listing the rows set to zeros."""
    listing = "\n".join(f"  {err}" for _, err in failed[:20])
    more = f"\n  ... and {len(failed) - 20} more" if len(failed) > 20 else ""
    warnings.warn(
        SkippedRowsWarning(
            f"{name}: {len(failed)} of {n_rows} rows could not be read and were "
            f"set to zeros (on_error='zeros'):\n{listing}{more}",
            rows=[i for i, _ in failed],
            errors=[err for _, err in failed],
        ),
        stacklevel=4,
    )
