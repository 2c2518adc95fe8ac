"""Fault injection: the crash-safety properties of the caches, kept under test.

- a process killed (SIGKILL) at any moment, even in the middle of writing a
  feature-cache entry, leaves no corrupt entry, loses no finished entry, and
  a rerun gives features bit-identical to a clean run;
- two processes extracting into one cache at once corrupt nothing and get
  the same features;
- a cache that cannot be written (read-only, full disk, no permission, at
  the open or half-way through an entry) gives one warning naming the folder
  and the reason, extraction goes on, nothing half-written is left;
- corrupt entries (truncated, garbage, empty, bit rot that keeps a valid
  array, another shape, no checksum) are recomputed and repaired, never served;
- ``Pipeline(memory=...)`` / ``make_disaster_pipeline(memory=...)``: a refit
  after a media file is replaced (or restored) sees the new content.

The extractor is ``GloveFeatures`` on a tiny vectors file: the cheapest one
that goes through the whole cache machinery, so the child processes start in
a few seconds.
"""

import contextlib
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import audio_pipeline
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from skmmlc import GloveFeatures
from skmmlc.utils._memory import ContentKeyedMemory, input_files_identity

WORDS = ["flood", "houston", "rain", "storm", "streets", "wind", "river", "rescue"]
DIM = 4
MAX_TOKENS = 4


@pytest.fixture
def vectors(tmp_path):
    """A tiny GloVe text file (8 words, 4 dimensions)."""
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.glove.txt"
    path.write_text(
        "".join(w + " " + " ".join(repr(float(x)) for x in rng.standard_normal(DIM)) + "\n"
                for w in WORDS),
        encoding="utf-8",
    )
    return str(path)


def make_texts(n, seed=0):
    """``n`` distinct texts (distinct cache keys)."""
    rng = np.random.default_rng(seed)
    return [f"{i} " + " ".join(rng.choice(WORDS, 3)) for i in range(n)]


def glove(vectors, cache=None):
    return GloveFeatures(vectors=vectors, max_tokens=MAX_TOKENS, batch_size=1, cache=cache)


def entries(folder):
    """The cache's entries (not the temporary files of writes in progress)."""
    return sorted(p for p in folder.rglob("*.npz") if not p.name.startswith(".tmp-"))


def temporaries(folder):
    return sorted(folder.rglob(".tmp-*"))


def assert_entries_valid(folder, n=None):
    """Every entry loads and matches its checksum (and there are ``n`` of them)."""
    found = entries(folder)
    for path in found:
        with np.load(path, allow_pickle=False) as entry:
            features, digest = entry["features"], str(entry["sha256"])
        assert hashlib.sha256(features.tobytes()).hexdigest() == digest, path
        assert features.shape == (MAX_TOKENS, DIM), path
    if n is not None:
        assert len(found) == n


def count_forwards(monkeypatch):
    """Patch GloveFeatures._forward to count the texts it computes."""
    calls = []
    original = GloveFeatures._forward

    def counting(self, runner, decoded):
        calls.append(len(decoded))
        return original(self, runner, decoded)

    monkeypatch.setattr(GloveFeatures, "_forward", counting)
    return calls


# -- killed and concurrent processes ---------------------------------------------
# argv: mode vectors cache texts.json out.npy go-file
CHILD = r"""
import json, os, sys, time
import numpy as np
from skmmlc import GloveFeatures

mode, vectors, cache, texts_file, out, go = sys.argv[1:7]
texts = json.loads(open(texts_file, encoding="utf-8").read())
est = GloveFeatures(vectors=vectors, max_tokens=4, batch_size=1, cache=cache).fit(texts)
if mode == "mid-write":  # the 3rd entry stops half-way through its bytes
    import io
    real, n = np.savez, [0]

    def savez(fh, **arrays):
        n[0] += 1
        if n[0] < 3:
            return real(fh, **arrays)
        buf = io.BytesIO()
        real(buf, **arrays)
        data = buf.getvalue()
        fh.write(data[: len(data) // 2])
        fh.flush()
        os.fsync(fh.fileno())
        print("ready", flush=True)
        time.sleep(600)

    np.savez = savez
else:
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.002)
X = est.transform(texts)
np.save(out, X)
"""


def start_child(mode, vectors, cache, texts, tmp_path, name):
    texts_file = tmp_path / f"{name}.json"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    out = tmp_path / f"{name}.npy"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, vectors, str(cache), str(texts_file),
         str(out), str(tmp_path / "go")],
        stdout=subprocess.PIPE, text=True,
    )
    return proc, out


