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
- a progress bar (tqdm) silenced by ``verbose=0``.

Subclasses implement ``_output_shape``, ``_load_runner``, ``_read`` and
``_forward`` (see :class:`BaseExtractor`).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._utils import atomic_write, file_identity, file_sha256
from ..exceptions import MediaError, SkippedRowsWarning

__all__ = ["BaseExtractor", "FeatureCache", "file_identity", "file_sha256"]


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
    p = Path(os.fspath(path))
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


class FeatureCache:
    """A directory of ``.npy`` feature files, one per (input, extractor) pair.

    Keys are SHA-256 digests of the extractor's identity (class, parameters
    that change the output, weights identity) and the input's identity
    (:func:`file_identity` for files, the text itself for strings). Entries are
    written to a temporary file in the same directory, then renamed into place
    (``os.replace`` is atomic on POSIX and Windows), so an interrupted run never
    leaves a half-written entry and a finished clip is never lost.
    """

    def __init__(self, directory):
        if hasattr(directory, "location"):  # joblib.Memory
            location = directory.location
            if location is None:
                raise ValueError("cache=joblib.Memory(location=None) caches nothing.")
            directory = Path(location) / "skmmlc-features"
        self.directory = Path(directory)

    def _path(self, key):
        return self.directory / key[:2] / f"{key}.npy"

    def get(self, key):
        path = self._path(key)
        try:
            return np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError):  # unreadable: recompute
            return None

    def put(self, key, array):
        with atomic_write(self._path(key)) as fh:
            np.save(fh, np.ascontiguousarray(array), allow_pickle=False)


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
    - ``_output_shape(self) -> (n_steps, dim)``;
    - ``_load_runner(self)``: build the model once; returned object is kept in
      ``self._runner`` (never pickled);
    - ``_weights_identity(self) -> str``: what makes two weight sets differ;
    - ``_read(self, item, row)``: decode one input (may raise MediaError);
      runs in a background thread, must not touch the model;
    - ``_forward(self, runner, decoded: list) -> ndarray (len, n_steps, dim)``.

    Subclasses expose the parameters ``batch_size``, ``cache``, ``on_error`` and
    ``verbose`` (and list them in their ``__init__``).
    """

    _feature_prefix = "f"
    _max_columns = 1
    _input_kind = "file"
    # clips decoded ahead of the network; bounds memory to one chunk
    _chunk_clips = 8

    # -- scikit-learn API -------------------------------------------------
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
        self._validate_common_params()
        items = coerce_column(X, max_columns=self._max_columns)
        self.n_features_in_ = 1 if not isinstance(items[0], tuple) else len(items[0])
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        n_steps, dim = self._output_shape()
        self.n_steps_ = n_steps
        self.dim_ = dim
        return self

    def transform(self, X):
        """Extract features.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Inputs, one per clip.

        Returns
        -------
        features : ndarray of shape (n_samples, n_steps * dim), float32
            Time-major, zero-padded features.
        """
        check_is_fitted(self, "n_steps_")
        items = coerce_column(X, max_columns=self._max_columns)
        return self._extract(items)

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
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_runner", None)
        state.pop("_runner_key", None)
        return state

    # -- machinery --------------------------------------------------------
    def _validate_common_params(self):
        if self.on_error not in ("raise", "zeros"):
            raise ValueError(
                f"on_error must be 'raise' or 'zeros', got {self.on_error!r}."
            )
        if not (isinstance(self.batch_size, int | np.integer) and self.batch_size >= 1):
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}.")

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
        return {"batch_size", "cache", "on_error", "verbose", "weights"}

    def _input_identity(self, item, row):
        if self._input_kind == "text":
            return "text:" + ("" if _is_missing(item) else str(item))
        path = first_present(item) if isinstance(item, tuple) else item
        if _is_missing(path):
            return None
        try:
            return "file:" + file_identity(os.fspath(path))
        except OSError:
            return None

    def _get_runner(self):
        key = self._identity()
        if getattr(self, "_runner_key", None) != key or getattr(self, "_runner", None) is None:
            self._runner = self._load_runner()
            self._runner_key = key
        return self._runner

    def _safe_read(self, item, row):
        try:
            return self._read(item, row), None
        except MediaError as exc:
            return None, exc
        except Exception as exc:  # a decoder's own error: name the row and file
            source = first_present(item) if isinstance(item, tuple) else item
            return None, MediaError(
                f"row {row}: could not read {source!r}: {type(exc).__name__}: {exc}",
                row=row,
                source=str(source),
            )

    def _extract(self, items):
        n_steps, dim = self._output_shape()
        out = np.zeros((len(items), n_steps * dim), dtype=np.float32)
        cache = FeatureCache(self.cache) if self.cache is not None else None
        keys = [None] * len(items)
        todo = []
        if cache is not None:
            ident = self._identity()
            for i, item in enumerate(items):
                input_id = self._input_identity(item, i)
                if input_id is not None:
                    keys[i] = _digest(ident, input_id)
                    hit = cache.get(keys[i])
                    if hit is not None and hit.shape == (n_steps, dim):
                        out[i] = hit.reshape(-1)
                        continue
                todo.append(i)
        else:
            todo = list(range(len(items)))

        failed = []
        if todo:
            runner = self._get_runner()
            chunks = [
                todo[s : s + self._chunk_clips]
                for s in range(0, len(todo), self._chunk_clips)
            ]
            progress = _progress(len(todo), self.verbose, type(self).__name__)

            def read_chunk(rows):
                return [self._safe_read(items[i], i) for i in rows]

            with ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(read_chunk, chunks[0])
                for c, rows in enumerate(chunks):
                    decoded = pending.result()
                    if c + 1 < len(chunks):  # decode the next chunk meanwhile
                        pending = pool.submit(read_chunk, chunks[c + 1])
                    ok_rows, ok_data = [], []
                    for i, (data, err) in zip(rows, decoded):
                        if err is None:
                            ok_rows.append(i)
                            ok_data.append(data)
                        elif self.on_error == "raise":
                            pending.cancel()
                            progress.close()
                            raise err
                        else:
                            failed.append((i, err))
                    del decoded
                    if ok_data:
                        feats = np.asarray(self._forward(runner, ok_data), dtype=np.float32)
                        for i, f in zip(ok_rows, feats):
                            out[i] = f.reshape(-1)
                            if cache is not None and keys[i] is not None:
                                cache.put(keys[i], f)
                    progress.update(len(rows))
            progress.close()
        if failed:
            listing = "\n".join(f"  {err}" for _, err in failed[:20])
            more = f"\n  ... and {len(failed) - 20} more" if len(failed) > 20 else ""
            warnings.warn(
                SkippedRowsWarning(
                    f"{type(self).__name__}: {len(failed)} of {len(items)} rows could "
                    f"not be read and were set to zeros (on_error='zeros'):\n"
                    f"{listing}{more}",
                    rows=[i for i, _ in failed],
                    errors=[err for _, err in failed],
                ),
                stacklevel=3,
            )
        self.failed_rows_ = np.asarray([i for i, _ in failed], dtype=int)
        return out


class _NoProgress:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total, verbose, desc):
    if not verbose:
        return _NoProgress()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="clip")
