"""Parallel feature extraction through joblib: loky locally, Dask on a cluster.

An extractor with ``n_jobs`` > 1 (or ``n_jobs=None`` inside a
``joblib.parallel_backend`` context that says otherwise, e.g. ``"dask"``)
splits the clips still missing from the feature cache into *tasks* of whole
chunks (multiples of ``_chunk_clips`` consecutive clips) and runs them with
``joblib.Parallel`` on the active backend; skmmlc has no scheduler of its own.

- Every task runs the extractor's own serial code (``_compute``) on its clips,
  so the network sees exactly the batches of a serial run: the features are
  identical, bit for bit, to ``n_jobs=1``.
- A worker process loads each network once (the process-wide model caches of
  the extractors), not once per task.
- A worker writes every clip it finishes to the shared feature cache
  (atomically) and returns the features to the parent. A task that is run
  again (Dask retries the tasks of a worker that died) first takes the clips
  its previous run finished from the cache.
- Rows that could not be read (``on_error="zeros"``) are gathered from all
  tasks and reported once, as in a serial run (one
  :class:`~skmmlc.exceptions.SkippedRowsWarning` listing them); warnings that
  worker processes emit (e.g. an unwritable cache) are re-emitted once in the
  parent.
"""

from __future__ import annotations

import os
import warnings
from contextlib import nullcontext

import numpy as np

__all__ = ["effective_n_jobs", "plan_tasks", "extract_parallel"]

#: At most this many chunks per task: bounds the work a dead worker loses and
#: the features a task holds before returning them.
MAX_CHUNKS_PER_TASK = 4
#: Aim for at least this many tasks per worker (load balance).
TASKS_PER_WORKER = 4


def effective_n_jobs(n_jobs):
    """Workers that ``n_jobs`` stands for under the active joblib backend."""
    import joblib

    return joblib.effective_n_jobs(n_jobs)


def plan_tasks(rows, chunk_clips, n_workers):
    """Split ``rows`` into consecutive tasks of whole chunks of ``chunk_clips``.

    Chunk boundaries are those of a serial run over the same ``rows``; a task
    holds 1 to :data:`MAX_CHUNKS_PER_TASK` chunks, fewer when that gives each
    worker at least :data:`TASKS_PER_WORKER` tasks.
    """
    chunk_clips = max(1, int(chunk_clips))
    n_chunks = -(-len(rows) // chunk_clips)
    per_task = max(1, min(MAX_CHUNKS_PER_TASK, n_chunks // (TASKS_PER_WORKER * n_workers)))
    size = per_task * chunk_clips
    return [rows[s : s + size] for s in range(0, len(rows), size)]


class _RowView:
    """``view[row] = features`` for the global row numbers of one task."""

    def __init__(self, rows, array):
        self.position = {row: k for k, row in enumerate(rows)}
        self.array = array

    def __setitem__(self, row, value):
        self.array[self.position[row]] = value


def _extract_task(extractor, rows, items, keys, parent_pid):
    """Worker side: the features of ``rows`` (global row numbers).

    Returns ``(rows, features, failed, warnings)``: features of shape
    ``(len(rows), n_steps * dim)``, the ``[(row, MediaError), ...]`` of the
    rows set to zeros, and ``[(category, message), ...]`` of the warnings
    emitted in a worker process (re-emitted by the parent).
    """
    from ._cache import FeatureCache, fill_from_cache

    capture = os.getpid() != parent_pid  # threads of the parent warn themselves
    recorder = warnings.catch_warnings(record=True) if capture else nullcontext()
    with recorder as caught:
        if capture:
            warnings.simplefilter("always")
        shape = extractor._output_shape()
        features = np.zeros((len(rows), shape[0] * shape[1]), dtype=np.float32)
        cache = FeatureCache(extractor.cache) if extractor.cache is not None else None
        # the clips a previous run of this task finished (a retried task)
        todo = [rows[k] for k in fill_from_cache(features, cache, keys, shape)]
        failed = []
        if todo:
            failed = extractor._compute(
                dict(zip(rows, items)),
                todo,
                _RowView(rows, features),
                cache,
                dict(zip(rows, keys)),
                progress=_NoProgress(),
            )
    caught = [(w.category, str(w.message)) for w in (caught or ())]
    return rows, features, failed, caught


def extract_parallel(extractor, items, rows, out, keys, n_workers):
    """Compute ``rows`` of ``items`` into ``out`` with ``joblib.Parallel``.

    Returns ``[(row, MediaError), ...]`` of the rows set to zeros, sorted.
    """
    from joblib import delayed


    tasks = plan_tasks(rows, extractor._chunk_clips, n_workers)
    parent = os.getpid()
    jobs = (
        delayed(_extract_task)(
            extractor, task, [items[i] for i in task], [keys[i] for i in task], parent
        )
        for task in tasks
    )
    progress = progress_bar(len(rows), extractor.verbose, type(extractor).__name__)
    failed, seen = [], set()
    try:
        for task_rows, features, task_failed, caught in _run(extractor.n_jobs, jobs):
            out[task_rows] = features
            failed += task_failed
            for category, message in caught:
                if (category, message) not in seen:
                    seen.add((category, message))
                    warnings.warn(message, category, stacklevel=5)
            progress.update(len(task_rows))
    finally:
        progress.close()
    return sorted(failed, key=lambda pair: pair[0])


def _run(n_jobs, jobs):
    """Results of ``jobs`` as they finish (in order where the backend cannot)."""
    from joblib import Parallel
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    unordered = getattr(backend, "supports_return_generator", False)
    try:
        parallel = Parallel(
            n_jobs=n_jobs,
            batch_size=1,
            return_as="generator_unordered" if unordered else "list",
        )
    except ValueError:  # joblib < 1.4: no "generator_unordered"
        parallel = Parallel(n_jobs=n_jobs, batch_size=1)
    return parallel(jobs)


class _NoProgress:
    def update(self, n):
        pass

    def close(self):
        pass


def progress_bar(total, verbose, desc):
    if not verbose:
        return _NoProgress()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="clip")
