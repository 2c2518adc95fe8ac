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
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..utils import atomic_write
from ._manifest import load_manifest
from ._media import write_audio, write_clip

__all__ = ["make_disaster_demo"]

LABELS = [
    "Demo",
    "Emergency Response",
    "Flood/Storm",
    "Human Relief",
    "Damage",
    "Victim",
    "Speak/Briefing/Interview",
]
DEMO, ER, FLOOD, RELIEF, DAMAGE, VICTIM, SPEAK = range(7)

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
    rows = []
    for i in range(n_clips):
        frames, sound, text = _render_clip(seed, i, cues, n_frames, fps, width, height,
                                           sample_rate)
        video_name = f"clips/clip_{i:04d}.mp4"
        audio_name = f"audio/clip_{i:04d}.wav" if separate[i] else ""
        if separate[i]:
            write_audio(path / audio_name, sound, sample_rate)
            write_clip(path / video_name, frames, fps=fps, audio=None)
        else:
            write_clip(path / video_name, frames, fps=fps, audio=sound,
                       sample_rate=sample_rate)
        labels = "|".join(LABELS[j] for j in np.flatnonzero(Y[i]))
        rows.append({"video": video_name, "audio": audio_name, "text": text,
                     "labels": labels})

    _remove_stale(path, {r["video"] for r in rows} | {r["audio"] for r in rows})
    _write_atomic(params_file, json.dumps(params, indent=2, sort_keys=True) + "\n")
    table = pd.DataFrame(rows, columns=["video", "audio", "text", "labels"])
    _write_atomic(manifest, table.to_csv(index=False, lineterminator="\n"))
    return load()

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

_OPENERS = ["Video from {}", "Footage from {}", "News report from {}", "Scene in {}",
            "Clip recorded in {}", "Live coverage from {}", "Amateur video from {}"]
_PLACES = ["Houston", "Miami", "Florida", "Texas", "the Keys", "Naples", "Port Arthur",
           "Tampa", "the city", "a small town", "the coast", "downtown", "Beaumont"]
_WHEN = ["on Sunday", "this morning", "after the hurricane", "on Monday", "late at night",
         "yesterday", "during the hurricane", "", "", ""]
_FILLERS = ["Local news.", "Camera footage.", "More details soon.", "View from the street.",
            "Update from our team.", "", "", ""]
_PHRASES = {
    DEMO: ["protesters march through the streets", "a crowd rallies outside city hall",
           "demonstrators chant and hold signs", "activists protest the government response",
           "people gather for a demonstration", "marchers carry banners"],
    ER: ["rescue crews pull people from cars", "firefighters respond to the scene",
         "police and paramedics arrive", "an ambulance rushes past",
         "emergency workers search homes", "the coast guard rescues families by helicopter",
         "national guard trucks arrive"],
    FLOOD: ["streets are flooded", "water rises in homes", "floodwaters cover the highway",
            "neighborhoods are inundated", "storm surge pushes water inland",
            "heavy rain floods the roads", "cars submerged under water",
            "strong winds and rain hit the coast"],
    RELIEF: ["volunteers hand out food and water", "donations arrive at the shelter",
             "aid workers distribute supplies", "relief trucks bring meals and blankets",
             "families receive help at a shelter", "people donate clothes and food"],
    DAMAGE: ["homes are badly damaged", "debris covers the street", "roofs torn off houses",
             "buildings collapsed", "trees and power lines down",
             "destroyed homes and broken windows", "wreckage everywhere"],
    VICTIM: ["injured people are treated", "survivors wait for help",
             "residents trapped in their homes", "stranded families wave for help",
             "several people were killed", "victims are still missing"],
    SPEAK: ["the governor speaks at a press conference", "officials give a briefing",
            "the mayor told reporters", "a resident talks in an interview",
            "a spokesman explains the plan", "a reporter interviews a man",
            "officials said the situation is improving"],
}
# Misleading mentions in negative clips ("no flooding reported").
_NEGATED = {DEMO: "protests", ER: "rescues", FLOOD: "flooding", RELIEF: "aid",
            DAMAGE: "damage", VICTIM: "injuries", SPEAK: "statement"}

