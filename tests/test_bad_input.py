"""The bad-input matrix of docs/user_guide/bad_input.md: what a user sees.

Each test writes the real input (tiny media files, texts, label matrices),
runs the extractor that meets it (or, for X and labels, the smallest
pipeline) and checks what the user sees: a :class:`~skmmlc.MediaError` or
``ValueError`` whose message names the row, the file or column and the way
out, or the documented behaviour (features of the right shape, finite; a
warning naming the row). Bad inputs sit at row 1, after a good one, so that
"row 1" in a message is the row's own number.

Rows of the table tested elsewhere (not repeated here):

- video without an audio track, zero-length audio, NaN samples:
  tests/feature_extraction/test_soundnet.py (test_video_without_audio_track,
  test_zero_length_missing_and_corrupt_files,
  test_non_finite_samples_are_a_bad_input_of_their_row);
- a number instead of a text, ``on_empty="zeros"``:
  tests/feature_extraction/test_glove.py;
- X as a numpy array, X without a column, -1/+1 and lists of names in Y:
  tests/test_pipeline_input.py; other values in Y, joined label strings:
  tests/utils/test_targets.py;
- URLs in a path column, one-column and sparse Y, len(X) != len(Y), bad
  parameters, errors after train_test_split, ``modalities="text"``:
  tests/test_pipeline_input.py; manifest cases (cell counts, delimiters,
  repeated columns, symbolic links): tests/datasets/test_manifest.py; stale
  temporary cache files: tests/feature_extraction/test_cache.py;
- model files (target checked before training, atomic write, damaged file,
  the pickle warning), extract and fit sharing one cache, ``--delimiter``:
  tests/test_cli.py; URL removal equal to the old pattern:
  tests/feature_extraction/test_text_clean.py.
"""

import math
import time
import unicodedata
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import audio_pipeline, make_frames, make_sound

from skmmlc import GloveFeatures, MediaError, SoundNetFeatures, VisualInceptionFeatures
from skmmlc.datasets import write_audio, write_clip
from skmmlc.exceptions import SkippedRowsWarning
from skmmlc.feature_extraction._soundnet import MIN_SAMPLES

pytestmark = pytest.mark.usefixtures("keep_compiled_models")  # conftest.py


def visual(**params):
    kw = dict(n_frames=2, weights=None, image_size=75, batch_size=4, random_state=0)
    return VisualInceptionFeatures(**{**kw, **params})


def sound(**params):
    return SoundNetFeatures(**{**dict(n_steps=2, weights=None), **params})


EXTRACTORS = {"visual": visual, "sound": sound}


def extract(kind, paths, **params):
    est = EXTRACTORS[kind](**params)
    return est.fit([str(p) for p in paths]).transform([str(p) for p in paths])


class no_row_warnings(warnings.catch_warnings):
    """Fail on a warning about a row (what skmmlc warns for a damaged input)."""

    def __init__(self):
        super().__init__(record=True)

    def __enter__(self):
        self.log = super().__enter__()
        warnings.simplefilter("always")
        return self.log

    def __exit__(self, *exc):
        super().__exit__(*exc)
        rows = [str(w.message) for w in self.log if "row " in str(w.message)]
        assert not rows, rows


def corr(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


# -- media files ------------------------------------------------------------------
@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """Module-wide media: a good clip, a 10 s clip (to cut) and a good wav."""
    d = tmp_path_factory.mktemp("media")
    good = write_clip(d / "good.mp4", make_frames(12), fps=6, audio=make_sound(2.0))
    long_mp4 = write_clip(d / "long.mp4", make_frames(60, seed=1), fps=6,
                          audio=make_sound(10.0, seed=1))
    long_mkv = write_clip(d / "long.mkv", make_frames(60, seed=1), fps=6,
                          audio=make_sound(10.0, seed=1))
    wav = write_audio(d / "good.wav", make_sound(2.0, seed=2), 22050)
    return dict(dir=d, good=good, long_mp4=long_mp4, long_mkv=long_mkv, wav=wav)


def cut(src, dst, fraction):
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def write_m4a(path, seconds=1.0, rate=22050):
    """An audio-only mp4 (AAC): what a phone's voice recorder writes."""
    import av

    samples = make_sound(seconds, rate)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        for start in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + 1024], format="flt", layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("kind", ["visual", "sound"])
