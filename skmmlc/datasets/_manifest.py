"""Load a data set of clips described by a manifest CSV.

A manifest is a CSV file with one row per clip and (by default) the columns

========  ==============================================================
video     path of the video file (required in every row)
audio     path of a separate audio file; empty: use the video's sound track
          (the whole column may be left out)
text      the clip's description (may be empty)
labels    the clip's labels joined by ``sep``, e.g. ``Flood/Storm|Damage``
          (may be empty: a clip with none of the labels)
========  ==============================================================

Relative paths are resolved against the folder that holds the CSV, so a data
set folder can be moved or shared as a whole.
"""

from __future__ import annotations

import csv as _csv
import io
import os
import warnings
from pathlib import Path

import pandas as pd
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils import Bunch

from ..utils import URL_RE as _URL
from ..utils import check_text_encoding, link_problem

__all__ = ["load_manifest"]

_MAX_REPORTED = 5  # rows listed in one error message


def load_manifest(
    csv,
    *,
    video="video",
    audio="audio",
    text="text",
    labels="labels",
    sep="|",
    label_names=None,
    check_files=True,
    encoding=None,
    delimiter=",",
    confine=False,
    return_X_y=False,
):
    """Load clips, descriptions and labels listed in a manifest CSV.

    Parameters
    ----------
    csv : str or Path
        The manifest: a CSV file with a header row. Every cell is read as a
        string (no type guessing), empty cells as empty strings.
    video, audio, text, labels : str
        Names of the manifest's columns that hold the video path, the optional
        separate audio path, the description and the labels. The ``audio``
        column may be absent; the others are required, except ``labels`` when
        it is ``None`` (clips to predict: then ``target`` is None and the
        label names come from ``label_names``, if given).
    sep : str, default="|"
        Separator between the labels of one clip. Whitespace around each label
        is stripped, empty pieces and repeated labels are ignored, and so are
        the placeholders spreadsheets write for "nothing" (``N/A``, ``NA``,
        ``None``, ``null``, ``NaN``, ``-``, in any case): a cell holding
        only those means "no label". Labels that contain ``;``, ``,`` or
        ``|`` while ``sep`` is another separator give a warning (the
        manifest probably uses that one: pass it as ``sep``).
    label_names : list of str, optional
        The label set and its order (the columns of ``Y``). A label in the
        manifest that is not in ``label_names`` is an error; a name that no
        clip carries gives an all-zero column. By default the labels found in
        the manifest, sorted.
    check_files : bool, default=True
        Check that every video file and every separate audio file exists.
    confine : bool, default=False
        Refuse every video or audio path that lies outside the manifest's
        folder (and its subfolders): an absolute path elsewhere, ``../``, a
        ``~`` path, or a symbolic link that leads out. For manifests from
        others: a manifest is a list of paths that the extractors open and
        decode (see "Manifests from others" in the data guide); with
        ``confine=True`` they can only name files next to it. The error
        names every such row.
    encoding : str, optional
        Text encoding of the manifest. By default a byte-order mark decides
        (UTF-8, UTF-16 or UTF-32, as spreadsheet programs write them with
        "Unicode" export), and a file without one must be UTF-8; a file in
        another encoding (e.g. Latin-1 / cp1252) gives an error that says
        so; pass ``encoding="cp1252"`` (or the right one) then.
    delimiter : str, default=","
        The character between the cells of a row. Spreadsheet programs in
        locales that write decimal commas save "CSV" with ``";"``: pass
        ``delimiter=";"`` then (a manifest whose header is one column holding
        ``";"`` or a tab gives an error that says so). Every row must have as
        many cells as the header: a cell that holds the delimiter (a comma in
        a description) must be quoted (``"flooded, muddy street"``), which
        spreadsheet programs and :meth:`pandas.DataFrame.to_csv` do.
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : DataFrame of shape (n_samples, 3)
            Columns ``"video"``, ``"audio"``, ``"text"`` (always these names,
            whatever the manifest calls them), the input of
            :class:`~skmmlc.MultimodalDisasterPipeline`. Paths are absolute;
            ``audio`` is ``""`` where the video's own sound track is meant.
        target : ndarray of shape (n_samples, n_labels), int
            0/1 label indicator matrix.
        target_names : list of str
            Label names, the columns of ``target``.
        label_names : list of str
            The same list as ``target_names``.
        frame : DataFrame of shape (n_samples, 3 + n_labels)
            ``data`` with one 0/1 column per label.
        filename : str
            Absolute path of the manifest.
        DESCR : str
            A short description of the data set.

    (X, Y) : tuple
        With ``return_X_y=True``: ``data`` and ``target``.

    Raises
    ------
    FileNotFoundError
        If the manifest does not exist.
    IsADirectoryError
        If the path is a folder (pass the CSV file inside it).
    UnicodeDecodeError
        If the file is not in ``encoding`` (the message names the row and
        says what to pass).
    ValueError
        If ``encoding`` is not a text encoding Python knows, ``sep`` is empty
        or ``delimiter`` is not one character (before the file is read); if
        a row has more or fewer cells than the header (the message names
        its line), if two columns have the same name, if the header looks
        separated by another delimiter, if a required column is missing (the
        message lists the columns found), or some rows are bad: an empty
        video cell, a missing file (with ``check_files=True``), a label
        outside ``label_names``, or a clip listed twice. The message names
        each bad row and column. Rows are numbered from 0 in file order,
        header not counted, as ``X.index``.

    Notes
    -----
    Design decisions:

    - A row with an empty labels cell is kept, with an all-zero row in ``Y``:
      in multi-label data a clip may show none of the concepts.
    - An empty description is kept as ``""``; a warning is given only when
      every description is empty, which usually means the wrong column.
      :class:`~skmmlc.GloveFeatures` then raises a ``MediaError`` naming the
      row, unless it is told to accept empty texts as all-zero features
      (``on_empty="zeros"``, e.g. ``set_params(fusion__text__static__on_empty="zeros")``).
    - The same (video, audio) pair listed twice is an error: the clip would be
      counted twice, and could land in both the training and the test set.
    - The label order is ``label_names`` if given, else sorted, so that the
      same manifest always gives the same columns of ``Y``.
    - Labels are case- and space-sensitive ("Flood" and "flood" are two
      labels), but labels that differ only in case or spaces give a
      warning that lists them: usually they are typing variants of one.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from skmmlc.datasets import load_manifest
    >>> csv = Path(tempfile.mkdtemp()) / "manifest.csv"
    >>> pd.DataFrame({"video": ["a.mp4", "b.mp4"], "text": ["flooded street", ""],
    ...               "labels": ["Flood|Damage", "Speak"]}).to_csv(csv, index=False)
    >>> X, Y = load_manifest(csv, check_files=False, return_X_y=True)
    >>> X.columns.tolist()
    ['video', 'audio', 'text']
    >>> Y
    array([[1, 1, 0],
           [0, 0, 1]])
    """
    check_text_encoding(encoding)
    if not isinstance(sep, str) or not sep:
        raise ValueError(f"sep must be the non-empty string between the labels of a cell "
                         f"(e.g. '|'), got {sep!r}.")
    csv = Path(csv).expanduser().resolve()
    if csv.is_dir():
        raise IsADirectoryError(
            f"Manifest {csv} is a directory: pass the CSV file inside it "
            f"(found there: {sorted(p.name for p in csv.glob('*.csv'))[:5]})."
        )
    if not csv.is_file():
        raise FileNotFoundError(f"Manifest not found: {csv}")
    table = _read_csv(csv, encoding, delimiter)
    table = table.reset_index(drop=True)

    missing = [c for c in (video, text, labels) if c is not None and c not in table.columns]
    if missing:
        raise ValueError(
            f"{csv.name}: missing column(s) {missing}; the columns found are "
            f"{list(table.columns)}. Pass video=, text=, labels= to name yours."
        )
    videos = table[video].str.strip()
    audios = table[audio].str.strip() if audio in table.columns else pd.Series([""] * len(table))
    texts = table[text]

    videos, audios = _check_paths(csv, videos, audios, video, audio, check_files,
                                  confine)
    label_sets, label_names = _parse_labels(csv, table, labels, sep, label_names)
    _warn_near_duplicates(csv, label_names)
    _warn_other_separators(csv, label_names, sep, labels)
    if (texts.str.strip() == "").all():
        warnings.warn(
            f"{csv.name}: every description in column {text!r} is empty.",
            UserWarning,
            stacklevel=2,
        )

    X = pd.DataFrame({"video": videos, "audio": audios, "text": list(texts)})
    if labels is None:
        Y, frame = None, X.copy()
    else:
        Y = MultiLabelBinarizer(classes=label_names).fit_transform(label_sets).astype(int)
        frame = pd.concat([X, pd.DataFrame(Y, columns=label_names)], axis=1)
    if return_X_y:
        return X, Y
    return Bunch(
        data=X,
        target=Y,
        target_names=list(label_names),
        label_names=list(label_names),
        frame=frame,
        filename=str(csv),
        DESCR=_describe(csv, Y, label_names, audios),
    )


