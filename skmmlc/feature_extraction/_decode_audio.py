"""Audio decoding: a file's sound (an audio file or a video's sound track) to mono.

:func:`load_audio` reads audio files (wav, flac, ogg, mp3...) with soundfile
and anything else, the sound track of video containers included, with PyAV
(FFmpeg's libraries, no system ffmpeg); channels are averaged and the sound
resampled with soxr. What is wrong with a file (missing, empty, corrupt, no
audio track, decoded only in part, samples out of range) is said as a
:class:`~skmmlc.exceptions.MediaError` or a warning naming the row.
:class:`~skmmlc.feature_extraction.SoundNetFeatures` uses it.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..exceptions import MediaError
from ._probe import check_media_file, diagnose

__all__ = ["load_audio"]

#: Files read with soundfile (libsndfile) first; FFmpeg reads the rest.
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
    path, sample_rate=22050, max_seconds=None, *, row=None, what="file"
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
    sample_rate : int, default=22050
        The rate of the returned samples (22,050 Hz: SoundNet's).
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
