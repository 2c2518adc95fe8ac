"""Tests of the demo data set generator (skmmlc/datasets/_demo.py)."""

import json
from pathlib import Path

import av
import cv2
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from skmmlc.datasets import _demo, make_disaster_demo

SMALL = dict(n_clips=8, seed=3, seconds=1.0, fps=6, frame_size=(64, 48),
             separate_audio=0.25)
SR = 22050


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo")
    return path, make_disaster_demo(path, **SMALL)


def decode(path):
    """(frames (n, h, w, 3) uint8 RGB, audio float32 mono or None) with PyAV."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    audio = None
    with av.open(str(path)) as container:
        if container.streams.audio:
            chunks = [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
            audio = np.concatenate(chunks).astype(np.float32)
    return np.stack(frames), audio


def mtimes(path):
    return {p: p.stat().st_mtime_ns for p in sorted(path.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ the files


def test_bunch_and_manifest(demo):
    path, bunch = demo
    assert list(bunch.data.columns) == ["video", "audio", "text"]
    assert bunch.target.shape == (8, 7)
    assert set(np.unique(bunch.target)) <= {0, 1}
    assert bunch.target_names == _demo.LABELS == bunch.label_names
    assert bunch.target_names[2] == "Flood/Storm"
    assert bunch.filename == str((path / "manifest.csv").resolve())
    assert list(bunch.frame.columns) == ["video", "audio", "text"] + _demo.LABELS

    raw = pd.read_csv(path / "manifest.csv", dtype=str, keep_default_na=False)
    assert list(raw.columns) == ["video", "audio", "text", "labels"]
    # Paths in the file are relative to the manifest's folder, resolved on load.
    assert all(v.startswith("clips/") and v.endswith(".mp4") for v in raw["video"])
    assert all(bunch.data["video"][i] == str((path / v).resolve())
               for i, v in enumerate(raw["video"]))
    # Exactly round(0.25 * 8) = 2 clips have a separate wav file.
    assert (raw["audio"] != "").sum() == 2
    assert all(a.startswith("audio/") and a.endswith(".wav") for a in raw["audio"] if a)
    for i, cell in enumerate(raw["labels"]):
        names = cell.split("|")
        assert names, "every demo clip has a label"
        assert set(names) == {n for n, y in zip(_demo.LABELS, bunch.target[i]) if y}
    assert all(len(t.split()) >= 3 for t in bunch.data["text"])
    assert json.loads((path / "demo_params.json").read_text())["n_clips"] == 8

    X, Y = make_disaster_demo(path, **SMALL, return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)
    np.testing.assert_array_equal(Y, bunch.target)


def test_media_decode(demo):
    path, bunch = demo
    for video, audio in zip(bunch.data["video"], bunch.data["audio"]):
        frames, track = decode(video)
        assert frames.shape == (6, 48, 64, 3)  # 1 s at 6 fps, 64x48
        cap = cv2.VideoCapture(video)
        n_read = 0
        while cap.read()[0]:
            n_read += 1
        cap.release()
        assert n_read == 6
        if audio:
            # The separate wav is the clip's sound; the mp4 has none of its own.
            assert track is None
            sound, rate = sf.read(audio, dtype="float32")
            assert rate == SR and sound.shape == (SR,)
            assert 0.3 < np.abs(sound).max() <= 1.0
        else:
            assert track is not None
            # AAC pads to whole 1024-sample frames (plus encoder priming).
            assert SR <= track.size <= SR + 3 * 1024
            assert np.abs(track).max() > 0.2


def test_media_match_the_generator(demo):
    """The encoded files carry what the generator drew (lossy codecs aside)."""
    path, bunch = demo
    width, height = SMALL["frame_size"]
    _, cues, separate = _demo._plan(8, SMALL["seed"], SMALL["separate_audio"])
    for i, (video, audio) in enumerate(zip(bunch.data["video"], bunch.data["audio"])):
        frames, sound, text = _demo._render_clip(SMALL["seed"], i, cues, 6, 6, width,
                                                 height, SR)
        decoded, track = decode(video)
        assert np.abs(decoded.astype(float) - frames).mean() < 12
        assert bunch.data["text"][i] == text
        assert bool(audio) == separate[i]
        if not audio:
            spectrum = np.abs(np.fft.rfft(sound, 4096))
            # Magnitude spectra of the whole clip (shift invariant) agree.
            decoded_spectrum = np.abs(np.fft.rfft(track[:SR], 4096))
            assert np.corrcoef(spectrum, decoded_spectrum)[0, 1] > 0.8


def test_deterministic(demo, tmp_path):
    path, bunch = demo
    again = make_disaster_demo(tmp_path / "again", **SMALL)
    assert (tmp_path / "again" / "manifest.csv").read_bytes() == (
        path / "manifest.csv").read_bytes()
    for a, b, wav_a, wav_b in zip(bunch.data["video"], again.data["video"],
                                  bunch.data["audio"], again.data["audio"]):
        (fa, sa), (fb, sb) = decode(a), decode(b)
        # the same clip, byte for byte (libx264 with B-frames and lookahead was
        # not reproducible: write_clip tunes it for zero latency)
        assert Path(a).read_bytes() == Path(b).read_bytes()
        np.testing.assert_array_equal(fa, fb)
        if wav_a:
            np.testing.assert_array_equal(sf.read(wav_a)[0], sf.read(wav_b)[0])
        else:
            np.testing.assert_array_equal(sa, sb)

    other = make_disaster_demo(tmp_path / "other", **{**SMALL, "seed": 4, "n_clips": 3})
    assert list(other.data["text"]) != list(bunch.data["text"][:3])


# ---------------------------------------------------------------------- cache


def test_cache_reuse(demo):
    path, bunch = demo
    before = mtimes(path)
    again = make_disaster_demo(path, **SMALL)
    assert mtimes(path) == before
    pd.testing.assert_frame_equal(again.frame, bunch.frame)


def test_cache_redo(tmp_path):
    small = {**SMALL, "n_clips": 3, "separate_audio": 0.0}
    make_disaster_demo(tmp_path, **small)
    clip = tmp_path / "clips" / "clip_0002.mp4"
    first = clip.stat().st_mtime_ns

    # An interrupted run leaves no manifest: the folder is written again.
    (tmp_path / "manifest.csv").unlink()
    make_disaster_demo(tmp_path, **small)
    second = clip.stat().st_mtime_ns
    assert second != first and (tmp_path / "manifest.csv").is_file()

    # overwrite=True rewrites even a complete folder.
    make_disaster_demo(tmp_path, **small, overwrite=True)
    assert clip.stat().st_mtime_ns != second

    # A missing clip makes the folder incomplete too.
    clip.unlink()
    make_disaster_demo(tmp_path, **small)
    assert clip.is_file()

    # Other parameters: written again, and clips of the old demo removed.
    bunch = make_disaster_demo(tmp_path, **{**small, "n_clips": 2})
    assert len(bunch.data) == 2 and not clip.exists()
    assert json.loads((tmp_path / "demo_params.json").read_text())["n_clips"] == 2


def test_refuses_foreign_manifest(tmp_path):
    (tmp_path / "manifest.csv").write_text("video,text,labels\nmine.mp4,x,A\n")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        make_disaster_demo(tmp_path, **{**SMALL, "n_clips": 2})
    assert (tmp_path / "manifest.csv").read_text().startswith("video,text,labels\nmine")


@pytest.mark.parametrize("bad", [dict(frame_size=(63, 48)), dict(n_clips=0),
                                 dict(separate_audio=1.5), dict(seconds=0.01)])
def test_bad_parameters(tmp_path, bad):
    with pytest.raises(ValueError):
        make_disaster_demo(tmp_path, **{**SMALL, **bad})
    assert not (tmp_path / "manifest.csv").exists()


# --------------------------------------------------------------------- labels


def test_label_distribution_like_table_1():
    Y = _demo._draw_labels(20000, np.random.default_rng(0))
    freq = Y.mean(axis=0)
    table = np.array([150, 338, 971, 273, 371, 311, 811]) / 1540
    np.testing.assert_allclose(freq, table, atol=0.03)
    order = np.argsort(-freq)
    names = [_demo.LABELS[j] for j in order]
    assert names[:2] == ["Flood/Storm", "Speak/Briefing/Interview"]
    assert names[-1] == "Demo"
    assert Y.sum(axis=1).min() == 1
    assert 2.0 < Y.sum(axis=1).mean() < 2.3  # Table I: 3,225 / 1,540 = 2.09
    # Correlated concepts (a copula, not independent coin flips).
    corr = np.corrcoef(Y.T)
    assert corr[_demo.FLOOD, _demo.DAMAGE] > 0.1
    assert corr[_demo.RELIEF, _demo.VICTIM] > 0.1
    assert corr[_demo.DEMO, _demo.FLOOD] < -0.05
    assert len({tuple(row) for row in Y}) > 40  # many label sets for the powerset


def test_cues_partial_per_modality():
    Y = _demo._draw_labels(5000, np.random.default_rng(1))
    cues = _demo._draw_cues(Y, np.random.default_rng(2))
    pos = Y == 1
    for modality, cue in cues.items():
        rate = (cue & pos).sum(axis=0) / pos.sum(axis=0)
        false = (cue & ~pos).sum(axis=0) / (~pos).sum(axis=0)
        assert (rate < 0.95).all(), modality  # no modality is perfect
        assert (false < 0.07).all(), modality
    # Text: every concept; audio: none for Human Relief, Damage, Victim.
    assert (cues["text"][pos].mean() > 0.8)
    audio_rate = (cues["audio"] & pos).sum(axis=0) / pos.sum(axis=0)
    assert (audio_rate[[_demo.RELIEF, _demo.DAMAGE, _demo.VICTIM]] == 0).all()
    assert (audio_rate[[_demo.DEMO, _demo.ER, _demo.FLOOD, _demo.SPEAK]] > 0.6).all()
    # Overall: text > visual > audio.
    hits = {m: c[pos].mean() for m, c in cues.items()}
    assert hits["text"] > hits["visual"] > hits["audio"]


# ----------------------------------------------------------- modality traces


def cue_row(*concepts):
    row = np.zeros(7, dtype=bool)
    row[list(concepts)] = True
    return row


def frames_for(concepts, n=12, seed=0):
    rng = np.random.default_rng(seed)
    return [_demo._make_frames(cue_row(*concepts), 8, 8, 80, 60, rng).astype(float)
            for _ in range(n)]


def sounds_for(concepts, n=12, seed=0):
    rng = np.random.default_rng(seed)
    return [_demo._make_audio(cue_row(*concepts), 2.0, SR, rng) for _ in range(n)]


def band_fraction(sound, low, high):
    power = np.abs(np.fft.rfft(sound)) ** 2
    freqs = np.fft.rfftfreq(sound.size, 1 / SR)
    return power[(freqs >= low) & (freqs < high)].sum() / power.sum()


# sha256 of the frames of demo clips (64 x 48, 6 frames at 8 fps) made by the
# generator before its painters were split into one function per concept
# (seeds 0 and 7: together these clips show all seven visual cues). The
# refactoring must not change a bit; NumPy's float kernels (sin, the
# generator's draws) are part of what these hashes pin.
FRAME_SHA256 = {
    (0, 1): "b227ea61ab9329c52ac60f0b2f699aaa49ae275addeee9afaf999520919b327a",
    (0, 31): "aefdbbd28808720cb327d0e036763513728f5f74bef1eb27507330c23f2c2721",
    (7, 14): "7e6f2fd9f820b5eafe0efcfd29d90f3254a3865efa3ecf452e2b1bb81985bd1e",
    (7, 6): "39146b68c6e5ce8e5ec7f98084c750188c930bbf17ff7e7fb7cc6d7e8bbb2159",
}


@pytest.mark.parametrize("seed, clip", sorted(FRAME_SHA256))
def test_frames_are_bit_identical_to_the_reference(seed, clip):
    import hashlib

    _, cues, _ = _demo._plan(40, seed, 0.15)
    rng = np.random.default_rng(_demo._seed_sequence(seed, "clip", clip))
    frames = _demo._make_frames(cues["visual"][clip], 6, 8, 64, 48, rng)
    assert hashlib.sha256(frames.tobytes()).hexdigest() == FRAME_SHA256[seed, clip]


def test_visual_flood_is_blue_water():
    def blueness(frames):  # blue minus red in the bottom quarter
        low = frames[:, -frames.shape[1] // 4:]
        return (low[..., 2] - low[..., 0]).mean()
    flood = [blueness(f) for f in frames_for([_demo.FLOOD], seed=1)]
    plain = [blueness(f) for f in frames_for([], seed=1)]
    assert min(flood) > max(plain) + 20


def test_visual_emergency_lights_flash():
    def top_flicker(frames):  # red-minus-blue of the top-left corner changes sign
        corner = frames[:, : frames.shape[1] // 6, : frames.shape[2] // 3]
        return (corner[..., 0] - corner[..., 2]).mean(axis=(1, 2)).std()
    lights = [top_flicker(f) for f in frames_for([_demo.ER], seed=2)]
    plain = [top_flicker(f) for f in frames_for([], seed=2)]
    assert min(lights) > 60 > 10 > max(plain)


def test_visual_damage_texture():
    def blockiness(frames):  # spatial roughness of the middle band
        gray = cv2.blur(frames[0].mean(axis=-1), (3, 3))  # blur away pixel noise
        mid = gray[frames.shape[1] // 3: frames.shape[1] // 2]
        return np.abs(np.diff(mid, axis=1)).mean()
    damage = [blockiness(f) for f in frames_for([_demo.DAMAGE], seed=3)]
    plain = [blockiness(f) for f in frames_for([], seed=3)]
    assert np.median(damage) > 1.5 * np.median(plain)


def test_audio_siren_band():
    siren = [band_fraction(s, 700, 1700) for s in sounds_for([_demo.ER], seed=4)]
    plain = [band_fraction(s, 700, 1700) for s in sounds_for([], seed=4)]
    assert min(siren) > 0.3 > 0.05 > max(plain)


def test_audio_rain_hiss():
    rain = [band_fraction(s, 1500, 9000) for s in sounds_for([_demo.FLOOD], seed=5)]
    plain = [band_fraction(s, 1500, 9000) for s in sounds_for([], seed=5)]
    assert min(rain) > 0.3 > 0.05 > max(plain)


def test_audio_speech_has_syllable_rhythm():
    def syllable_rhythm(sound):  # share of envelope modulation at 2-8 Hz
        hop = SR // 100
        env = np.sqrt((sound[: sound.size // hop * hop].reshape(-1, hop) ** 2).mean(axis=1))
        power = np.abs(np.fft.rfft(env - env.mean())) ** 2
        freqs = np.fft.rfftfreq(env.size, 0.01)
        return power[(freqs >= 2) & (freqs < 8)].sum() / power[freqs > 0.5].sum()
    speech = [syllable_rhythm(s) for s in sounds_for([_demo.SPEAK], seed=6)]
    plain = [syllable_rhythm(s) for s in sounds_for([], seed=6)]
    assert np.median(speech) > 2 * np.median(plain)
    voiced = [band_fraction(s, 100, 4000) for s in sounds_for([_demo.SPEAK], seed=6)]
    assert min(voiced) > 0.85


def test_text_mentions_concepts_with_synonyms():
    flood_words = {"flooded", "water", "floodwaters", "inundated", "surge", "floods",
                   "submerged", "rain"}
    Y = _demo._draw_labels(600, np.random.default_rng(7))
    cues = _demo._draw_cues(Y, np.random.default_rng(8))
    rng = np.random.default_rng(9)
    texts = [_demo._make_text(row, rng) for row in cues["text"]]
    words = [set(t.lower().replace(".", " ").replace(",", " ").split()) for t in texts]
    mentions = np.array([bool(w & flood_words) for w in words])
    flood = Y[:, _demo.FLOOD] == 1
    assert 0.7 < mentions[flood].mean() < 0.97  # often, not always
    assert mentions[~flood].mean() < 0.25  # "water" also comes with relief
    # Synonyms: several different flood words are used.
    used = set().union(*(w & flood_words for w in words))
    assert len(used) >= 6
    # Some descriptions are generic: no concept phrase at all.
    generic = ~cues["text"].any(axis=1)
    assert generic.any()
    assert all(len(texts[i].split(".")) <= 3 for i in np.flatnonzero(generic))
