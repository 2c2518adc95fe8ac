"""Write real media files: mp4 (H.264 video + AAC sound) and audio files.

Used by the demo data set generator and by the tests. PyAV ships FFmpeg's
libraries, so no system ffmpeg is needed.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from ..utils import atomic_write

__all__ = ["write_clip", "write_audio"]


def write_clip(path, frames, *, fps=10, audio=None, sample_rate=22050, codec="libx264"):
    """Write an mp4 (or other container) with a video track and optional sound.

    Parameters
    ----------
    path : str or Path
        Output file; the container follows the suffix (``.mp4``, ``.mkv``...).
    frames : array-like of shape (n_frames, height, width, 3), uint8, RGB
        Height and width must be even (H.264 with yuv420p).
    fps : int
        Frame rate.
    audio : array-like of shape (n_samples,), float in [-1, 1], optional
        Mono sound track, encoded as AAC. ``None`` writes a clip without sound.
    sample_rate : int
        Sample rate of ``audio``.
    codec : str
        Video codec (``"libx264"``, ``"mpeg4"``...).

    Returns
    -------
    path : Path
    """
    import av

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (n, height, width, 3), got {frames.shape}.")
    frames = np.ascontiguousarray(frames.astype(np.uint8, copy=False))
    path = Path(path)
    with atomic_write(path) as fh:
        with av.open(fh, mode="w", format=_format_for(path)) as container:
            # libx264's default (B-frames, lookahead) gave other bytes and other
            # decoded pixels from one encoding of the same frames to the next,
            # even with one thread (measured with PyAV 18), so the demo clips and
            # their features changed from run to run; "zerolatency" (no B-frames,
            # no lookahead) is reproducible
            options = {"tune": "zerolatency"} if codec == "libx264" else {}
            vstream = container.add_stream(codec, rate=int(fps), options=options)
            vstream.width = frames.shape[2]
            vstream.height = frames.shape[1]
            vstream.pix_fmt = "yuv420p"
            astream = None
            if audio is not None:
                astream = container.add_stream("aac", rate=int(sample_rate))
                astream.layout = "mono"
            for index, frame in enumerate(frames):
                # Convert to yuv420p and number the frames here: with encode()'s
                # implicit conversion and no pts, the same frames gave different
                # bytes (and decoded pixels) from run to run.
                vf = av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(
                    format="yuv420p")
                vf.pts = index
                vf.time_base = Fraction(1, int(fps))
                for packet in vstream.encode(vf):
                    container.mux(packet)
            for packet in vstream.encode():
                container.mux(packet)
            if astream is not None:
                samples = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
                chunk = 1024
                pts = 0
                for start in range(0, len(samples), chunk):
                    block = samples[start : start + chunk][None, :]
                    af = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
                    af.sample_rate = int(sample_rate)
                    af.pts = pts
                    pts += block.shape[1]
                    for packet in astream.encode(af):
                        container.mux(packet)
                for packet in astream.encode():
                    container.mux(packet)
    return path


def _format_for(path):
    suffix = path.suffix.lower().lstrip(".")
    return {"mkv": "matroska", "m4v": "mp4", "mov": "mov"}.get(suffix, suffix or "mp4")


def write_audio(path, audio, sample_rate=22050):
    """Write a mono audio file (wav/flac/ogg, by suffix) with soundfile, atomically."""
    import soundfile as sf

    path = Path(path)
    with atomic_write(path) as fh:
        sf.write(fh, np.asarray(audio, dtype=np.float32), int(sample_rate),
                 format=path.suffix.lstrip(".").upper() or "WAV")
    return path
