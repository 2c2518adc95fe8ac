"""The named sources of Inception-V3 weights of ``VisualInceptionFeatures``."""

from __future__ import annotations

import dataclasses

from ._fid_inception import (
    CONVERTER_VERSION,
    SOURCE_NAME,
    build_fid_inception,
    fid_preprocess,
    load_fid_weights,
)

__all__ = [
    "IMAGENET_FILE",
    "WeightSource",
    "WEIGHT_SOURCES",
    "imagenet_weights_path",
    "weight_source",
]

#: Keras' ImageNet Inception-V3 "notop" weights file, where Keras fetches it, its md5
IMAGENET_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
IMAGENET_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + IMAGENET_FILE
)
IMAGENET_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"  # Keras' own check of the file


@dataclasses.dataclass(frozen=True)
class WeightSource:
    """A named source of Inception-V3 weights and the network + scaling it needs.

    ``build(keras, image_size)`` returns the network without weights,
    ``preprocess`` maps float RGB pixels in [0, 255] to the network's input,
    ``load(model)`` loads the weights (``None``: ``VisualInceptionFeatures``
    loads a Keras weights file itself, as for ``"imagenet"``), ``identity``
    names the weights in feature-cache keys and ``network`` describes them
    for people (printed output, results files).
    """

    name: str
    network: str
    identity: str
    build: object
    preprocess: object
    load: object = None


def _build_keras_inception(keras, image_size):
    return keras.applications.InceptionV3(
        include_top=False,
        weights=None,
        input_shape=(image_size, image_size, 3),
        pooling="avg",
    )


def _keras_preprocess(x):
    from ...utils import import_tensorflow

    _, keras = import_tensorflow()
    return keras.applications.inception_v3.preprocess_input(x)


#: Keras' InceptionV3 and its scaling: for "imagenet", a weights file path and
#: random weights (None).
KERAS_INCEPTION = WeightSource(
    name="imagenet",
    network="Keras InceptionV3, ImageNet weights",
    identity="imagenet",
    build=_build_keras_inception,
    preprocess=_keras_preprocess,
)
FID_INCEPTION = WeightSource(
    name=SOURCE_NAME,
    network="TF inception-2015-12-05 Inception-V3 (ImageNet; the FID network)",
    identity=f"{SOURCE_NAME}/v{CONVERTER_VERSION}",
    build=build_fid_inception,
    preprocess=fid_preprocess,
    load=load_fid_weights,
)
#: name -> WeightSource, for ``VisualInceptionFeatures(weights=name)``
WEIGHT_SOURCES = {s.name: s for s in (KERAS_INCEPTION, FID_INCEPTION)}


def weight_source(weights):
    """The :class:`WeightSource` of a ``weights`` setting (a path or None: Keras')."""
    if isinstance(weights, str) and weights in WEIGHT_SOURCES:
        return WEIGHT_SOURCES[weights]
    return KERAS_INCEPTION


def imagenet_weights_path():
    """Path of Keras' ImageNet "notop" file, downloading it once if needed."""
    from ...utils import import_tensorflow

    _, keras = import_tensorflow()
    try:
        return keras.utils.get_file(
            IMAGENET_FILE, IMAGENET_URL, cache_subdir="models", file_hash=IMAGENET_MD5
        )
    except Exception as exc:
        raise OSError(
            "VisualInceptionFeatures(weights='imagenet') needs Keras' ImageNet "
            f"weights {IMAGENET_FILE!r} and could not get them "
            f"({type(exc).__name__}: {exc}). On a machine with internet access, "
            f"download {IMAGENET_URL} and either put it in ~/.keras/models/ "
            "(Keras' cache, also $KERAS_HOME/models/) or pass its path: "
            "VisualInceptionFeatures(weights='/path/to/" + IMAGENET_FILE + "'). "
            "For offline tests and demos use weights=None (random, seeded "
            "by random_state)."
        ) from exc