def _make_text(text_cues, rng):
    """One description: a generic opener, then a phrase per cued concept."""
    place = _PLACES[rng.integers(len(_PLACES))]
    when = _WHEN[rng.integers(len(_WHEN))]
    opener = _OPENERS[rng.integers(len(_OPENERS))].format(place)
    sentences = [" ".join(p for p in (opener, when) if p) + "."]
    phrases = []
    for j in rng.permutation(np.flatnonzero(text_cues)):
        options = _PHRASES[j]
        phrases.append(options[rng.integers(len(options))])
        if rng.random() < 0.3:  # a second phrase, other synonyms
            phrases.append(options[rng.integers(len(options))])
    if rng.random() < 0.1:
        phrases.append(f"no {_NEGATED[rng.integers(len(LABELS))]} reported")
    phrases = list(dict.fromkeys(phrases))
    if phrases:
        body = ", ".join(phrases[:-1]) + (" and " if len(phrases) > 1 else "") + phrases[-1]
        sentences.append(body[0].upper() + body[1:] + ".")
    filler = _FILLERS[rng.integers(len(_FILLERS))]
    if filler:
        sentences.append(filler)
    return " ".join(sentences)

# ---------------------------------------------------------------------- frames

_SKIES = np.array([[0.75, 0.75, 0.78], [0.45, 0.47, 0.5], [0.85, 0.7, 0.55],
                   [0.6, 0.7, 0.85], [0.9, 0.9, 0.88]])
_GROUNDS = np.array([[0.3, 0.5, 0.25], [0.65, 0.55, 0.4], [0.35, 0.35, 0.35],
                     [0.5, 0.45, 0.3]])

class _Canvas:
    """The frames of one clip being painted, with their time and pixel grids.

    ``frames`` (T, H, W, 3) float32 in [0, 1]; ``t`` (T, 1, 1) seconds;
    ``yy``, ``xx`` (H, W) pixel rows and columns.
    """

    def __init__(self, frames, t, yy, xx):
        self.frames, self.t, self.yy, self.xx = frames, t, yy, xx
        self.T, self.H, self.W = frames.shape[:3]

    def blend(self, mask, color, alpha):
        """Paint ``color`` ((3,) or (T, H, W, 3)) where ``mask`` ((T or 1, H, W)) is on."""
        rows = np.flatnonzero(mask.any(axis=(0, 2)))
        if rows.size == 0:
            return
        part = slice(rows[0], rows[-1] + 1)
        m = (np.float32(alpha) * mask[:, part])[..., None].astype(np.float32)
        color = np.asarray(color, dtype=np.float32)
        if color.ndim == 4:
            color = color[:, part]
        target = self.frames[:, part]
        target += m * (color - target)


def _make_frames(visual_cues, n_frames, fps, width, height, rng):
    """RGB uint8 frames (n_frames, height, width, 3) with the cued concepts.

    A panning background, then one painter per cued concept (in a fixed
    order: each draws from ``rng`` in turn), then camera gain and noise.
    """
    t = (np.arange(n_frames, dtype=np.float32) / fps)[:, None, None]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    canvas = _Canvas(_background(n_frames, height, width, t, rng), t, yy, xx)
    strength = rng.uniform(0.7, 1.0, len(LABELS))
    for concept, paint in _PAINTERS:
        if visual_cues[concept]:
            paint(canvas, strength[concept], rng)
    return _camera(canvas.frames, rng)


