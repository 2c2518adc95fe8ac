"""A TorchScript archive read WITHOUT torch, its pickle restricted to tensors.

A TorchScript archive is a zip holding ``<name>/data.pkl`` (a pickle of the
module tree whose tensors refer to storages by key) and ``<name>/data/<key>``
(raw little-endian storages). :func:`load_torchscript` reads the pickle with
:class:`_RestrictedUnpickler`, which allows only the handful of callables a
TorchScript module tree needs (tensor rebuild, storage types, ``OrderedDict``,
int lists) mapped to numpy, and turns the ``__torch__.*`` module classes into
plain attribute holders (:class:`TorchScriptObject`); anything else is
refused before it runs.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import re
import zipfile

import numpy as np

from ...exceptions import WeightsError

__all__ = [
    "UnsafePickleError",
    "TorchScriptObject",
    "load_torchscript",
    "named_modules",
    "torchscript_tensors",
]

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
            "published weights file, or was tampered with; delete it and "
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
            "(skmmlc fetch-weights)."
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


