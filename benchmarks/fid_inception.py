"""Measurements of the inception-2015-12-05 weight source (issue 8).

1. Conversion: ``default_1.pt`` (cached) -> Keras ``.weights.h5``, in a fresh
   process (TensorFlow's import timed apart).
2. Agreement with the TorchScript original (needs torch: the ``tests-torch``
   extra): float32 pool features of real photographs (scikit-learn's sample
   images, crops, a flip) and of noise frames; plus, to show that the known
   differences matter, the same weights in Keras' own InceptionV3 (average
   pool in ``mixed_10``) and with Keras' input scaling.
3. Speed: frames/s of the compiled forward pass (``VisualInceptionFeatures``'
   runner, float32, plain graph, 299 x 299, batch 16) with the
   inception-2015-12-05 network vs Keras' InceptionV3 architecture (random
   weights: speed does not depend on their values), interleaved rounds.

``python benchmarks/fid_inception.py`` prints a markdown section. Needs the
weights in the cache (``skmmlc fetch-weights inception-2015-12-05``).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time

import numpy as np

CONVERT = r"""
import json, sys, time, tempfile
t0 = time.perf_counter()
from skmmlc.utils import import_tensorflow
import_tensorflow()
t1 = time.perf_counter()
from skmmlc.feature_extraction import _fid_inception as fid
with tempfile.TemporaryDirectory() as tmp:
    meta = fid.convert_fid_inception(fid.fid_source_path(), tmp + "/x.weights.h5")
print(json.dumps({"tf_import": t1 - t0, "convert": meta["seconds"]}))
"""


def conversion(rounds=2):
    import json

    out = []
    for _ in range(rounds):
        proc = subprocess.run(
            [sys.executable, "-c", CONVERT], capture_output=True, text=True, check=True
        )
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def frames_for_comparison():
    import cv2
    from sklearn.datasets import load_sample_images

    china, flower = load_sample_images().images
    photos = [china, flower, china[:, ::-1][100:400, 150:550], flower[50:350, 200:600]]
    photos = [cv2.resize(f, (299, 299), interpolation=cv2.INTER_AREA) for f in photos]
    rng = np.random.default_rng(0)
    noise = list(rng.integers(0, 256, (2, 299, 299, 3), dtype=np.uint8))
    return np.stack(photos + noise)


def relative(a, ref):
    per_frame = np.abs(a - ref).max(axis=1) / np.abs(ref).max(axis=1)
    big = np.abs(ref) > 1e-2 * np.abs(ref).max(axis=1, keepdims=True)
    elementwise = (np.abs(a - ref)[big] / np.abs(ref)[big]).max()
    return float(per_frame.max()), float(elementwise)


def agreement():
    import torch

    from skmmlc.feature_extraction import _fid_inception as fid
    from skmmlc.utils import import_tensorflow

    _, keras = import_tensorflow()
    frames = frames_for_comparison().astype(np.float32)
    x = fid.fid_preprocess(frames)
    model = fid.build_fid_inception(keras, 299)
    fid.load_fid_weights(model)
    ours = model.predict(x, verbose=0, batch_size=6)
    net = torch.jit.load(str(fid.fid_source_path()), map_location="cpu").eval()
    with torch.no_grad():
        ref = net(
            torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        ).numpy()
    rows = {"converted network, (x - 128) / 128": relative(ours, ref)}
    rows["converted network, Keras scaling x / 127.5 - 1"] = relative(
        model.predict(frames / 127.5 - 1.0, verbose=0, batch_size=6), ref
    )
    # the same weights in Keras' InceptionV3 (average pool in mixed_10's pool branch)
    plain = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(299, 299, 3), pooling="avg"
    )

    # Keras' code creates its convolutions in the TorchScript's module order
    # (= the archive's order); its automatic names count up in creation order
    def created(layers, kind):
        found = [lay for lay in layers if type(lay).__name__ == kind]
        return sorted(
            found,
            key=lambda lay: int(re.search(r"(?:_(\d+))?$", lay.name).group(1) or 0),
        )

    names = list(fid.fid_conv_params(fid.load_torchscript(fid.fid_source_path()))[0])
    for name, conv, bn in zip(
        names,
        created(plain.layers, "Conv2D"),
        created(plain.layers, "BatchNormalization"),
    ):
        conv.set_weights(model.get_layer(name + "__conv").get_weights())
        bn.set_weights(model.get_layer(name + "__bn").get_weights())
    rows["Keras' InceptionV3 (avg pool in mixed_10), same weights"] = relative(
        plain.predict(x, verbose=0, batch_size=6), ref
    )
    return rows, len(frames)


def speed(rounds=3, n_frames=64, batch=16):
    from skmmlc.feature_extraction import _fid_inception as fid
    from skmmlc.feature_extraction._visual import _InceptionRunner
    from skmmlc.utils import import_tensorflow

    _, keras = import_tensorflow()
    runners = {
        "inception-2015-12-05 (max pool in mixed_10, (x-128)/128)": _InceptionRunner(
            fid.build_fid_inception(keras, 299), 299, batch, False, fid.fid_preprocess
        ),
        "Keras InceptionV3 architecture (imagenet, random weights)": _InceptionRunner(
            fid._build_keras_inception(keras, 299), 299, batch, False
        ),
    }
    rng = np.random.default_rng(0)
    stack = rng.integers(0, 256, (n_frames, 299, 299, 3), dtype=np.uint8)
    for r in runners.values():  # trace + warm up
        r([stack[:batch]])
    times = {k: [] for k in runners}
    for _ in range(rounds):
        for name, r in runners.items():
            t = time.perf_counter()
            r([stack])
            times[name].append(time.perf_counter() - t)
    return {k: n_frames / float(np.median(v)) for k, v in times.items()}


def run():
    lines = ["## inception-2015-12-05 weights (issue 8)", ""]
    lines.append(
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before: "
        f"{os.getloadavg()[0]:.1f}"
    )
    lines.append("")
    conv = conversion()
    lines.append(
        "Conversion of default_1.pt to Keras weights (fresh process; read archive, "
        "build, assign, save): "
        + ", ".join(f"{c['convert']:.1f} s" for c in conv)
        + " (TensorFlow import apart: "
        + ", ".join(f"{c['tf_import']:.1f} s" for c in conv)
        + ")."
    )
    lines.append("")
    try:
        rows, n = agreement()
    except ImportError:
        lines.append("Agreement with the TorchScript: torch not installed, skipped.")
    else:
        lines.append(
            f"Agreement with the TorchScript original, float32, {n} frames at "
            "299 x 299 (4 photographs, 2 noise):"
        )
        lines.append("")
        lines.append(
            "| network | max abs diff / max feature (per frame) "
            "| max elementwise rel. diff (features > 1% of max) |"
        )
        lines.append("|---|---|---|")
        for name, (a, b) in rows.items():
            lines.append(f"| {name} | {a:.2e} | {b:.2e} |")
    lines.append("")
    fps = speed()
    lines.append(
        "Forward pass, float32, plain graph, 299 x 299, batch 16 (frames/s, "
        "median of 3 interleaved rounds of 64 frames):"
    )
    lines.append("")
    lines.append("| network | frames/s |")
    lines.append("|---|---|")
    for name, v in fps.items():
        lines.append(f"| {name} | {v:.1f} |")
    lines.append("")
    lines.append(f"Load average after: {os.getloadavg()[0]:.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