def test_missing_file(media, kind):
    missing = media["dir"] / "missing.mp4"
    with pytest.raises(MediaError, match=r"row 1: .*'[^']*missing\.mp4' does not exist\. "
                       r"Check the path .* or drop the row") as info:
        extract(kind, [media["good"], missing])
    assert info.value.row == 1 and info.value.source.endswith("missing.mp4")


@pytest.mark.parametrize("kind", ["visual", "sound"])
def test_symbolic_link_loop_and_broken_link(media, tmp_path, kind):
    (tmp_path / "a.mp4").symlink_to(tmp_path / "b.mp4")
    (tmp_path / "b.mp4").symlink_to(tmp_path / "a.mp4")
    (tmp_path / "broken.mp4").symlink_to(tmp_path / "gone.mp4")
    with pytest.raises(MediaError, match=r"row 1: .*'[^']*a\.mp4' is a symbolic link loop "
                       r"\(following its links leads back to one of them\)\. Fix the link"):
        extract(kind, [media["good"], tmp_path / "a.mp4"])
    with pytest.raises(MediaError, match=r"row 1: .*broken\.mp4' is a broken symbolic link "
                       r"\(it points to '[^']*gone\.mp4', which does not exist\)"):
        extract(kind, [media["good"], tmp_path / "broken.mp4"])


@pytest.mark.parametrize("kind", ["visual", "sound"])
def test_empty_file(media, kind):
    empty = media["dir"] / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match=r"row 1: .*empty\.mp4' is empty \(0 bytes\).*"
                       r"Re-create it or drop the row"):
        extract(kind, [media["good"], empty])


@pytest.mark.parametrize("fraction", [0.1, 0.5])
@pytest.mark.parametrize("kind", ["visual", "sound"])
def test_truncated_mp4(media, kind, fraction):
    """An mp4 whose end (its index) is missing cannot be decoded by anyone."""
    bad = cut(media["long_mp4"], media["dir"] / f"cut{fraction}.mp4", fraction)
    with pytest.raises(MediaError, match=rf"row 1: .*cut{fraction}\.mp4.*: the mp4/mov "
                       r"file is cut short \(\d+ bytes; .*\): an interrupted download or "
                       r"copy\. Copy or download it again.*drop the row"):
        extract(kind, [media["good"], bad])


@pytest.mark.parametrize("fraction", [0.1, 0.5])
def test_truncated_mkv_uses_what_decodes_and_warns(media, fraction):
    """A container that streams (mkv) opens cut short: both sides use what
    decodes and warn, naming the row."""
    bad = cut(media["long_mkv"], media["dir"] / f"cut{fraction}.mkv", fraction)
    paths = [media["good"], bad]
    with pytest.warns(UserWarning, match=rf"row 1: only \d+ of the 60 frames that "
                      rf".*cut{fraction}\.mkv' claims decode \(the file is truncated"):
        X = extract("visual", paths)
    assert np.isfinite(X).all() and X[1].any()
    with pytest.warns(UserWarning, match=rf"row 1: the sound of file .*cut{fraction}\.mkv"
                      r"' decodes only in part \(\d\.\d s of the 10\.\d s it claims"):
        A = extract("sound", paths)
    assert np.isfinite(A).all() and A[1].any()


