"""``skmmlc extract``: the static features of a manifest into a cache folder (resumable)."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from . import _common
from ._common import _say


@contextlib.contextmanager
def _extraction_backend(scheduler):
    """joblib's backend for ``extract``: the default (loky for ``--n-jobs``), or
    the Dask cluster whose scheduler is at ``scheduler``."""
    if scheduler is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError:
        raise ValueError(
            "--scheduler needs Dask's distributed scheduler: pip install 'skmmlc[dask]'"
        ) from None
    import joblib

    with Client(scheduler, timeout=30) as client:
        n_workers = len(client.scheduler_info()["workers"])
        _say(f"Dask scheduler {scheduler}: {n_workers} worker(s), "
             f"{sum(client.nthreads().values())} thread(s)")
        with joblib.parallel_backend("dask"):
            yield


def _feature_cache(cache):
    """The feature cache folder of ``--cache C``: ``C/skmmlc-features``.

    ``extract`` and ``fit`` use the same one (``fit`` gives ``C`` to the
    pipeline as its ``memory``, whose extractors cache in
    ``C/skmmlc-features``), so ``fit`` reuses what ``extract`` wrote. Entries
    that an earlier ``extract`` wrote in ``C`` itself are moved there
    (:func:`_move_earlier_layout`; safe while other processes do the same).
    """
    from ..pipeline import feature_cache_dir

    features = Path(feature_cache_dir(os.fspath(cache)))
    if _move_earlier_layout(cache, features):
        _say(f"Moved the features that an earlier `skmmlc extract` wrote in {cache} "
             f"to {features}, where `skmmlc fit --cache` reads them.")
    return features


def _entry_names(folder):
    """Names of the cache entries in ``folder`` (not temporary files); [] if it is gone."""
    try:
        with os.scandir(folder) as it:
            return [e.name for e in it
                    if e.name.endswith(".npz") and not e.name.startswith(".tmp-")]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _move_earlier_layout(cache, features):
    """Move entries of the layout ``C/ab/<key>.npz`` to ``features/ab/``; how many moved.

    Several processes may run this at once (``extract`` and ``fit`` started
    together, Dask workers): every step is one rename, and a folder or entry
    that another process moved first (``FileNotFoundError``), or a target
    folder that another process filled first, is taken as it comes.
    """
    try:
        folders = [p for p in cache.iterdir() if len(p.name) == 2 and p.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    moved = 0
    for folder in folders:
        names = _entry_names(folder)
        if not names:
            continue
        target = features / folder.name
        features.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(folder, target)  # the whole folder, if the target is not there
            moved += len(names)
            continue
        except FileNotFoundError:  # another process moved it first
            continue
        except OSError:  # the target holds entries already: merge, entry by entry
            pass
        target.mkdir(exist_ok=True)
        for name in names:
            try:
                os.replace(folder / name, target / name)
                moved += 1
            except FileNotFoundError:  # another process moved this one
                pass
        with contextlib.suppress(OSError):  # not empty (a writer's file), or gone
            folder.rmdir()
    return moved


def _cache_write_reason(messages):
    """The reason a feature cache gave for refusing writes, from its warnings' text."""
    import re

    for message in messages:
        found = re.search(r"cannot write to the feature cache .* \((.*)\); extraction goes on",
                          message, re.S)
        if found:
            return found.group(1)
    return None


def _cmd_extract(args):
    """Fill the feature cache; 1 if some features could not be written to it."""
    data = _common._load(args, labels=False)
    visual_weights, audio_weights = _common._resolve_weights(args)
    args.cache.mkdir(parents=True, exist_ok=True)
    features = _feature_cache(args.cache)
    extractors = _common._extractors(args, visual_weights, audio_weights, features, verbose=1)
    with _extraction_backend(args.scheduler):
        failures, uncached, messages = _extract_all(extractors, data.data)
    reason = _cache_write_reason(messages) or "the entry is missing after extraction"
    uncached = [(name, row, source, f"computed, but not written to the feature cache "
                 f"({reason}); a rerun computes it again") for name, row, source in uncached]
    report = args.cache / "failures.csv"
    status, listed = _report_failures(report, failures, uncached)
    if uncached:
        for modality, row, source, _ in uncached[:10]:
            _say(f"  not cached: {modality} row {row}: {source or '(text)'}")
        if len(uncached) > 10:
            _say(f"  ... and {len(uncached) - 10} more")
        print(f"skmmlc: error: {len(uncached)} feature set(s) were computed but not "
              f"written to the cache {features} ({reason}){listed}. "
              "Free space or fix the folder, then run `skmmlc extract` again: it "
              "computes only what is missing.", file=sys.stderr)
        return 1
    _say(f"Features of {len(data.data)} clips are in {features}; a rerun computes only "
         f"what is missing, and `skmmlc fit --cache {args.cache}` reuses them.")
    return status


def _extract_all(extractors, X):
    """Run every extractor over ``X``: ``(failures, uncached, messages)``.

    ``failures``: ``(modality, row, file, reason)`` of each input that could
    not be read; ``uncached``: ``(modality, row, file)`` of each feature set
    computed but not in the cache (a full disk); ``messages``: the other
    warnings' texts (shown as they come).
    """
    import warnings

    from ..exceptions import SkippedRowsWarning

    failures, uncached, messages = [], [], []
    for name, (extractor, columns) in extractors.items():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SkippedRowsWarning)
            extractor.fit_transform(X[columns])
        skipped = set()
        for w in caught:
            if issubclass(w.category, SkippedRowsWarning):
                failures += [(name, row, err.source, str(err))
                             for row, err in zip(w.message.rows, w.message.errors)]
                skipped.update(w.message.rows)
            else:
                messages.append(str(w.message))
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        # computed but not in the cache (a full disk): rows that failed aside
        uncached += [(name, row, source) for row, source
                     in extractor._uncached_rows(X[columns]) if row not in skipped]
        _say(f"{name}: {len(X)} clips in {time.perf_counter() - start:.1f} s")
    return failures, uncached, messages


def _report_failures(report, failures, uncached):
    """Write ``report`` (failures.csv) and say the failures; ``(status, listed)``.

    ``status`` is 1 if the report could not be written; ``listed`` the
    end of the error message that points at it. Without failures, a previous
    run's report is removed.
    """
    status, listed = 0, f"; rows listed in {report}"
    if not (failures or uncached):
        report.unlink(missing_ok=True)  # a previous run's failures are fixed
        return status, listed
    import pandas as pd

    from ..utils import atomic_write

    try:
        with atomic_write(report, "w", encoding="utf-8", newline="") as fh:
            pd.DataFrame(failures + uncached,
                         columns=["modality", "row", "file", "reason"]).to_csv(fh, index=False)
    except OSError as exc:
        print(f"skmmlc: error: cannot write {report} ({exc.strerror or exc}); the "
              "first rows follow.", file=sys.stderr)
        status, listed = 1, ""
    if failures:
        _say(f"{len(failures)} input(s) could not be read (set to zeros); "
             f"rows, files and reasons: {report}")
        for modality, row, source, _ in failures[:10]:
            _say(f"  {modality} row {row}: {source}")
        if len(failures) > 10:
            _say(f"  ... and {len(failures) - 10} more")
    return status, listed