def _background(T, H, W, t, rng):
    """Sky, ground and a few buildings, panning slowly: (T, H, W, 3) float32."""
    horizon = int(H * rng.uniform(0.35, 0.55))
    base = np.empty((H, W, 3), np.float32)
    base[:horizon] = _SKIES[rng.integers(len(_SKIES))]
    base[horizon:] = _GROUNDS[rng.integers(len(_GROUNDS))]
    for _ in range(rng.integers(2, 5)):
        x0 = rng.integers(0, W - W // 5)
        w = rng.integers(W // 8, W // 3)
        top = rng.integers(H // 6, horizon + 1)
        base[top:horizon + H // 10, x0:x0 + w] = rng.uniform(0.3, 0.7) * rng.uniform(0.8, 1.2, 3)
    pan = rng.uniform(-6, 6)  # pixels per second
    return np.stack([np.roll(base, int(round(pan * s)), axis=1) for s in t[:, 0, 0]])


def _paint_damage(c, strength, rng):
    """Grey-brown blocky debris texture in the middle, shaking with the camera."""
    H, W = c.H, c.W
    top, bottom = int(H * rng.uniform(0.15, 0.3)), int(H * rng.uniform(0.6, 0.75))
    left = rng.integers(0, W // 4)
    right = W - rng.integers(0, W // 4)
    block = 6
    tex = rng.uniform(0.5, 1.4, (H // block + 1, W // block + 1))
    tex = np.kron(tex, np.ones((block, block)))[:H, :W]
    debris = np.clip(tex[..., None] * np.array([0.45, 0.38, 0.3]), 0, 1)
    mask = np.zeros((H, W), np.float32)
    mask[top:bottom, left:right] = 1
    shake = rng.integers(-2, 3, size=c.T)
    moving = np.stack([np.roll(debris, s, axis=0) for s in shake])
    c.blend(mask[None], moving, strength)


def _paint_flood(c, strength, rng):
    """Blue water with moving waves over the lower part."""
    level = c.H * rng.uniform(0.4, 0.6)
    waves = np.float32(0.1) * np.sin(np.float32(2 * np.pi) * (c.yy / 7 - 1.2 * c.t) + c.xx / 15)
    water = np.array([0.15, 0.35, 0.7], np.float32) + waves[..., None]
    c.blend((c.yy >= level)[None].astype(np.float32), water, strength)


def _paint_relief(c, strength, rng):
    """Big white boxes with a green or red stripe in the lower half."""
    H, W = c.H, c.W
    for _ in range(rng.integers(2, 5)):
        bw, bh = rng.integers(W // 6, W // 4), rng.integers(H // 6, H // 4)
        x0, y0 = rng.integers(0, W - bw), rng.integers(H // 2, H - bh)
        mask = np.zeros((H, W), np.float32)
        mask[y0:y0 + bh, x0:x0 + bw] = 1
        c.blend(mask[None], np.array([0.93, 0.93, 0.9]), strength)
        stripe = np.zeros((H, W), np.float32)
        stripe[y0 + bh // 3:y0 + bh // 3 + max(bh // 5, 2), x0:x0 + bw] = 1
        color = [[0.1, 0.6, 0.2], [0.8, 0.1, 0.1]][rng.integers(2)]
        c.blend(stripe[None], np.array(color), strength)


def _paint_demo(c, strength, rng):
    """A dark crowd band swaying at the bottom, yellow signs bobbing above it."""
    T, H, W, t = c.T, c.H, c.W, c.t
    crowd = np.kron(rng.uniform(0.1, 0.3, (H // 4 + 1, W // 4 + 1)), np.ones((4, 4)))[:H, :W]
    crowd_mask = (c.yy >= H * 0.72).astype(np.float32)
    crowd_frames = np.stack([np.roll(crowd, int(2 * np.sin(4 * s)), axis=1)
                             for s in t[:, 0, 0]])
    c.blend(crowd_mask[None], crowd_frames[..., None] * np.ones(3), strength)
    signs = np.zeros((T, H, W), np.float32)
    sw, sh = max(W // 10, 2), max(H // 8, 2)
    for _ in range(rng.integers(5, 10)):
        x0 = rng.integers(0, W - sw)
        y0 = rng.uniform(0.5, 0.65) * H
        phase, rate = rng.uniform(0, 2 * np.pi), rng.uniform(1.5, 2.5)
        for k in range(T):
            y = int(y0 + 0.05 * H * np.sin(2 * np.pi * rate * t[k, 0, 0] + phase))
            signs[k, y:y + sh, x0:x0 + sw] = 1
    c.blend(signs, np.array([0.95, 0.85, 0.2]), strength)


def _paint_victim(c, strength, rng):
    """A pale stretcher with a head (a weak cue: painted at 60 %)."""
    H, W, yy, xx = c.H, c.W, c.yy, c.xx
    cx, cy = W * rng.uniform(0.3, 0.7), H * rng.uniform(0.65, 0.8)
    bar = (np.abs(xx - cx) < W * 0.22) & (np.abs(yy - cy) < H * 0.05)
    c.blend(bar[None].astype(np.float32), np.array([0.92, 0.92, 0.96]), 0.6 * strength)
    head = ((xx - (cx - W * 0.18)) / (W * 0.05)) ** 2 + ((yy - cy) / (H * 0.06)) ** 2 < 1
    c.blend(head[None].astype(np.float32), np.array([0.85, 0.65, 0.5]), 0.6 * strength)


def _paint_speak(c, strength, rng):
    """A talking head: backdrop, skin-toned oval and a mouth opening 4 times a second."""
    H, W, yy, xx = c.H, c.W, c.yy, c.xx
    cx, cy = W * rng.uniform(0.4, 0.6), H * rng.uniform(0.4, 0.5)
    backdrop = (np.abs(xx - cx) < W * 0.3) & (yy < H * 0.85)
    c.blend(backdrop[None].astype(np.float32), np.array([0.35, 0.15, 0.2]), strength)
    face = ((xx - cx) / (W * 0.13)) ** 2 + ((yy - cy) / (H * 0.22)) ** 2 < 1
    c.blend(face[None].astype(np.float32), np.array([0.87, 0.68, 0.55]), strength)
    opening = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * c.t + rng.uniform(0, 2 * np.pi))
    mouth = (((xx - cx) / (W * 0.05)) ** 2
             + ((yy - (cy + H * 0.11)) / (H * 0.005 + H * 0.035 * opening)) ** 2) < 1
    c.blend(mouth.astype(np.float32), np.array([0.25, 0.05, 0.05]), strength)


def _paint_emergency(c, strength, rng):
    """Red and blue lights flashing in turn at the top; the frames flicker.

    Painted last and at full strength (``strength`` is not used: the lights
    replace the top band).
    """
    H, W, yy, xx, frames = c.H, c.W, c.yy, c.xx, c.frames
    rate = rng.uniform(1.5, 2.5)
    on = (np.floor(2 * rate * c.t[:, 0, 0]) % 2).astype(bool)
    band = (yy < H * 0.2).astype(np.float32)
    left = band * (xx < W / 2)
    right = band * (xx >= W / 2)
    red, blue = np.array([1.0, 0.1, 0.1]), np.array([0.1, 0.2, 1.0])
    for k in range(c.T):
        a, b = (red, blue) if on[k] else (blue, red)
        frames[k] = frames[k] * (1 - left[..., None]) + left[..., None] * a
        frames[k] = frames[k] * (1 - right[..., None]) + right[..., None] * b
    frames *= (1.0 + 0.25 * on)[:, None, None, None]


#: (concept, painter), in painting order (later painters cover earlier ones).
_PAINTERS = (
    (DAMAGE, _paint_damage),
    (FLOOD, _paint_flood),
    (RELIEF, _paint_relief),
    (DEMO, _paint_demo),
    (VICTIM, _paint_victim),
    (SPEAK, _paint_speak),
    (ER, _paint_emergency),
)


def _camera(frames, rng):
    """Per-frame gain and sensor noise; float [0, 1] -> uint8."""
    T = frames.shape[0]
    gain = rng.uniform(0.8, 1.15) * (1 + 0.02 * rng.standard_normal(T))
    frames *= gain.astype(np.float32)[:, None, None, None]
    frames += rng.standard_normal(frames.shape, dtype=np.float32) * np.float32(0.03)
    np.clip(frames, 0, 1, out=frames)
    return (frames * 255 + 0.5).astype(np.uint8)


# ----------------------------------------------------------------------- audio

# Vowel formants (Hz), after Peterson and Barney.
_VOWELS = np.array([[730, 1090, 2440], [270, 2290, 3010], [530, 1840, 2480],
                    [570, 840, 2410], [300, 870, 2240], [660, 1720, 2410]])

def _band_noise(n, sample_rate, low, high, rng):
    """White noise band-passed to [low, high] Hz, unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    spectrum[(freqs < low) | (freqs > high)] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)

def _window(n, sample_rate, rng, min_fraction=0.6):
    """A 0..1 envelope that is on over a random part (>= min_fraction) of the clip."""
    length = int(n * rng.uniform(min_fraction, 1.0))
    start = rng.integers(0, n - length + 1)
    env = np.zeros(n)
    env[start:start + length] = 1
    fade = max(int(0.05 * sample_rate), 1)
    kernel = np.ones(fade) / fade
    return np.convolve(env, kernel, mode="same")

def _siren(t, rng):
    center, depth = rng.uniform(950, 1200), rng.uniform(300, 450)
    period = rng.choice([rng.uniform(0.8, 2.0), rng.uniform(0.2, 0.35)])  # wail or yelp
    freq = center + depth * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * np.cumsum(freq) * (t[1] - t[0])
    return np.sin(phase) + 0.3 * np.sin(2 * phase)

def _speech(t, sample_rate, rng):
    """Speech-like sound: harmonics of a moving pitch shaped by vowel formants,
    cut into syllables of 0.12-0.3 s at about 4 per second, with pauses."""
    n = len(t)
    f0 = rng.uniform(100, 220) * (1 + 0.08 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6)))
    formants = np.empty((n, 3))
    envelope = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.12, 0.3) * sample_rate)
        gap = rng.uniform(0.3, 0.7) if rng.random() < 0.12 else rng.uniform(0.02, 0.08)
        formants[pos:pos + length + int(gap * sample_rate)] = _VOWELS[rng.integers(len(_VOWELS))]
        k = np.arange(min(length, n - pos))
        envelope[pos:pos + len(k)] = np.sin(np.pi * k / length) ** 0.5
        pos += length + int(gap * sample_rate)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    sound = np.zeros(n)
    for k in range(1, int(4000 / f0.min()) + 1):
        h = k * f0
        amp = sum(np.exp(-0.5 * ((h - formants[:, j]) / 90.0) ** 2) / (j + 1) for j in range(3))
        sound += amp * np.sin(k * phase)
    return sound * envelope

def _chant(t, sample_rate, rng):
    """Crowd chanting: babble noise and claps pulsing in a steady rhythm."""
    n = len(t)
    rate = rng.uniform(1.5, 2.5)
    beat = np.clip(np.sin(2 * np.pi * rate * t + rng.uniform(0, 6)), 0, 1) ** 2
    babble = _band_noise(n, sample_rate, 300, 3000, rng) * (0.25 + 0.75 * beat)
    claps = np.zeros(n)
    for onset in np.arange(rng.uniform(0, 1 / rate), t[-1], 1 / rate):
        i = int(onset * sample_rate)
        length = min(int(0.03 * sample_rate), n - i)
        claps[i:i + length] = rng.standard_normal(length) * np.exp(-np.arange(length) / 120)
    return babble + 1.5 * claps

def _make_audio(audio_cues, seconds, sample_rate, rng):
    """Mono float32 sound in [-1, 1] with the cued concepts."""
    n = int(round(seconds * sample_rate))
    t = np.arange(n) / sample_rate
    sound = rng.uniform(0.03, 0.08) * _band_noise(n, sample_rate, 20, 600, rng)
    if rng.random() < 0.3:  # a car horn, unrelated to any concept
        horn = np.sin(2 * np.pi * rng.uniform(300, 500) * t)
        sound += 0.2 * horn * _window(n, sample_rate, rng, min_fraction=0.1)
    if audio_cues[FLOOD]:
        rain = _band_noise(n, sample_rate, 1500, 9000, rng)
        wind = _band_noise(n, sample_rate, 30, 250, rng) * (1 + 0.5 * np.sin(2 * np.pi * 0.4 * t))
        sound += rng.uniform(0.15, 0.3) * (rain + 0.5 * wind) * _window(n, sample_rate, rng)
    if audio_cues[ER]:
        sound += rng.uniform(0.2, 0.4) * _siren(t, rng) * _window(n, sample_rate, rng)
    if audio_cues[SPEAK]:
        speech = _speech(t, sample_rate, rng)
        speech /= np.abs(speech).max() + 1e-12
        sound += rng.uniform(0.3, 0.5) * speech * _window(n, sample_rate, rng)
    if audio_cues[DEMO]:
        sound += rng.uniform(0.15, 0.3) * _chant(t, sample_rate, rng) * _window(n, sample_rate, rng)
    sound *= rng.uniform(0.5, 0.9) / (np.abs(sound).max() + 1e-12)
    return sound.astype(np.float32)
