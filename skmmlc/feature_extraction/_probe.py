"""Why a media file cannot be read: a short diagnosis for error messages.

Decoders (OpenCV, FFmpeg) say "could not open" or "Invalid data found when
processing input" whatever the cause. When a file fails, the extractors look
at it once more, cheaply, to tell the user what it is:

- a text file (an HTML error page saved as ``.mp4``, a renamed note);
- an mp4/mov cut short (an interrupted download or copy): its boxes run past
  the end of the file, or its index (the ``moov`` box) is missing;
- an audio-only file given as a video.

Only failing files are probed, so this costs nothing on good inputs.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from ..exceptions import MediaError
from ._base import check_file

__all__ = ["check_media_file", "diagnose"]

#: ISO base media (mp4, mov, m4a, 3gp) files start with a box of one of these
_ISO_FIRST_BOXES = {b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide"}


def check_media_file(path, row, what):
    """:func:`check_file`, with a clearer message for a directory."""
    p = Path(os.fspath(path))
    if p.is_dir():
        try:
            entries = sorted(e.name for e in os.scandir(p))
        except OSError:
            entries = []
        shown = ", ".join(repr(e) for e in entries[:3])
        n = len(entries)
        inside = (
            f" (it holds {n} entr{'y' if n == 1 else 'ies'}: {shown}"
            f"{', ...' if n > 3 else ''})" if entries else " (it is empty)"
        )
        raise MediaError(
            f"row {row}: {what} {str(p)!r} is a directory, not a file{inside}. "
            "Give the path of the file itself, or drop the row.",
            row=row,
            source=str(p),
        )
    return check_file(path, row, what)


def _looks_like_text(head):
    if not head or b"\0" in head:
        return False
    for cut in range(4):  # a multi-byte character may be cut at the end
        try:
            text = head[: len(head) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * len(text)


def _iso_boxes(path, size):
    """Top-level box types of an mp4/mov and whether one runs past the end."""
    types = []
    with open(path, "rb") as fh:
        pos = 0
        while pos < size and len(types) < 10000:
            fh.seek(pos)
            header = fh.read(16)
            if len(header) < 8:
                return types, True
            box_size, kind = struct.unpack(">I4s", header[:8])
            if box_size == 1:  # 64-bit size follows
                if len(header) < 16:
                    return types, True
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:  # runs to the end of the file
                box_size = size - pos
            if box_size < 8:
                return types, True  # not a box: garbled
            types.append(kind)
            if pos + box_size > size:
                return types, True
            pos += box_size
    return types, False


def _text_kind(head):
    """What kind of text a file holds, from its first bytes, in words."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:512]:
        return "HTML: a web page, e.g. an error page saved in the file's place"
    if start.startswith(b"<?xml") or start.startswith(b"<"):
        return "XML or HTML markup"
    if start.startswith((b"{", b"[")):
        return "JSON or similar: e.g. an API's error response"
    return "plain text"


def diagnose(path):
    """``(kind, reason, fix)`` for a file a decoder could not read.

    ``kind`` is ``"text"``, ``"truncated"``, ``"audio-only"`` or None (nothing
    more to say: ``reason`` and ``fix`` are None too); ``reason`` and ``fix``
    are sentence fragments for an error message ("it holds text, not media
    ...", "Copy or download it again").
    """
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None, None, None
    if _looks_like_text(head):
        # what kind of text, never the text itself: a manifest may point at
        # any file, and error messages end up in logs
        return "text", (
            f"it holds text, not media ({size} bytes of {_text_kind(head)})"
        ), "Replace it with the real media file"
    if head[4:8] in _ISO_FIRST_BOXES:
        try:
            types, cut = _iso_boxes(path, size)
        except OSError:
            types, cut = [], False
        if cut or b"moov" not in types:
            return "truncated", (
                f"the mp4/mov file is cut short ({size} bytes; "
                + ("its last box runs past the end of the file"
                   if cut else "it has no index, the 'moov' box")
                + "): an interrupted download or copy"
            ), "Copy or download it again"
    try:
        import av

        with av.open(path) as container:
            if container.streams.audio and not container.streams.video:
                return "audio-only", (
                    "it has an audio track but no video track (an audio file?)"
                ), (
                    "Put audio files in the audio column (SoundNetFeatures reads "
                    "them; make_disaster_pipeline(audio=...))"
                )
    except Exception:  # what FFmpeg cannot open either: no more to say
        pass
    return None, None, None