def _check_paths(csv, videos, audios, video, audio, check_files, confine=False):
    """Absolute video and audio paths; an error naming every bad row."""
    root = csv.parent
    problems = []
    for i, value in enumerate(videos):
        if value == "":
            problems.append(f"row {i}, column {video!r}: empty; every clip needs a video file")
    for column, cells in ((video, videos), (audio, audios)):
        for i, value in enumerate(cells):
            if _URL.match(value):
                problems.append(
                    f"row {i}, column {column!r}: {value!r} is a URL; skmmlc reads local "
                    "files only: download it first and put the local path in the manifest"
                )
    cells = {video: list(videos), audio: list(audios)}
    videos = [_resolve(v, root) for v in videos]  # URLs are kept as they are
    audios = [_resolve(a, root) for a in audios]
    outside = set()
    if confine:
        for column, paths in ((video, videos), (audio, audios)):
            for i, path in enumerate(paths):
                if path and not _URL.match(path) and not Path(path).is_relative_to(root):
                    outside.add((column, i))
                    problems.append(
                        f"row {i}, column {column!r}: {cells[column][i]!r} leads outside the "
                        f"manifest's folder {root} (to {path}), which confine=True refuses; "
                        "put the file in that folder and give its relative path"
                    )
    if check_files:
        for column, paths in ((video, videos), (audio, audios)):
            for i, path in enumerate(paths):
                if (column, i) in outside:
                    continue
                if path and not _URL.match(path) and not Path(path).is_file():
                    why = link_problem(path)
                    problems.append(f"row {i}, column {column!r}: " + (
                        f"{path} {why}" if why else f"file not found: {path}"))
    _raise_problems(csv, problems)

    seen = {}
    for i, key in enumerate(zip(videos, audios)):
        if key in seen:
            problems.append(
                f"row {i} repeats row {seen[key]} (same {video!r} and {audio!r}: {key[0]})"
            )
        seen.setdefault(key, i)
    _raise_problems(csv, problems, hint="Remove the repeated rows, e.g. with "
                    "DataFrame.drop_duplicates.")

    return videos, audios


