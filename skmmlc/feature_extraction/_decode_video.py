"""Video decoding: frames sampled from a clip, as RGB images of one size.

:func:`_read_frames` opens a clip with OpenCV, picks ``n_frames`` frames spread
evenly over it (by index, or by time where the container's frame count is not
to be trusted), decodes only those and resizes them (area interpolation when
shrinking, bilinear when enlarging). Unreadable clips raise a
:class:`~skmmlc.exceptions.MediaError` naming the row and what is wrong;
clips decoded only in part warn. Runs in the reader thread of
:class:`~skmmlc.feature_extraction.VisualInceptionFeatures`; importing this
module imports neither OpenCV nor PyAV.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from ..exceptions import MediaError
from ._probe import diagnose

__all__ = []


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