def test_garbled_sound_track_of_an_mp4_decodes_the_rest(media):
    """Damaged audio packets in the middle: skipped, with a warning naming the
    row; the sound that decodes gives the features (not the whole sound lost)."""
    import av

    data = bytearray(media["long_mp4"].read_bytes())
    with av.open(str(media["long_mp4"])) as container:
        packets = [(p.pos, p.size) for p in container.demux(audio=0) if p.size]
    rng = np.random.default_rng(0)
    for pos, size in packets[100:104]:  # in the middle (about 4.7 s)
        data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    bad = media["dir"] / "garbled.mp4"
    bad.write_bytes(bytes(data))
    est = sound(n_steps=6)
    with pytest.warns(UserWarning, match=r"row 1: the sound of file .*garbled\.mp4' "
                      r"decodes only in part \(\d damaged packet\(s\) skipped"):
        X = extract("sound", [media["good"], bad], n_steps=6)
    clean = est.fit([str(media["long_mp4"])]).transform([str(media["long_mp4"])])
    assert np.isfinite(X).all()
    # the first step (4.1 s, before the damage at 4.6 s) is that of the intact file
    np.testing.assert_allclose(X[1, :1024], clean[0, :1024], rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("fraction", [0.1, 0.5])
def test_truncated_wav_warns(media, fraction):
    full = write_audio(media["dir"] / "four.wav", make_sound(4.0), 22050)
    bad = cut(full, media["dir"] / f"cut{fraction}.wav", fraction)
    with pytest.warns(UserWarning, match=rf"row 1: .*cut{fraction}\.wav' decodes only "
                      r"in part \(\d\.\d s of the 4\.0 s it claims decode\)"):
        X = extract("sound", [media["wav"], bad])
    assert np.isfinite(X).all() and X[1].any()


@pytest.mark.parametrize("kind", ["visual", "sound"])
def test_text_file_renamed_mp4(media, kind):
    notes = media["dir"] / "notes.mp4"
    notes.write_text("<html><body>404 Not Found</body></html>\n", encoding="utf-8")
    with pytest.raises(MediaError, match=r"row 1: .*notes\.mp4.*: it holds text, not "
                       r"media \(40 bytes of HTML: a web page, e\.g\. an error page saved in "
                       r"the file's place\)\. Replace it with the real media file.*drop the "
                       r"row") as error:
        extract(kind, [media["good"], notes])
    # the file's content is never quoted (a manifest may point at any file)
    assert "404" not in str(error.value) and "body" not in str(error.value)
    secret = media["dir"] / "secret.mp4"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    with pytest.raises(MediaError, match=r"17 bytes of plain text") as error:
        extract(kind, [media["good"], secret])
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize("name", ["voice.wav", "voice.m4a"])
def test_audio_only_file_as_video(media, name):
    path = media["dir"] / name
    if name.endswith(".wav"):
        write_audio(path, make_sound(1.0), 22050)
    else:
        write_m4a(path)
    with pytest.raises(MediaError, match=rf"row 1: .*{name}.*: it has an audio track "
                       r"but no video track \(an audio file\?\)\. Put audio files in the "
                       r"audio column"):
        extract("visual", [media["good"], path])
    # where it belongs, it is read
    assert np.isfinite(extract("sound", [media["good"], path])).all()


def test_directory(media, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"x")
    for kind in EXTRACTORS:
        with pytest.raises(MediaError, match=r"row 1: .*'[^']*clips' is a directory, not "
                           r"a file \(it holds 1 entry: 'a\.mp4'\)\. Give the path of the "
                           r"file itself"):
            extract(kind, [media["good"], folder])


@pytest.mark.parametrize("missing", [None, np.nan, "", "  "])
def test_empty_path_value(media, missing):
    with pytest.raises(MediaError, match=r"row 1: no video path \(empty value\)\. Fill "
                       r"it in or drop the row"):
        visual().fit([str(media["good"]), missing]).transform([str(media["good"]), missing])
    with pytest.raises(MediaError, match=r"row 1: no file path given"):
        sound().fit([str(media["good"]), missing]).transform([str(media["good"]), missing])


def test_number_instead_of_a_path(media):
    with pytest.raises(ValueError, match=r"row 1 holds int 5\. Select the column of "
                       r"video paths"):
        visual().fit([str(media["good"]), 5])


@pytest.mark.parametrize("short_clip", ["repeat", "pad"])
def test_one_frame_video(tmp_path, short_clip):
    one = write_clip(tmp_path / "one.mp4", make_frames(1), fps=6)
    X = visual(short_clip=short_clip).fit_transform([str(one)])
    assert X.shape == (1, 2 * 2048) and np.isfinite(X).all() and X[0, :2048].any()
    if short_clip == "repeat":  # every step is the one frame
        np.testing.assert_array_equal(X[0, :2048], X[0, 2048:])
    else:  # the frame once, then padding
        assert not X[0, 2048:].any()


def test_4000x3000_frames(tmp_path):
    """Large frames are resized by OpenCV, frame by frame: nothing special."""
    frame = np.zeros((3000, 4000, 3), np.uint8)
    frame[..., 0] = np.linspace(0, 255, 4000, dtype=np.uint8)[None, :]
    frame[..., 1] = np.linspace(0, 255, 3000, dtype=np.uint8)[:, None]
    big = write_clip(tmp_path / "big.mp4", np.stack([frame, frame[::-1]]), fps=2)
    X = visual().fit_transform([str(big)])
    assert X.shape == (1, 2 * 2048) and np.isfinite(X).all()
    assert not np.array_equal(X[0, :2048], X[0, 2048:])  # two distinct frames


@pytest.mark.numerics
@pytest.mark.parametrize("kind", ["visual", "sound"])
def test_non_ascii_and_spaces_in_paths(media, tmp_path, kind):
    folder = tmp_path / "vidéos d'été 洪水"
    folder.mkdir()
    odd = folder / "clip — ünïcødé 1.mp4"
    odd.write_bytes(media["good"].read_bytes())
    X = extract(kind, [media["good"], odd])
    # the same file, the same features: bit for bit, as each clip runs through
    # the network on its own (float32 kernels depend on the batch)
    np.testing.assert_array_equal(X[0], X[1])


# -- sound ---------------------------------------------------------------------------
def test_very_short_audio_is_padded_with_silence(tmp_path):
    clip = make_sound(0.1, seed=3)
    short = write_audio(tmp_path / "short.wav", clip, 22050)
    padded = write_audio(tmp_path / "padded.wav",
                         np.pad(clip, (0, MIN_SAMPLES - clip.size)), 22050)
    with no_row_warnings():  # not an error, and no warning either
        X = extract("sound", [short, padded])
    assert X.shape == (2, 2 * 1024) and np.isfinite(X).all() and X[0].any()
    np.testing.assert_allclose(X[0], X[1], rtol=1e-5, atol=1e-5)


def test_silent_audio_is_valid_input(tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(2 * 22050, np.float32), 22050, subtype="PCM_16")
    with no_row_warnings():
        X = extract("sound", [silent])
    # with weights=None (no bias) silence gives zeros; with sound8 it gives the
    # network's response to silence
    assert X.shape == (1, 2048) and np.isfinite(X).all()


@pytest.mark.parametrize(
    "variant", ["PCM_U8", "48 kHz", "stereo", "mp3", "ogg", "flac", "float"]
)
def test_audio_formats_give_the_features_of_the_same_sound(tmp_path, variant):
    """8-bit, 48 kHz, stereo, mp3, ogg...: decoded, mixed to mono and resampled
    to 22,050 Hz; the features are those of the same sound as a 16-bit wav."""
    rate = 48000 if variant == "48 kHz" else 22050
    wave = make_sound(3.0, rate, seed=4)
    ref = tmp_path / "ref.wav"
    sf.write(ref, make_sound(3.0, 22050, seed=4), 22050, subtype="PCM_16")
    path = tmp_path / {"mp3": "a.mp3", "ogg": "a.ogg", "flac": "a.flac"}.get(variant, "a.wav")
    if variant == "stereo":
        sf.write(path, np.stack([wave, wave], axis=1), rate, subtype="PCM_16")
    else:
        subtype = {"PCM_U8": "PCM_U8", "float": "FLOAT", "48 kHz": "PCM_16"}.get(variant)
        sf.write(path, wave, rate, subtype=subtype)
    with no_row_warnings():
        X = extract("sound", [ref, path])
    assert X.shape == (2, 2048) and np.isfinite(X).all()
    assert corr(X[0], X[1]) > 0.9


# -- text --------------------------------------------------------------------------
VOCAB = {"flood": [1, 0, 0, 0], "rain": [0, 1, 0, 0], "houston": [0, 0, 1, 0],
         "the": [0, 0, 0, 1]}


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    path = tmp_path_factory.mktemp("vectors") / "tiny.txt"
    path.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in VOCAB.items()),
                    encoding="utf-8")
    return str(path)


