"""Small helpers shared across skmmlc: atomic writes, file hashes, seeds."""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import stat
import threading
import time
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

__all__ = [
    "MODALITIES",
    "atomic_write",
    "atomic_write_set",
    "check_text_encoding",
    "create_temp",
    "file_fingerprint",
    "file_identity",
    "file_sha256",
    "link_problem",
    "URL_RE",
    "draw_seed",
]

#: The three modalities of a clip, in the order the framework uses them.
MODALITIES = ("visual", "audio", "text")


def create_temp(directory, suffix):
    """Create and open a new, uniquely named temporary file in ``directory``.

    Unlike :func:`tempfile.mkstemp` (mode 0600), the file is created with mode
    0666 as :func:`open` does, so the process' umask (and the directory's
    default ACL, where there is one) decides its permissions, as for any file
    the user writes. Nothing reads or changes the umask, which is
    process-wide and cannot be read without setting it.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = Path(directory) / f".tmp-{secrets.token_hex(8)}{suffix}"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue
    raise FileExistsError(f"No unused temporary file name in {directory}.")  # pragma: no cover


@contextlib.contextmanager
def atomic_write(path, mode="wb", *, encoding=None, newline=None, file_mode=None):
    """Write ``path`` through a temporary file in its directory, then rename it.

    ``os.replace`` is atomic on POSIX and Windows: readers see the old file
    or the complete new one, never a half-written file, and an interrupted
    write leaves nothing behind.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder is created if needed.
    mode : {"wb", "w"}
        Mode of the file object yielded.
    encoding, newline : str, optional
        As for :func:`open` (text mode).
    file_mode : int, optional
        Permission bits of the written file. By default (None) the file gets
        the permissions :func:`open` would give it: ``0o666`` less the
        process' umask (e.g. ``0o644`` under the usual umask ``022``).

    Examples
    --------
    >>> import os, tempfile
    >>> from skmmlc.utils._io import atomic_write
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_write(path, "w", encoding="utf-8") as fh:
    ...     _ = fh.write("done")
    >>> open(path).read()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = create_temp(path.parent, path.suffix)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        if file_mode is not None:
            os.chmod(tmp, file_mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Suffix of the staging folders of :func:`atomic_write_set`.
_STAGING_SUFFIX = ".partial"

#: Staging folders left by a killed run are removed once this old (seconds).
STALE_STAGING_SECONDS = 3600


@contextlib.contextmanager
def atomic_write_set(folder, names):
    """Write a set of files in ``folder`` so that they are never a mix of two runs.

    The files are written into a staging folder inside ``folder`` (yielded;
    write each of ``names`` there, by any means). When the block ends
    without an error, the earlier run's files of the set are removed and
    the new ones are moved into place with :func:`os.replace`, the last of
    ``names`` last: its presence tells that the set is complete. An error
    (or a kill) in the block leaves the earlier files as they were; the
    staging folder is removed (one left by a killed process is removed by
    the next call, once it is an hour old).

    Parameters
    ----------
    folder : str or path-like
        Where the files go; created if needed.
    names : sequence of str
        The file names of the set, every one of which the block must write.

    Yields
    ------
    staging : pathlib.Path
        The folder to write ``names`` into.

    Raises
    ------
    FileNotFoundError
        If the block did not write one of ``names`` (nothing is replaced).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skmmlc.utils._io import atomic_write_set
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_write_set(folder, ["a.txt", "b.txt"]) as staging:
    ...     _ = (staging / "a.txt").write_text("a")
    ...     _ = (staging / "b.txt").write_text("b")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(folder)
    staging = folder / f".tmp-{secrets.token_hex(8)}{_STAGING_SUFFIX}"
    staging.mkdir()
    try:
        yield staging
        missing = [name for name in names if not (staging / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{missing} were not written: nothing replaced.")
        for name in names:  # never a mix: the earlier set goes first
            (folder / name).unlink(missing_ok=True)
        for name in names:
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_staging(folder):
    """Remove staging folders of :func:`atomic_write_set` that a killed run left."""
    now = time.time()
    for entry in folder.glob(f".tmp-*{_STAGING_SUFFIX}"):
        with contextlib.suppress(OSError):
            if entry.is_dir() and now - entry.stat().st_mtime > STALE_STAGING_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)


def check_text_encoding(encoding, *, name="encoding"):
    """Raise a ``ValueError`` naming ``name`` unless ``encoding`` is a text encoding.

    ``None`` passes (the caller's default). Python's codec registry is
    asked, as :func:`open` would ask it later, so that an unknown name
    (``LookupError``) or a codec that is not a text encoding (``"base64"``)
    is refused before any work.

    Parameters
    ----------
    encoding : str or None
    name : str
        The parameter or option named in the message.

    Returns
    -------
    encoding : str or None
        As given.
    """
    if encoding is None:
        return None
    if not isinstance(encoding, str):
        raise ValueError(f"{name} must be a str naming a text encoding, got "
                         f"{type(encoding).__name__} {encoding!r}.")
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ValueError(
            f"{name} {encoding!r} is not a text encoding Python knows: give a codec "
            "name such as 'utf-8', 'utf-8-sig', 'cp1252', 'latin-1' or 'utf-16' (see "
            "Python's 'Standard Encodings'), or leave it out (the byte-order mark "
            "decides, else UTF-8)."
        )
    return encoding


def file_identity(path):
    """Cheap identity of a file: resolved path, size and modification time.

    Replacing a file (new size or mtime) changes it; renaming or copying a
    file gives a new one.
    """
    p = Path(path)
    st = p.stat()
    return f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}"


#: Bytes read at each end of a file by :func:`file_fingerprint`.
FINGERPRINT_BLOCK = 64 * 1024


def file_fingerprint(path):
    """:func:`file_identity` plus a hash of the first and last 64 KiB of the file.

    Path, size and modification time alone miss a file rewritten with the
    same size and its modification time restored (``cp -p``, ``rsync -a``,
    ``unzip``, ``tar x``): a clip replaced by another of the same size keeps
    its identity. The SHA-256 of its first and last 64 KiB (a container's
    header and index, the first and last frames' data) tells such files
    apart at the cost of two small reads: about 0.1 ms for a 100 MB file
    in the page cache, 0.5-2 ms read from disk, where a hash of the whole
    file costs about 65 ms (cached) to 100 ms (from disk) per 100 MB, on
    every run, even when every feature is cached. A change confined to the
    middle of a file that keeps its size and modification time is not seen.

    Parameters
    ----------
    path : str or path-like
        The file. Only a regular file is read; for anything else (a named
        pipe, a device) this is :func:`file_identity`.

    Returns
    -------
    identity : str
        ``"<resolved path>|<size>|<mtime_ns>|<hash of both ends>"``.

    Raises
    ------
    OSError
        If the file cannot be found or read.
    """
    p = Path(path)
    if not stat.S_ISREG(os.stat(p).st_mode):  # never open a pipe: it could block
        return file_identity(p)
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        st = os.fstat(fh.fileno())
        h.update(fh.read(FINGERPRINT_BLOCK))
        if st.st_size > FINGERPRINT_BLOCK:
            fh.seek(max(FINGERPRINT_BLOCK, st.st_size - FINGERPRINT_BLOCK))
            h.update(fh.read(FINGERPRINT_BLOCK))
    return f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}|{h.hexdigest()[:32]}"


#: A cell or path that starts with a URL scheme ("https://...").
URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def link_problem(path):
    """Why a symbolic link at ``path`` leads nowhere, in words, or None.

    A path that does not exist because it is a symbolic link loop, or a link
    to a missing file, is described as such, not as "does not exist".
    """
    try:
        os.stat(path)
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ("is a symbolic link loop (following its links leads back to "
                    "one of them)")
        if os.path.islink(path):
            return (f"is a broken symbolic link (it points to {os.readlink(path)!r}, "
                    "which does not exist)")
        return None


_SHA256 = {}
_SHA256_LOCK = threading.Lock()


def file_sha256(path, *, memoise=True):
    """SHA-256 (hex) of a file's content, memoised per :func:`file_identity`."""
    key = file_identity(path) if memoise else None
    if key is not None:
        with _SHA256_LOCK:
            if key in _SHA256:
                return _SHA256[key]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if key is not None:
        with _SHA256_LOCK:
            _SHA256[key] = digest
    return digest


def draw_seed(random_state):
    """One int32 seed drawn from ``random_state`` (int, RandomState or None)."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