def wait_ready(proc):
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"child exited with {proc.wait()} before starting"


@pytest.mark.parametrize("moment", ["mid-write", "anytime"])
def test_sigkill_then_rerun_is_bit_identical(vectors, tmp_path, monkeypatch, moment):
    """SIGKILL half-way through an entry's bytes, or at whatever moment the
    first entries appear during a stream of writes; then rerun."""
    cache = tmp_path / "cache"
    texts = make_texts(400 if moment == "anytime" else 8)
    clean = glove(vectors).fit(texts).transform(texts)
    proc, _ = start_child(moment, vectors, cache, texts, tmp_path, "killed")
    try:
        wait_ready(proc)
        if moment == "anytime":
            (tmp_path / "go").touch()
            deadline = time.monotonic() + 60
            while len(entries(cache)) < 5 and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) in (-signal.SIGKILL, 0)
    finally:
        proc.kill()
        proc.stdout.close()
    if moment == "mid-write":
        # two finished entries, one half-written temporary file, never an entry
        assert_entries_valid(cache, n=2)
        assert len(temporaries(cache)) == 1
    else:
        assert_entries_valid(cache)
    n_before = len(entries(cache))
    calls = count_forwards(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = glove(vectors, cache).fit(texts).transform(texts)
    assert not [w for w in caught if "feature cache" in str(w.message)]  # nothing corrupt
    np.testing.assert_array_equal(again, clean)
    assert again.tobytes() == clean.tobytes()
    assert sum(calls) == len(texts) - n_before  # finished entries were reused
    assert_entries_valid(cache, n=len(texts))


def test_two_processes_on_one_cache(vectors, tmp_path):
    """Two processes write the same entries at the same time: no corruption."""
    cache = tmp_path / "cache"
    texts = make_texts(60)
    children = [start_child("race", vectors, cache, texts, tmp_path, f"p{i}")
                for i in range(2)]
    try:
        for proc, _ in children:
            wait_ready(proc)
        (tmp_path / "go").touch()  # both start extracting now
        for proc, _ in children:
            assert proc.wait(timeout=120) == 0
    finally:
        for proc, _ in children:
            proc.kill()
            proc.stdout.close()
    clean = glove(vectors).fit(texts).transform(texts)
    for _, out in children:
        np.testing.assert_array_equal(np.load(out), clean)
    assert_entries_valid(cache, n=len(texts))
    assert not temporaries(cache)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(glove(vectors, cache).fit(texts).transform(texts), clean)


# -- caches that cannot be written ---------------------------------------------------
TEXTS = ["flooded street after the storm", "rescue team arrives", "press briefing"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_cache_warns_and_goes_on(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        est = GloveFeatures(max_tokens=4, cache=folder).fit(TEXTS)
        with pytest.warns(UserWarning, match=f"cannot write to the feature cache {folder}"):
            X = est.transform(TEXTS)
        assert X.shape == (3, 4 * 50) and not entries(folder)
    finally:
        os.chmod(folder, 0o755)


def test_unwritable_cache_degrades_to_reading(tmp_path, monkeypatch):
    import skmmlc.feature_extraction._cache as base

    est = GloveFeatures(max_tokens=4, cache=tmp_path / "c").fit(TEXTS)
    first = est.transform(TEXTS[:1])  # one entry is cached
    calls = []

    @contextlib.contextmanager
    def disk_full(path, *args, **kwargs):
        calls.append(path)
        raise OSError(28, "No space left on device")
        yield  # pragma: no cover

    monkeypatch.setattr(base, "atomic_write", disk_full)
    with pytest.warns(UserWarning, match=r"cannot write .*No space left on device") as record:
        X = est.transform(TEXTS)
    assert len([w for w in record if "cannot write" in str(w.message)]) == 1
    assert len(calls) == 1  # no further attempts after the first failure
    np.testing.assert_array_equal(X[:1], first)  # the cached entry was still read
    np.testing.assert_array_equal(X, GloveFeatures(max_tokens=4).fit(TEXTS).transform(TEXTS))
    assert len(entries(tmp_path / "c")) == 1


@pytest.mark.parametrize(
    "code, where",
    [(errno.ENOSPC, "mid-write"), (errno.EROFS, "open"), (errno.EACCES, "open"),
     (errno.EDQUOT, "mid-write")],
    ids=["disk-full-mid-write", "read-only-fs", "no-permission", "quota-mid-write"],
)
def test_unwritable_cache_leaves_nothing_half_written(vectors, tmp_path, monkeypatch,
                                                      code, where):
    """The real write path (``atomic_write``) fails at the open or half-way through
    an entry: one warning naming the folder and the reason, the features are
    those of a clean run, no entry and no temporary file is left."""
    cache = tmp_path / "cache"
    texts = make_texts(6)
    clean = glove(vectors).fit(texts).transform(texts)
    glove(vectors, cache).fit(texts).transform(texts[:2])  # two entries already there
    reason = os.strerror(code)
    attempts = []
    if where == "open":
        real_open = os.open

        def refuse(path, flags, *args, **kwargs):  # no file can be created in the cache
            if flags & os.O_CREAT and str(cache) in os.fspath(path):
                attempts.append(1)
                raise OSError(code, reason, os.fspath(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    else:
        real = np.savez

        def half_then_fail(fh, **arrays):
            attempts.append(1)
            real(fh, **arrays)
            fh.truncate(fh.tell() // 2)
            raise OSError(code, reason)

        monkeypatch.setattr(np, "savez", half_then_fail)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = glove(vectors, cache).fit(texts).transform(texts)
    messages = [str(w.message) for w in caught if "feature cache" in str(w.message)]
    assert len(messages) == 1, messages
    assert f"cannot write to the feature cache {cache}" in messages[0]
    assert reason in messages[0]
    assert len(attempts) == 1
    np.testing.assert_array_equal(X, clean)
    assert not temporaries(cache)
    assert_entries_valid(cache, n=2)


def test_cache_path_that_is_a_file_is_an_error(tmp_path):
    """Unusable from the start: a clear error, before any extraction."""
    path = tmp_path / "file"
    path.write_text("x")
    est = GloveFeatures(max_tokens=4, cache=path).fit(TEXTS)
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        est.transform(TEXTS)


# -- corrupt entries -------------------------------------------------------------------
def _truncated(path, data):
    path.write_bytes(data[: len(data) // 2])


def _garbage(path, data):
    path.write_bytes(np.random.default_rng(0).bytes(len(data)))


def _flipped_byte(path, data):  # one byte of the features changed: the zip's CRC fails
    with np.load(path) as entry:
        n = entry["features"].nbytes
    at = data.index(b"NUMPY") + 128 + n // 2  # inside features.npy's data
    path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])


def _empty(path, data):
    path.write_bytes(b"")


def _wrong_values(path, data):  # bit rot that leaves a valid array and its old checksum
    with np.load(path) as entry:
        stored, features = entry["sha256"], entry["features"] + 1.0
    with open(path, "wb") as fh:
        np.savez(fh, features=features, sha256=stored)


def _wrong_shape(path, data):  # a consistent entry of another shape
    features = np.zeros((2, 3), np.float32)
    with open(path, "wb") as fh:
        np.savez(fh, features=features,
                 sha256=np.array(hashlib.sha256(features.tobytes()).hexdigest()))


def _no_checksum(path, data):
    with np.load(path) as entry:
        features = entry["features"]
    with open(path, "wb") as fh:
        np.savez(fh, features=features)


def _pickled(path, data):  # an object array: reading it would need pickle
    with open(path, "wb") as fh:
        np.savez(fh, features=np.array([{"x": 1}], dtype=object), sha256=np.array("0"))


CORRUPTIONS = [_truncated, _garbage, _flipped_byte, _empty, _wrong_values, _wrong_shape,
               _no_checksum, _pickled]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_corrupt_entry_is_recomputed_not_served(vectors, tmp_path, monkeypatch, corrupt):
    cache = tmp_path / "cache"
    texts = make_texts(3)
    est = glove(vectors, cache).fit(texts)
    clean = est.transform(texts)
    files = entries(cache)
    assert len(files) == 3
    corrupt(files[1], files[1].read_bytes())
    calls = count_forwards(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = est.transform(texts)
    np.testing.assert_array_equal(again, clean)
    assert sum(calls) == 1  # only the corrupt entry was recomputed
    if corrupt is _wrong_values:
        assert any("does not match its checksum" in str(w.message) and str(files[1])
                   in str(w.message) for w in caught)
    assert_entries_valid(cache, n=3)  # repaired
    calls.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(est.transform(texts), clean)
    assert sum(calls) == 0


# -- replaced media files and Pipeline(memory=...) -----------------------------------------
class FileSize(TransformerMixin, BaseEstimator):
    """Reads each file's size; counts its fits in a file so that cache hits show."""

    def __init__(self, log=None):
        self.log = log

    def fit(self, X, y=None):
        with open(self.log, "a") as fh:
            fh.write("fit\n")
        return self

    def transform(self, X):
        return np.array([[os.path.getsize(p)] for p in X["video"]], dtype=float)


def test_refit_sees_replaced_and_restored_files(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    a.write_bytes(b"x" * 10)
    b.write_bytes(b"y" * 20)
    X = pd.DataFrame({"video": [str(a), str(b)], "text": ["one", "two"]})
    y = [0, 1]
    log = tmp_path / "fits.log"
    memory = ContentKeyedMemory(tmp_path / "cache", verbose=0)
    model = Pipeline([("size", FileSize(log=str(log))), ("clf", LogisticRegression())],
                     memory=memory)

    def n_fits():
        return log.read_text().count("fit")

    model.fit(X, y)
    model.fit(X, y)
    assert n_fits() == 1  # same files: served from the cache
    b.write_bytes(b"z" * 30)  # other content under the same name
    os.utime(b, ns=(1, 1))
    model.fit(X, y)
    assert n_fits() == 2
    np.testing.assert_array_equal(model.named_steps["size"].transform(X).ravel(), [10, 30])
    b.unlink()
    ident_missing = input_files_identity(X)
    b.write_bytes(b"z" * 30)  # restored
    assert input_files_identity(X) != ident_missing


def first_video_size(log, second=None, third=None, X=None):
    """Size of the first file in the "video" column of whichever of X is given; logs calls."""
    with open(log, "a") as fh:
        fh.write("call\n")
    frame = next(v for v in (second, third, X) if v is not None)
    return os.path.getsize(frame["video"][0])


@pytest.mark.parametrize("where", ["second", "third", "keyword"])
def test_content_key_finds_the_files_wherever_the_caller_puts_x(tmp_path, where):
    """The key does not depend on X being the second argument of the cached call."""
    path, log = tmp_path / "a.mp4", str(tmp_path / "calls.log")
    path.write_bytes(b"x" * 10)
    X = pd.DataFrame({"video": [str(path)]})
    cached = ContentKeyedMemory(tmp_path / "cache", verbose=0).cache(first_video_size)
    args = {"second": ((log, X), {}), "third": ((log, None, X), {}),
            "keyword": ((log,), {"X": X})}
    call_args, call_kwargs = args[where]

    def n_calls():
        with open(log) as fh:
            return fh.read().count("call")

    assert cached(*call_args, **call_kwargs) == 10
    assert cached(*call_args, **call_kwargs) == 10 and n_calls() == 1  # served
    path.write_bytes(b"y" * 20)  # same name, other content
    os.utime(path, ns=(1, 1))
    assert cached(*call_args, **call_kwargs) == 20 and n_calls() == 2


@pytest.mark.parametrize("content_keyed", [True, False])
def test_memory_refit_sees_replaced_media(sounds, tmp_path, wav_factory, monkeypatch,
                                          content_keyed):
    if not content_keyed:  # what a plain Pipeline(memory=...) does: shows the test can fail
        monkeypatch.setattr("skmmlc.pipeline._model.content_keyed", lambda memory: memory)
    X, Y = sounds
    memory = str(tmp_path / "memory")
    model = audio_pipeline(memory=memory).fit(X, Y)
    # the same file name, other content: the cached fusion step must not be reused
    os.replace(wav_factory("other.wav", seconds=3.0, seed=99), X.video[0])
    refit = audio_pipeline(memory=memory).fit(X, Y)
    old_step = model.named_steps["fusion"].transform(X)
    new_step = refit.named_steps["fusion"].transform(X)
    # a refit trains the temporal network on the new content: other features
    assert np.allclose(new_step, old_step) != content_keyed
    assert refit.memory == memory  # the parameter is left as it was given


# -- entries that must not be trusted (issue 26, "Cache trust") -------------------------
def _nan_entry(path):
    """An entry as versions before the finite check could write it: NaN, valid checksum."""
    with np.load(path) as entry:
        features = entry["features"].copy()
    features[0, 0] = np.nan
    features[-1, -1] = np.inf
    with open(path, "wb") as fh:
        np.savez(fh, features=features,
                 sha256=np.array(hashlib.sha256(features.tobytes()).hexdigest()))


def test_non_finite_entry_is_recomputed_and_rewritten(vectors, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    texts = make_texts(3)
    est = glove(vectors, cache).fit(texts)
    clean = est.transform(texts)
    files = entries(cache)
    _nan_entry(files[1])
    calls = count_forwards(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = est.transform(texts)
    np.testing.assert_array_equal(again, clean)
    assert sum(calls) == 1  # only that entry was recomputed
    named = [str(w.message) for w in caught if "NaN or infinite" in str(w.message)]
    assert len(named) == 1 and str(files[1]) in named[0]
    with np.load(files[1]) as entry:  # rewritten, finite
        assert np.isfinite(entry["features"]).all()
    calls.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(est.transform(texts), clean)
    assert sum(calls) == 0


def test_non_finite_entry_in_a_cache_that_cannot_be_rewritten_warns_once(
        vectors, tmp_path, monkeypatch):
    from skmmlc.feature_extraction._cache import FeatureCache

    cache = tmp_path / "cache"
    texts = make_texts(2)
    est = glove(vectors, cache).fit(texts)
    clean = est.transform(texts)
    _nan_entry(entries(cache)[0])
    monkeypatch.setattr(FeatureCache, "put", lambda self, key, array: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            np.testing.assert_array_equal(est.transform(texts), clean)
    assert len([w for w in caught if "NaN or infinite" in str(w.message)]) == 1


def _byte_extractor():
    """A file extractor whose features are a file's first bytes (no network)."""
    from skmmlc.feature_extraction._base import BaseExtractor

    class Bytes(BaseExtractor):
        def __init__(self, batch_size=1, cache=None, on_error="raise", verbose=0,
                     n_jobs=None):
            self.batch_size, self.cache, self.on_error = batch_size, cache, on_error
            self.verbose, self.n_jobs = verbose, n_jobs

        def _output_shape(self):
            return (1, 4)

        def _runner_key(self):
            return "bytes"

        def _build_runner(self):
            return "bytes"

        def _weights_identity(self):
            return "none"

        def _read(self, item, row):
            with open(item, "rb") as fh:
                return fh.read(4)

        def _forward(self, runner, decoded):
            return np.array([[list(d)] for d in decoded], dtype=np.float32)

    return Bytes


def _same_size_same_mtime(path, data):
    """Rewrite ``path`` with ``data`` (same size) and restore its mtime, as cp -p does."""
    st = os.stat(path)
    assert len(data) == st.st_size
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("where", [0, 200_000 - 1, None], ids=["head", "tail", "same"])
def test_file_rewritten_with_same_size_and_mtime_is_not_served_from_the_cache(
        tmp_path, where):
    """cp -p, rsync -a, unzip: other content, same size, same mtime: recomputed."""
    clip = tmp_path / "clip.bin"
    data = bytearray(np.random.default_rng(0).integers(1, 255, 200_000, dtype=np.uint8))
    clip.write_bytes(bytes(data))
    est = _byte_extractor()(cache=tmp_path / "cache").fit([str(clip)])
    first = est.transform([str(clip)])
    if where is not None:
        data[where] = 0  # a byte of the header or of the index at the end
    _same_size_same_mtime(clip, bytes(data))
    again = est.transform([str(clip)])
    fresh = _byte_extractor()().fit([str(clip)]).transform([str(clip)])
    np.testing.assert_array_equal(again, fresh)
    if where == 0:
        assert again[0, 0] == 0 != first[0, 0]
    n = 1 if where is None else 2  # the same content keeps its entry
    assert len(entries(tmp_path / "cache")) == n


def test_keys_hold_the_cache_format(vectors, tmp_path, monkeypatch):
    """Entries written under another format version are not served."""
    from skmmlc.feature_extraction._cache import FeatureCache

    cache = tmp_path / "cache"
    texts = make_texts(2)
    est = glove(vectors, cache).fit(texts)
    clean = est.transform(texts)
    for path in entries(cache):  # what another version computed: other values
        with np.load(path) as entry:
            features = entry["features"] + 1
        with open(path, "wb") as fh:
            np.savez(fh, features=features,
                     sha256=np.array(hashlib.sha256(features.tobytes()).hexdigest()))
    monkeypatch.setattr(FeatureCache, "format_version", FeatureCache.format_version + 1)
    calls = count_forwards(monkeypatch)
    np.testing.assert_array_equal(est.transform(texts), clean)
    assert sum(calls) == 2 and len(entries(cache)) == 4  # new entries beside the old


def test_memory_key_sees_a_file_rewritten_with_same_size_and_mtime(tmp_path):
    clip = tmp_path / "a.mp4"
    clip.write_bytes(b"x" * 100)
    X = pd.DataFrame({"video": [str(clip)]})
    before = input_files_identity(X)
    _same_size_same_mtime(clip, b"y" * 100)
    assert input_files_identity(X) != before