def glove_rows(vectors, texts, **params):
    return GloveFeatures(vectors=vectors, max_tokens=3, **params).fit(texts).transform(texts)


FIX = r"Fill in the description or drop the row, or accept an all-zero row .*on_empty='zeros'"


@pytest.mark.parametrize("empty", ["", "   ", None, np.nan, pd.NA])
def test_empty_or_missing_text(vectors, empty):
    with pytest.raises(MediaError, match=r"row 1: the text .* gives no word vector: the "
                       r"text is missing\. " + FIX):
        glove_rows(vectors, ["flood", empty])
    X = glove_rows(vectors, ["flood", empty], on_empty="zeros")
    assert not X[1].any()


def test_only_stop_words(vectors):
    with pytest.raises(MediaError, match=r"row 1: the text 'The and of it' gives no word "
                       r"vector: nothing is left after removing .* stop words\. " + FIX):
        glove_rows(vectors, ["flood", "The and of it"])


@pytest.mark.parametrize("text, why", [
    ("🌊🌧️🔥 !!!", r"nothing is left after removing punctuation, symbols \(emoji\)"),
    ("洪水 наводнение فيضان", r"none of its 3 tokens \('洪水', 'наводнение', 'فيضان'\) "
                              r"is in the word vectors' vocabulary \(another language\?\)"),
])
def test_emoji_and_non_latin_scripts(vectors, text, why):
    with pytest.raises(MediaError, match=r"row 1: the text .* gives no word vector: " + why):
        glove_rows(vectors, ["flood", text])
    # mixed with known words: those words give the features
    X = glove_rows(vectors, [f"{text} flood {text} rain"])
    np.testing.assert_array_equal(X[0], VOCAB["flood"] + VOCAB["rain"] + [0, 0, 0, 0])