def _parse_labels(csv, table, labels, sep, label_names):
    """Each row's labels and the label names (the columns of ``Y``)."""
    problems = []
    label_sets = (
        [[] for _ in range(len(table))] if labels is None
        else [_split_labels(cell, sep) for cell in table[labels]]
    )
    if labels is None:
        label_names = [] if label_names is None else [str(n) for n in label_names]
    elif label_names is None:
        label_names = sorted(set().union(*label_sets))
        if not label_names:
            raise ValueError(f"{csv.name}: column {labels!r} holds no labels at all.")
    else:
        label_names = [str(name) for name in label_names]
        if len(set(label_names)) != len(label_names):
            raise ValueError(f"label_names has repeated names: {label_names}")
        known = set(label_names)
        for i, found in enumerate(label_sets):
            for name in sorted(set(found) - known):
                problems.append(
                    f"row {i}, column {labels!r}: unknown label {name!r} "
                    f"(label_names: {label_names})"
                )
        _raise_problems(csv, problems)

    return label_sets, label_names


_BOMS = (  # longest first: UTF-32-LE's mark starts with UTF-16-LE's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _read_csv(csv, encoding, delimiter=","):
    """Read every cell as a string; the encoding from ``encoding`` or the BOM.

    The rows are checked first (:func:`_check_rows`): pandas would take a row
    with one cell too many as an index and shift the others silently.
    """
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ValueError(f"delimiter must be one character (not a quote or a line "
                         f"break), got {delimiter!r}.")
    raw = csv.read_bytes()
    if encoding is None:
        encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        content = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw[:start].count(b"\n") + 1
        raise UnicodeDecodeError(
            exc.encoding, raw, start, start + 1,
            f"{csv.name} is not valid {encoding} (byte {raw[start:start + 1]!r} "
            f"on line {line}, header included). Spreadsheet programs often write "
            "Latin-1/cp1252: pass encoding='cp1252' (or the file's encoding) to "
            "load_manifest, or save the file as 'CSV UTF-8'",
        ) from None
    _check_rows(csv, content, delimiter)
    return pd.read_csv(io.StringIO(content, newline=""), dtype=str, keep_default_na=False,
                       sep=delimiter, index_col=False)


def _check_rows(csv, content, delimiter):
    """Raise ``ValueError`` if the header is one column that holds another
    delimiter, names a column twice, or a row's cell count is not the header's."""
    reader = _csv.reader(io.StringIO(content.lstrip("\ufeff"), newline=""),
                         delimiter=delimiter)
    header = next(reader, [])
    others = [d for d in (";", "\t", ",", "|") if d != delimiter and len(header) == 1
              and d in header[0]]
    if others:
        shown = {"\t": "\\t"}.get(others[0], others[0])
        raise ValueError(
            f"{csv.name}: the header is one column, {header[0]!r}: the file seems to be "
            f"separated by {others[0]!r}, not {delimiter!r} (spreadsheet programs in "
            f"locales with decimal commas write ';'). Pass delimiter={others[0]!r} to "
            f"load_manifest (on the command line: --delimiter '{shown}')."
        )
    seen = {}
    for position, name in enumerate(header):
        if name.strip():
            seen.setdefault(name, []).append(position)
    repeated = {name: where for name, where in seen.items() if len(where) > 1}
    if repeated:
        listing = "; ".join(f"{name!r} (columns {', '.join(str(p + 1) for p in where)})"
                            for name, where in repeated.items())
        raise ValueError(
            f"{csv.name}: the header names a column more than once: {listing}. Rename "
            "or remove the repeated columns: which one is meant cannot be told."
        )
    problems = []
    line = reader.line_num
    row = 0
    for cells in reader:
        first, line = line + 1, reader.line_num
        if not cells:  # a blank line (pandas skips it too)
            continue
        if len(cells) != len(header):
            problems.append(
                f"line {first} (row {row}): {len(cells)} cells where the header has "
                f"{len(header)}"
            )
        row += 1
    if problems:
        _raise_problems(
            csv, problems, lines=True,
            hint=f"A cell that holds {delimiter!r} (e.g. a comma in a description) must "
            f'be quoted: "flooded, muddy street". Spreadsheet programs and '
            "DataFrame.to_csv quote them; a file written by hand may not.",
        )


def _warn_near_duplicates(csv, label_names):
    """Warn about labels that differ only in case or spaces ("Flood", "flood ")."""
    groups = {}
    for name in label_names:
        groups.setdefault(" ".join(name.split()).casefold(), []).append(name)
    near = [names for names in groups.values() if len(names) > 1]
    if near:
        listing = "; ".join(" / ".join(repr(n) for n in names) for names in near)
        warnings.warn(
            f"{csv.name}: labels that differ only in case or spaces are distinct "
            f"labels: {listing}. Fix their spelling in the manifest if each group "
            "means one label.",
            UserWarning,
            stacklevel=3,
        )


def _warn_other_separators(csv, label_names, sep, column):
    """Warn about labels that look like several labels joined by another separator."""
    for other in ("|", ";", ","):
        if other == sep:
            continue
        joined = [name for name in label_names if other in name]
        if joined:
            warnings.warn(
                f"{csv.name}: label(s) {joined[:5]} in column {column!r} contain "
                f"{other!r} but the labels are split at sep={sep!r}. If {other!r} "
                f"separates labels in this manifest, pass sep={other!r} to load_manifest "
                f"(on the command line: --sep {other!r}).",
                UserWarning,
                stacklevel=3,
            )


def _resolve(value, root):
    """Absolute path for a manifest cell, ``""`` for an empty one."""
    if value == "" or _URL.match(value):
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = root / path
    try:
        return str(path.resolve())
    except (RuntimeError, OSError):  # a symbolic link loop: check_files names it
        return os.path.abspath(path)


#: Cells (or pieces of a cell) that spreadsheets write for "nothing": no label.
_NO_LABEL = frozenset({"n/a", "na", "none", "null", "nan", "-"})


def _split_labels(cell, sep):
    """``"A| B|A|N/A"`` -> ``["A", "B"]`` (stripped, no empties or placeholders,
    no repeats, in order)."""
    names = (piece.strip() for piece in str(cell).split(sep))
    return list(dict.fromkeys(
        name for name in names if name and name.casefold() not in _NO_LABEL
    ))


def _raise_problems(csv, problems, hint="", lines=False):
    if not problems:
        return
    shown = "\n  ".join(problems[:_MAX_REPORTED])
    more = len(problems) - _MAX_REPORTED
    extra = f"\n  ... and {more} more" if more > 0 else ""
    numbering = ("lines numbered from 1, header included; rows from 0, header not "
                 "counted" if lines else "rows numbered from 0, header not counted")
    raise ValueError(
        f"{csv.name}: {len(problems)} problem(s) ({numbering}):\n  {shown}{extra}"
        + (f"\n{hint}" if hint else "")
    )


def _describe(csv, Y, label_names, audios):
    n_separate = sum(1 for a in audios if a)
    if Y is None:
        return (f"Clips listed in {csv}.\n{len(audios)} clips without labels; "
                f"{n_separate} clips with a separate audio file.")
    counts = ", ".join(f"{name}: {int(c)}" for name, c in zip(label_names, Y.sum(axis=0)))
    return (
        f"Clips listed in {csv}.\n"
        f"{Y.shape[0]} clips, {len(label_names)} labels, "
        f"{int(Y.sum())} label assignments (cardinality "
        f"{Y.sum() / max(len(Y), 1):.2f}); {n_separate} clips with a separate audio file.\n"
        f"Positives per label: {counts}."
    )
