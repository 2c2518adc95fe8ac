"""A small synthetic disaster-video data set, written as real media files.

The paper's data set (1,540 clips of hurricanes Harvey and Irma, Table I) is
not public. :func:`make_disaster_demo` writes a stand-in with the same shape:
mp4 clips (H.264 video + AAC sound), a few separate wav files, one description
per clip and a manifest CSV, for the seven concepts of Table I with a similar
imbalance and label cardinality (about 2 labels per clip).

Each concept leaves a trace in some modalities but not in all, and each trace
is present in only part of the positive clips (and, rarely, in negative ones),
so that a single modality misses some concepts and fusion helps:

=========================  ==========================  ======================  ===========
concept                    visual                      audio                   text
=========================  ==========================  ======================  ===========
Demo                       yellow signs bobbing,       crowd noise chanting    protest...
                           dark crowd band             in a rhythm, claps
Emergency Response         red/blue lights flashing    siren (frequency        rescue...
                           at the top, flicker         sweep)
Flood/Storm                blue water with waves in    rain hiss, wind         flooding...
                           the lower part              rumble
Human Relief               big white boxes with        --                      supplies...
                           coloured stripes
Damage                     grey-brown blocky debris    --                      debris...
                           texture, camera shake
Victim                     (weak) pale stretcher       --                      injured...
Speak/Briefing/Interview   talking head: skin-toned    speech-like sound:      briefing...
                           oval, moving mouth          formants, syllables
=========================  ==========================  ======================  ===========

Text is the strongest modality (a cue in about 85% of the positive clips, with
synonyms, generic openers and misleading "no flooding reported" mentions),
audio the weakest (cues for four concepts only), visual in between, as in the
paper's Table II. Visual cues are coarse (large colour regions, flicker,
motion) so that they survive small frames and even a randomly initialised
Inception-V3.

This module plans the data set (labels, which cues each clip shows) and
writes it; ``_demo_render`` renders one clip's cues as text, frames and sound.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..utils import atomic_write
from ._demo_render import (  # the concepts; a clip's text, frames and sound
    DAMAGE,
    DEMO,
    ER,
    FLOOD,
    LABELS,
    RELIEF,
    SPEAK,
    VICTIM,
    _make_audio,
    _make_frames,
    _make_text,
)
from ._manifest import load_manifest
from ._media import write_audio, write_clip

__all__ = ["make_disaster_demo"]


# Table I: instances per concept over 1,540 clips (3,225 label assignments).
# Its "P/N ratio" column is instances / 3,225; the fraction of clips that
# carry a concept is instances / 1,540 (0.10 for Demo to 0.63 for Flood/Storm).
_TABLE_I_COUNTS = np.array([150, 338, 971, 273, 371, 311, 811])
_TABLE_I_CLIPS = 1540
_PRIOR = _TABLE_I_COUNTS / _TABLE_I_CLIPS

# Correlations between the concepts, in a Gaussian copula.
_CORRELATIONS = {
    (FLOOD, DAMAGE): 0.35,
    (RELIEF, VICTIM): 0.35,
    (ER, VICTIM): 0.3,
    (ER, FLOOD): 0.15,
    (DEMO, SPEAK): 0.25,
    (DEMO, FLOOD): -0.3,
}

# Probability that a positive clip shows the concept's cue in each modality,
# and that a negative clip shows it anyway (a false cue).
_CUE_RATE = {
    "text": np.array([0.85, 0.85, 0.85, 0.9, 0.85, 0.9, 0.8]),
    "visual": np.array([0.7, 0.75, 0.8, 0.7, 0.8, 0.4, 0.7]),
    "audio": np.array([0.7, 0.75, 0.7, 0.0, 0.0, 0.0, 0.85]),
}
_FALSE_CUE_RATE = {"text": 0.03, "visual": 0.04, "audio": 0.04}

_GENERATOR_VERSION = 1
_PARAMS_FILE = "demo_params.json"
_MANIFEST_FILE = "manifest.csv"

def make_disaster_demo(
    path,
    *,
    n_clips=200,
    seed=0,
    seconds=3.0,
    fps=8,
    frame_size=(160, 120),
    sample_rate=22050,
    separate_audio=0.15,
    overwrite=False,
    return_X_y=False,
):
    """Write a small multi-label, multimodal disaster-video data set.

    Writes ``n_clips`` mp4 clips (H.264 video, AAC sound) under ``path/clips``,
    a separate wav file for a fraction of them under ``path/audio`` (those
    clips have no sound track of their own), and ``path/manifest.csv`` with
    the columns ``video``, ``audio``, ``text``, ``labels`` (see
    :func:`load_manifest`). The labels are the seven concepts of the paper's
    Table I, with a similar imbalance (Flood/Storm on about 63% of the clips,
    Demo on about 10%) and about 2 labels per clip. See the module docstring
    for how each concept shows in each modality.

    The output is deterministic: the same parameters give a byte-identical
    manifest and identical decoded frames and sound. The parameters are stored
    in ``path/demo_params.json``; a later call with the same parameters finds
    the complete data set and returns it without writing anything. The
    manifest is written last, atomically, so an interrupted run is detected
    and redone.

    Parameters
    ----------
    path : str or Path
        Folder of the data set (created if needed).
    n_clips : int, default=200
        Number of clips.
    seed : int, default=0
        Seed of the random generator.
    seconds : float, default=3.0
        Length of each clip.
    fps : int, default=8
        Frame rate; each clip has ``round(seconds * fps)`` frames.
    frame_size : (width, height), default=(160, 120)
        Frame size in pixels; both must be even (H.264).
    sample_rate : int, default=22050
        Sample rate of the sound (SoundNet's rate).
    separate_audio : float, default=0.15
        Fraction of the clips (``round(separate_audio * n_clips)`` of them)
        whose sound is a separate wav file, listed in the ``audio`` column,
        instead of the mp4's sound track.
    overwrite : bool, default=False
        Write the data set even if ``path`` already holds it. Also needed to
        write into a folder whose ``manifest.csv`` was not made by this
        function.
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As returned by :func:`load_manifest` with the label order of Table I:
        ``data`` (DataFrame with ``video``, ``audio``, ``text``), ``target``
        (0/1 array, n_clips x 7), ``target_names`` (= ``label_names``),
        ``frame``, ``filename`` (the manifest) and ``DESCR``.
    (X, Y) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    FileExistsError
        If ``path`` holds a ``manifest.csv`` that this function did not write
        and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> from skmmlc.datasets import make_disaster_demo
    >>> demo = make_disaster_demo(tempfile.mkdtemp(), n_clips=4, seconds=1.0,
    ...                           frame_size=(64, 48))
    >>> demo.data.shape, demo.target.shape
    ((4, 3), (4, 7))
    >>> demo.target_names[2]
    'Flood/Storm'
    """
    # Over 60 lines only with its signature, one line per option; the body is under 60.
    width, height = (int(v) for v in frame_size)
    if width % 2 or height % 2 or width < 16 or height < 16:
        raise ValueError(f"frame_size must be two even numbers >= 16, got {frame_size}.")
    n_clips = int(n_clips)
    if n_clips < 1:
        raise ValueError(f"n_clips must be >= 1, got {n_clips}.")
    n_frames = int(round(seconds * fps))
    if n_frames < 1:
        raise ValueError(f"seconds * fps must give at least one frame, got {n_frames}.")
    if not 0.0 <= separate_audio <= 1.0:
        raise ValueError(f"separate_audio must be in [0, 1], got {separate_audio}.")

    params = {
        "generator_version": _GENERATOR_VERSION,
        "n_clips": n_clips,
        "seed": int(seed),
        "seconds": float(seconds),
        "fps": int(fps),
        "frame_size": [width, height],
        "sample_rate": int(sample_rate),
        "separate_audio": float(separate_audio),
    }
    path = Path(path).expanduser()
    manifest = path / _MANIFEST_FILE
    params_file = path / _PARAMS_FILE

    def load():
        return load_manifest(manifest, label_names=LABELS, return_X_y=return_X_y)

    if not overwrite and _is_complete(path, params):
        return load()
    if manifest.exists() and not params_file.exists() and not overwrite:
        raise FileExistsError(
            f"{manifest} exists and was not written by make_disaster_demo; "
            "pass overwrite=True or choose another folder."
        )

    # Remove the manifest first: until the new one is written, the folder is
    # seen as incomplete.
    manifest.unlink(missing_ok=True)
    params_file.unlink(missing_ok=True)
    path.mkdir(parents=True, exist_ok=True)

    Y, cues, separate = _plan(n_clips, seed, separate_audio)
    rows = [
        _write_row(path, i, Y[i], separate[i], *_render_clip(
            seed, i, cues, n_frames, fps, width, height, sample_rate), fps, sample_rate)
        for i in range(n_clips)
    ]
    _remove_stale(path, {r["video"] for r in rows} | {r["audio"] for r in rows})
    _write_atomic(params_file, json.dumps(params, indent=2, sort_keys=True) + "\n")
    table = pd.DataFrame(rows, columns=["video", "audio", "text", "labels"])
    _write_atomic(manifest, table.to_csv(index=False, lineterminator="\n"))
    return load()

def _write_row(path, i, y, separate, frames, sound, text, fps, sample_rate):
    """Write clip ``i`` (and its separate sound file); its manifest row."""
    video_name = f"clips/clip_{i:04d}.mp4"
    audio_name = f"audio/clip_{i:04d}.wav" if separate else ""
    if separate:
        write_audio(path / audio_name, sound, sample_rate)
        write_clip(path / video_name, frames, fps=fps, audio=None)
    else:
        write_clip(path / video_name, frames, fps=fps, audio=sound, sample_rate=sample_rate)
    labels = "|".join(LABELS[j] for j in np.flatnonzero(y))
    return {"video": video_name, "audio": audio_name, "text": text, "labels": labels}


# ----------------------------------------------------------------- bookkeeping

def _seed_sequence(seed, *keys):
    """A seed sequence per purpose (and per clip), independent of ``n_clips``."""
    words = {"labels": 1, "clip": 2}
    return np.random.SeedSequence([int(seed)] + [words.get(k, k) for k in keys])

def _plan(n_clips, seed, separate_audio):
    """Labels, cues and the clips with a separate audio file.

    Returns
    -------
    Y : ndarray of shape (n_clips, 7), int
    cues : dict
        ``"text"``, ``"visual"``, ``"audio"`` -> bool array (n_clips, 7): whether
        the clip shows the concept in that modality.
    separate : ndarray of shape (n_clips,), bool
    """
    rng = np.random.default_rng(_seed_sequence(seed, "labels"))
    Y = _draw_labels(n_clips, rng)
    cues = _draw_cues(Y, rng)
    separate = np.zeros(n_clips, dtype=bool)
    separate[rng.permutation(n_clips)[:int(round(separate_audio * n_clips))]] = True
    return Y, cues, separate

def _render_clip(seed, i, cues, n_frames, fps, width, height, sample_rate):
    """Frames, sound and description of clip ``i``."""
    rng = np.random.default_rng(_seed_sequence(seed, "clip", i))
    frames = _make_frames(cues["visual"][i], n_frames, fps, width, height, rng)
    sound = _make_audio(cues["audio"][i], n_frames / fps, sample_rate, rng)
    text = _make_text(cues["text"][i], rng)
    return frames, sound, text

def _is_complete(path, params):
    """True if ``path`` holds a finished demo made with ``params``."""
    try:
        stored = json.loads((path / _PARAMS_FILE).read_text())
        table = pd.read_csv(path / _MANIFEST_FILE, dtype=str, keep_default_na=False)
    except (OSError, ValueError):
        return False
    if stored != params or len(table) != params["n_clips"]:
        return False
    files = [f for f in list(table["video"]) + list(table["audio"]) if f]
    return all((path / f).is_file() for f in files)

def _remove_stale(path, keep):
    """Delete clip files of an earlier demo in the same folder."""
    for pattern in ("clips/clip_*.mp4", "audio/clip_*.wav"):
        for file in path.glob(pattern):
            if file.relative_to(path).as_posix() not in keep:
                file.unlink()

def _write_atomic(path, text):
    with atomic_write(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)

# ---------------------------------------------------------------------- labels

def _draw_labels(n, rng):
    """Draw an (n, 7) 0/1 label matrix with Table I's imbalance.

    Labels come from a Gaussian copula: correlated normal scores, thresholded
    so that label j is on for a fraction ``_PRIOR[j]`` of the clips. A clip
    that gets no label gets one, drawn in proportion to the priors (every
    clip of the paper's data set shows at least one concept).
    """
    from scipy.stats import norm

    corr = np.eye(len(LABELS))
    for (a, b), r in _CORRELATIONS.items():
        corr[a, b] = corr[b, a] = r
    scores = rng.standard_normal((n, len(LABELS))) @ np.linalg.cholesky(corr).T
    Y = (scores < norm.ppf(_PRIOR)).astype(int)
    for i in np.flatnonzero(Y.sum(axis=1) == 0):
        Y[i, rng.choice(len(LABELS), p=_PRIOR / _PRIOR.sum())] = 1
    return Y

def _draw_cues(Y, rng):
    """Which concept shows in which modality of each clip: dict of (n, 7) bool."""
    cues = {}
    for modality in ("text", "visual", "audio"):
        u = rng.random(Y.shape)
        true_cue = (Y == 1) & (u < _CUE_RATE[modality])
        false_cue = (Y == 0) & (u < _FALSE_CUE_RATE[modality]) & (_CUE_RATE[modality] > 0)
        cues[modality] = true_cue | false_cue
    return cues

# ------------------------------------------------------------------------ text