def test_one_megabyte_of_text(vectors):
    text = ("Rain over Houston, flood warnings everywhere. " * 30000)[:1_000_000]
    X = glove_rows(vectors, [text])
    np.testing.assert_array_equal(X[0], VOCAB["rain"] + VOCAB["houston"] + VOCAB["flood"])
    # an error quotes the text shortened, not the whole megabyte
    with pytest.raises(MediaError) as info:
        glove_rows(vectors, ["é " * 500_000])
    assert len(str(info.value)) < 1000


# a run of one of these units, 1 MB without a space (or with one every few
# characters): the kinds of text that made a backtracking URL pattern take
# minutes ("a@" * 2000: 29 s; every other unit grew with the square)
ADVERSARIAL = ["a@", "@.a", "a.", "a/", "a:", "a://", "www.", "a@a.", "é@",
               "x:a@b.c,http://x ", ",www.x "]


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_adversarial_text_tokenises_in_linear_time(unit):
    analyze = GloveFeatures().build_analyzer()
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    start = time.process_time()  # CPU time: other processes do not count
    analyze(text)
    seconds = time.process_time() - start
    # linear: ~0.1-0.8 s per MB on a 2-core VM; the quadratic pattern took
    # minutes on 10 KB
    assert seconds < 2.0, f"{unit!r} * 1 MB took {seconds:.1f} s"


def test_adversarial_text_gives_features(vectors):
    X = glove_rows(vectors, ["flood@rain." * 20_000, "flood@" * 50_000])
    np.testing.assert_array_equal(X[0], VOCAB["rain"] + [0] * 8)  # "flood@rain" is kept
    np.testing.assert_array_equal(X[1], VOCAB["flood"] * 3)


@pytest.mark.parametrize("variant", ["NFD", "NFKC", "soft hyphen", "zero width",
                                     "full width"])
def test_unicode_forms_and_invisible_characters_give_the_same_features(vectors, variant):
    text = "Flood in Houston, rain"
    changed = {
        "NFD": unicodedata.normalize("NFD", text),
        "NFKC": unicodedata.normalize("NFKC", text),
        "soft hyphen": "Flo\u00adod in Hous\u00adton, rain",
        "zero width": "Fl\u200bood in Hou\u200cston\u200d, \ufeffrain\u2060",
        "full width": "Ｆｌｏｏｄ in Ｈｏｕｓｔｏｎ, rain",
    }[variant]
    X = glove_rows(vectors, [text, changed])
    np.testing.assert_array_equal(X[0], X[1])
    np.testing.assert_array_equal(X[0], VOCAB["flood"] + VOCAB["houston"] + VOCAB["rain"])


def test_hashtag_glued_to_cjk_keeps_the_english_word(vectors):
    X = glove_rows(vectors, ["#flood洪水 #大雨rain"])
    np.testing.assert_array_equal(X[0], VOCAB["flood"] + VOCAB["rain"] + [0] * 4)


def test_bytes(vectors):
    X = glove_rows(vectors, [b"flood rain", "flood rain"])
    np.testing.assert_array_equal(X[0], X[1])  # UTF-8 bytes are read as text
    with pytest.raises(MediaError, match=r"row 1: the text is bytes that are not UTF-8 "
                       r"\(byte 0xe9 at position 3 of b'caf\\xe9 flood'\)\. Decode the column "
                       r"with its real encoding first"):
        glove_rows(vectors, ["flood", "café flood".encode("cp1252")])


# -- X and labels: the smallest pipeline -----------------------------------------------
@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("wavs")
    paths = [str(write_audio(d / f"s{i}.wav", make_sound(1.6, seed=i), 22050))
             for i in range(8)]
    Y = np.array([[i % 2, (i // 2) % 2] for i in range(8)])
    return pd.DataFrame({"video": paths}), Y


@pytest.fixture(scope="module")
def fitted(clips):
    X, Y = clips
    return audio_pipeline().fit(X, Y)


def test_extra_and_reordered_columns_are_ignored(clips, fitted):
    X, Y = clips
    extra = X.assign(notes="x", id=range(len(X)))[["id", "notes", "video"]]
    np.testing.assert_array_equal(fitted.predict(extra), fitted.predict(X))
    model = audio_pipeline().fit(extra, Y)
    np.testing.assert_array_equal(model.predict(X), fitted.predict(X))


def test_renamed_column_is_read_through_the_parameter(clips, fitted):
    X, Y = clips
    renamed = X.rename(columns={"video": "clip"})
    with pytest.raises(ValueError, match=r"X lacks the column\(s\) \['video'\]"):
        audio_pipeline().fit(renamed, Y)  # the message: tests/test_pipeline_input.py
    model = audio_pipeline(video="clip").fit(renamed, Y)
    np.testing.assert_array_equal(model.predict(renamed), fitted.predict(X))


def test_empty_frame(clips, fitted):
    X, Y = clips
    with pytest.raises(ValueError, match=r"X has 0 rows: at least one input is required"):
        audio_pipeline().fit(X.iloc[:0], Y[:0])
    with pytest.raises(ValueError, match=r"X has 0 rows: at least one input is required"):
        fitted.predict(X.iloc[:0])


def test_one_row(clips, fitted, monkeypatch):
    from skmmlc import SoundNetFeatures

    X, Y = clips
    with monkeypatch.context() as patch:  # said before any extraction
        patch.setattr(SoundNetFeatures, "_extract", lambda *a, **k: pytest.fail("extracted"))
        with pytest.raises(ValueError, match=r"Fitting needs at least 2 clips \(X has 1\)"):
            audio_pipeline().fit(X.iloc[:1], Y[:1])
    assert fitted.predict(X.iloc[[3]]).shape == (1, 2)  # predicting one row is fine


def test_duplicate_rows_keep_the_number_of_rows(clips, fitted):
    X, Y = clips
    doubled = pd.concat([X, X.iloc[[0, 5, 0]]], ignore_index=True)
    P = fitted.predict(doubled)
    assert P.shape == (len(X) + 3, 2)
    np.testing.assert_array_equal(P[[8, 9, 10]], P[[0, 5, 0]])
    assert audio_pipeline().fit(doubled, np.vstack([Y, Y[[0, 5, 0]]])).predict(X).shape == (8, 2)


def test_labels_never_and_always_positive(clips):
    X, Y = clips
    Y3 = np.column_stack([Y[:, 0], np.zeros(8, int), np.ones(8, int)])
    P = audio_pipeline().fit(X, Y3).predict(X)
    assert P.shape == (8, 3)
    assert not P[:, 1].any() and P[:, 2].all()  # learnt as never / always


def test_empty_label_rows_and_unseen_label_sets(clips):
    """All-zero rows are a label set like any other; a label set never seen
    in training (here both labels at once) is never predicted."""
    X, Y = clips
    Y2 = Y.copy()
    Y2[Y2.sum(axis=1) == 2] = 0  # no clip has both labels; three have none
    model = audio_pipeline().fit(X, Y2)
    P = model.predict(X)
    seen = {tuple(row) for row in Y2}
    assert P.shape == (8, 2) and {tuple(row) for row in P} <= seen
    assert math.isfinite(model.score(X, Y2))


# -- sound tracks of 8+ channels, huge samples, variable frame rate ----------------
def write_multichannel(path, codec="aac", layout="7.1", seconds=1.0, rate=22050):
    """A sound track of ``layout`` (7.1: 8 channels) in mp4 or mkv (by suffix);
    channel c is a tone of 220 + 55 c Hz. Returns the (channels, samples)
    signal as the file holds it (int16 for PCM)."""
    import av

    n = len(av.AudioLayout(layout).channels)
    t = np.arange(int(seconds * rate)) / rate
    sig = np.stack([0.3 * np.sin(2 * np.pi * (220 + 55 * c) * t) for c in range(n)])
    pcm = codec.startswith("pcm_s16")
    sig = (sig * 32767).astype(np.int16) if pcm else sig.astype(np.float32)
    fmt = "mp4" if str(path).endswith(".mp4") else "matroska"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = layout
        for start in range(0, sig.shape[1], 1024):
            # packed (one plane): PyAV cannot build planar frames of 8+ planes
            block = np.ascontiguousarray(sig[:, start : start + 1024].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(
                block, format="s16" if pcm else "flt", layout=layout
            )
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return sig


@pytest.mark.parametrize("name,codec", [("aac71.mp4", "aac"), ("pcm8.mkv", "pcm_s16le"),
                                        ("aac71.mkv", "aac")])
def test_sound_track_of_eight_channels_decodes(media, tmp_path, name, codec):
    """7.1 AAC or 8-channel PCM used to kill the process (SIGSEGV in PyAV's
    to_ndarray on 8+ planes): decoded in a child process first, so that a
    regression fails this test instead of killing pytest."""
    import subprocess
    import sys

    path = tmp_path / name
    sig = write_multichannel(path, codec)
    code = (
        "import sys, numpy as np\n"
        "from skmmlc.feature_extraction._soundnet import load_audio\n"
        "a = load_audio(sys.argv[1], 22050)\n"
        "print(a.size, bool(np.isfinite(a).all()))\n"
    )
    child = subprocess.run([sys.executable, "-c", code, str(path)],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])
    size, finite = child.stdout.split()
    assert abs(int(size) - 22050) <= 1024 and finite == "True"
    # the channels are averaged, as for any other number of channels
    with no_row_warnings():
        X = extract("sound", [media["wav"], path])
    assert X.shape == (2, 2 * 1024) and np.isfinite(X).all() and X[1].any()
    if codec.startswith("pcm"):
        wav = tmp_path / "pcm8.wav"  # the same samples, read by soundfile
        sf.write(wav, sig.T, 22050, subtype="PCM_16")
        from skmmlc.feature_extraction._soundnet import load_audio

        np.testing.assert_allclose(load_audio(path, 22050), load_audio(wav, 22050),
                                   atol=1e-7)


def test_huge_finite_samples_are_an_error_and_never_cached(media, tmp_path):
    """Samples of 1e37 are finite but overflow float32 once scaled to
    SoundNet's range (x 256): they gave NaN features, which were cached."""
    t = np.arange(22050) / 22050
    huge = tmp_path / "huge.wav"
    sf.write(huge, (1e37 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050,
             subtype="FLOAT")
    paths = [media["wav"], huge]
    with pytest.raises(MediaError, match=r"row 1: .*huge\.wav.* too large for float32 "
                       r".*peak 1e\+37.*on_error='zeros'") as info:
        extract("sound", paths)
    assert info.value.row == 1
    cache = tmp_path / "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no numpy overflow warning
        with pytest.warns(SkippedRowsWarning, match="1 of 2 rows"):
            X = extract("sound", paths, on_error="zeros", cache=cache)
    assert np.isfinite(X).all() and X[0].any() and not X[1].any()
    assert len(list(cache.rglob("*.npz"))) == 1  # only the good row


def test_non_finite_features_are_never_kept_nor_cached(media, tmp_path, monkeypatch):
    """Whatever makes a network's output NaN or inf (an input that overflows
    inside it), the row is an error of its own, and nothing is cached."""
    real = SoundNetFeatures._forward

    def overflowing(self, runner, decoded):
        out = real(self, runner, decoded)
        out[-1, 0, 0] = np.nan
        return out

    monkeypatch.setattr(SoundNetFeatures, "_forward", overflowing)
    cache = tmp_path / "cache"
    with pytest.raises(MediaError, match=r"row 0: SoundNetFeatures computed 1 "
                       r"non-finite features .*good\.wav.* not kept nor cached"):
        extract("sound", [media["wav"]], cache=cache)
    assert not list(cache.rglob("*.npz"))
    with pytest.warns(SkippedRowsWarning, match="1 of 1 rows"):
        X = extract("sound", [media["wav"]], cache=cache, on_error="zeros")
    assert not X.any() and not list(cache.rglob("*.npz"))


def test_samples_far_outside_one_warn_of_integer_pcm_read_as_float(media, tmp_path):
    pcm_as_float = tmp_path / "int_as_float.wav"
    sf.write(pcm_as_float, 32767 * make_sound(2.0, seed=2), 22050, subtype="FLOAT")
    with pytest.warns(UserWarning, match=r"row 1: .*int_as_float\.wav.* peaks at "
                      r"\d\.\d+e\+04, far outside \[-1, 1\]: integer PCM"):
        X = extract("sound", [media["wav"], pcm_as_float])
    assert np.isfinite(X).all() and X[1].any()
    loud = tmp_path / "loud.wav"  # a little over full scale: no warning
    sf.write(loud, 1.5 * make_sound(2.0, seed=2), 22050, subtype="FLOAT")
    with no_row_warnings():
        extract("sound", [media["wav"], loud])


def write_vfr(path, times, size=(64, 96)):
    """A video whose frame i (grey level 4 + 2 i) is shown at ``times[i]`` s:
    a variable frame rate, as screen recorders and phones write."""
    import av

    base = Fraction(1, 1000)
    with av.open(str(path), "w", format="mp4" if str(path).endswith(".mp4")
                 else "matroska") as container:
        stream = container.add_stream("libx264", rate=30, options={"tune": "zerolatency"})
        stream.width, stream.height, stream.pix_fmt = size[1], size[0], "yuv420p"
        stream.time_base = stream.codec_context.time_base = base
        for i, t in enumerate(times):
            image = np.full((*size, 3), 4 + 2 * i, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(
                format="yuv420p")
            frame.pts, frame.time_base = round(t * 1000), base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_variable_frame_rate_video_is_sampled_over_its_duration(tmp_path, suffix):
    """10 frames over 9 s, then 90 frames over 3 s: the frames are sampled at
    evenly spaced times over the 12 s (the paper samples over the clip's
    duration), not by index (which took every step from the last 3 s); no
    "truncated" warning (an mkv's frame count is estimated at 30 fps)."""
    from skmmlc.feature_extraction._visual import _read_frames

    times = [0.9 * i for i in range(10)] + [9 + i / 30 for i in range(90)]
    path = write_vfr(tmp_path / f"vfr{suffix}", times)
    with no_row_warnings():
        frames, index, n_decoded = _read_frames(path, 8, 75, row=1)
    assert n_decoded == 100
    ids = (frames.reshape(len(frames), -1).mean(axis=1) - 4) / 2
    centres = (np.arange(8) + 0.5) * 12 / 8  # 0.75 s, 2.25 s, ... 11.25 s
    shown = np.searchsorted(times, centres + 1e-9, side="right") - 1
    np.testing.assert_allclose(ids[index], shown, atol=1)  # H.264 rounds the greys
    assert (ids[index] < 10).sum() == 6  # 6 of the 8 steps in the first 9 s
    with no_row_warnings():
        X = extract("visual", [path, path], n_frames=8)
    assert np.isfinite(X).all() and X[0].any()


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_sound_track_longer_than_the_video_gives_no_warning(tmp_path, suffix):
    """2 s of video and 6 s of sound: the container's duration is the sound's;
    the video is not "truncated or damaged" (an mkv's frame count is that
    duration times the frame rate: 36, where 12 frames decode)."""
    path = write_clip(tmp_path / f"longsound{suffix}", make_frames(12), fps=6,
                      audio=make_sound(6.0))
    with no_row_warnings():
        V = extract("visual", [path, path])
        A = extract("sound", [path, path], n_steps=4)
    assert np.isfinite(V).all() and V[1].any() and np.isfinite(A).all() and A[1].any()
