"""Tests of load_manifest (skmmlc/datasets/_manifest.py)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from skmmlc.datasets import load_manifest


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "clips").mkdir()
    for name in ["a.mp4", "b.mp4", "c.mp4"]:
        (tmp_path / "clips" / name).write_bytes(b"x")
    (tmp_path / "b.wav").write_bytes(b"x")
    return tmp_path


def write(folder, rows, name="manifest.csv"):
    path = folder / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD = [
    {"video": "clips/a.mp4", "audio": "", "text": "Flooded street", "labels": "Flood|Damage"},
    {"video": "clips/b.mp4", "audio": "b.wav", "text": "", "labels": " Speak | Flood |"},
    {"video": "clips/c.mp4", "audio": "", "text": "nothing here", "labels": ""},
]


def test_good_manifest(folder):
    bunch = load_manifest(write(folder, GOOD))
    assert list(bunch.data.columns) == ["video", "audio", "text"]
    assert bunch.data["video"][0] == str((folder / "clips" / "a.mp4").resolve())
    assert bunch.data["audio"][1] == str((folder / "b.wav").resolve())
    assert bunch.data["audio"][0] == "" and bunch.data["text"][1] == ""
    assert bunch.target_names == ["Damage", "Flood", "Speak"]  # sorted
    np.testing.assert_array_equal(bunch.target, [[1, 1, 0], [0, 1, 1], [0, 0, 0]])
    assert bunch.target.dtype.kind == "i"
    assert list(bunch.frame.columns) == ["video", "audio", "text", "Damage", "Flood", "Speak"]
    assert "3 clips" in bunch.DESCR
    X, Y = load_manifest(folder / "manifest.csv", return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)


def test_label_names_order_and_custom_columns(folder):
    rows = [{"clip": r["video"], "desc": r["text"], "tags": r["labels"].replace("|", ";")}
            for r in GOOD]
    csv = write(folder, rows)
    X, Y = load_manifest(csv, video="clip", text="desc", labels="tags", sep=";",
                         label_names=["Speak", "Flood", "Damage", "Demo"], return_X_y=True)
    assert list(X.columns) == ["video", "audio", "text"]
    assert (X["audio"] == "").all()  # no audio column: the video's own track
    np.testing.assert_array_equal(Y, [[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]])


def test_missing_column_lists_found(folder):
    csv = write(folder, [{k: v for k, v in r.items() if k != "labels"} for r in GOOD])
    found = r"missing column\(s\) \['labels'\].*'video', 'audio', 'text'"
    with pytest.raises(ValueError, match=found):
        load_manifest(csv)


def test_missing_video_file_names_row(folder):
    rows = [dict(r) for r in GOOD]
    rows[2]["video"] = "clips/gone.mp4"
    csv = write(folder, rows)
    with pytest.raises(ValueError, match=r"row 2, column 'video': file not found: .*gone\.mp4"):
        load_manifest(csv)
    assert len(load_manifest(csv, check_files=False).data) == 3


def test_symbolic_link_loop_is_named(folder):
    (folder / "clips" / "x.mp4").symlink_to(folder / "clips" / "y.mp4")
    (folder / "clips" / "y.mp4").symlink_to(folder / "clips" / "x.mp4")
    rows = [dict(r) for r in GOOD]
    rows[1]["video"] = "clips/x.mp4"
    csv = write(folder, rows)
    with pytest.raises(ValueError, match=r"row 1, column 'video': .*x\.mp4 is a symbolic "
                       r"link loop"):
        load_manifest(csv)


def test_missing_audio_file_and_empty_video(folder):
    rows = [dict(r) for r in GOOD]
    rows[0]["audio"] = "nope.wav"
    rows[1]["video"] = ""
    with pytest.raises(ValueError, match=r"2 problem\(s\)") as info:
        load_manifest(write(folder, rows))
    message = str(info.value)
    assert "row 1, column 'video': empty" in message
    assert "row 0, column 'audio': file not found" in message


def test_unknown_label_names_row(folder):
    with pytest.raises(ValueError, match=r"row 1, column 'labels': unknown label 'Speak'"):
        load_manifest(write(folder, GOOD), label_names=["Flood", "Damage"])


def test_duplicated_clip(folder):
    rows = [dict(r) for r in GOOD] + [dict(GOOD[0], text="again")]
    with pytest.raises(ValueError, match=r"row 3 repeats row 0"):
        load_manifest(write(folder, rows))
    # Same video with another separate audio file is another clip.
    rows[3]["audio"] = "b.wav"
    assert len(load_manifest(write(folder, rows)).data) == 4


def test_no_labels_at_all(folder):
    rows = [dict(r, labels="") for r in GOOD]
    with pytest.raises(ValueError, match="holds no labels"):
        load_manifest(write(folder, rows))
    # With label_names, an unlabelled data set is fine (all-zero Y).
    _, Y = load_manifest(folder / "manifest.csv", label_names=["Flood"], return_X_y=True)
    assert Y.shape == (3, 1) and Y.sum() == 0


def test_all_text_empty_warns(folder):
    rows = [dict(r, text="") for r in GOOD]
    with pytest.warns(UserWarning, match="every description"):
        load_manifest(write(folder, rows))


def test_text_kept_as_string(folder):
    rows = [dict(r) for r in GOOD]
    rows[0]["text"] = "123"
    X, _ = load_manifest(write(folder, rows), return_X_y=True)
    assert X["text"][0] == "123" and X["text"][1] == ""


def test_absolute_paths_and_missing_manifest(folder):
    rows = [dict(r, video=str(folder / r["video"]), audio="") for r in GOOD]
    sub = folder / "elsewhere"
    sub.mkdir()
    X, _ = load_manifest(write(sub, rows), return_X_y=True)
    assert X["video"][0] == str((folder / "clips" / "a.mp4").resolve())
    with pytest.raises(FileNotFoundError, match="Manifest not found"):
        load_manifest(folder / "nope.csv")


def test_confine_refuses_paths_that_lead_outside_the_manifests_folder(folder):
    inner = folder / "inner"
    (inner / "clips").mkdir(parents=True)
    (inner / "clips" / "ok.mp4").write_bytes(b"x")
    (inner / "clips" / "link.mp4").symlink_to(folder / "clips" / "c.mp4")  # leads out
    rows = [
        {"video": "clips/ok.mp4", "audio": "", "text": "t", "labels": "Flood"},
        {"video": "../clips/a.mp4", "audio": "", "text": "t", "labels": "Flood"},
        {"video": str(folder / "clips" / "b.mp4"), "audio": "", "text": "t", "labels": "Flood"},
        {"video": "clips/ok.mp4", "audio": "../b.wav", "text": "t", "labels": "Flood"},
        {"video": "clips/link.mp4", "audio": "", "text": "t", "labels": "Flood"},
    ]
    csv = write(inner, rows)
    assert len(load_manifest(csv).data) == 5  # by default a path may lead anywhere
    with pytest.raises(ValueError) as error:
        load_manifest(csv, confine=True)
    message = str(error.value)
    for row, column, cell in [(1, "video", "'../clips/a.mp4'"),
                              (2, "video", repr(str(folder / "clips" / "b.mp4"))),
                              (3, "audio", "'../b.wav'"), (4, "video", "'clips/link.mp4'")]:
        assert (f"row {row}, column {column!r}: {cell} leads outside the manifest's folder "
                f"{inner.resolve()}") in message
    assert "row 0" not in message and "confine=True refuses" in message
    # inside the folder, confined manifests load as any other
    assert len(load_manifest(write(inner, rows[:1], "ok.csv"), confine=True).data) == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_reads_unicode_exports_with_a_bom(tmp_path, encoding):
    csv = tmp_path / "m.csv"
    csv.write_text("video,text,labels\na.mp4,café inondé,Flood\n", encoding=encoding)
    data = load_manifest(csv, check_files=False)
    assert data.data.text.tolist() == ["café inondé"]
    assert data.target_names == ["Flood"]


@pytest.mark.parametrize("check_files", [True, False])
def test_a_row_with_an_unquoted_comma_is_named_by_its_line(folder, check_files):
    csv = folder / "m.csv"
    csv.write_text(
        "video,text,labels\n"
        "clips/a.mp4,flooded street,Flood\n"
        "clips/b.mp4,flooded, muddy street,Flood|Damage\n"  # one cell too many
        '"clips/c.mp4","quoted, so fine",Speak\n'
        "\n"  # a blank line is skipped
        "clips/c.mp4,too few\n"
    )
    with pytest.raises(ValueError, match=r"2 problem\(s\) \(lines numbered from 1, header "
                       r"included; rows from 0.*\n  line 3 \(row 1\): 4 cells where the header "
                       r"has 3\n  line 6 \(row 3\): 2 cells where the header has 3\n.*must be "
                       r"quoted"):
        load_manifest(csv, check_files=check_files)


def test_a_quoted_line_break_in_a_cell_keeps_the_line_numbers(folder):
    csv = folder / "m.csv"
    csv.write_text('video,text,labels\nclips/a.mp4,"two\nlines",Flood\nclips/b.mp4,x\n')
    with pytest.raises(ValueError, match=r"line 4 \(row 1\): 2 cells"):
        load_manifest(csv)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_another_delimiter_gets_a_hint_and_is_read_when_given(folder, encoding, delimiter):
    csv = folder / "m.csv"
    csv.write_text(delimiter.join(["video", "text", "labels"]) + "\n"
                   + delimiter.join(["clips/a.mp4", "flooded, muddy street", "Flood"]) + "\n",
                   encoding=encoding)
    option = {"\t": "'\\t'"}.get(delimiter, repr(delimiter))  # as typed in a shell
    with pytest.raises(ValueError, match=r"the header is one column, .*: the file seems to "
                       rf"be separated by {re.escape(repr(delimiter))}, not ','.*"
                       rf"delimiter={re.escape(repr(delimiter))}.*"
                       rf"--delimiter {re.escape(option)}"):
        load_manifest(csv)
    data = load_manifest(csv, delimiter=delimiter)
    assert data.data.text.tolist() == ["flooded, muddy street"]
    assert data.target_names == ["Flood"]


def test_repeated_column_names_are_an_error(folder):
    csv = folder / "m.csv"
    csv.write_text("video,text,labels,text\nclips/a.mp4,flood,Flood,other\n")
    with pytest.raises(ValueError, match=r"the header names a column more than once: "
                       r"'text' \(columns 2, 4\)"):
        load_manifest(csv)


def test_latin1_manifest_names_the_encoding_and_the_fix(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_bytes("video,text,labels\na.mp4,caf\xe9,Flood\n".encode("latin-1"))
    with pytest.raises(UnicodeDecodeError, match=r"m\.csv is not valid utf-8.*line 2.*cp1252"):
        load_manifest(csv, check_files=False)
    data = load_manifest(csv, check_files=False, encoding="cp1252")
    assert data.data.text.tolist() == ["café"]


@pytest.mark.parametrize("option, message", [
    (dict(encoding="utf-9"), "encoding 'utf-9' is not a text encoding Python knows"),
    (dict(encoding="base64"), "encoding 'base64' is not a text encoding"),
    (dict(sep=""), "sep must be the non-empty string"),
])
def test_unknown_encoding_and_empty_sep_are_value_errors(tmp_path, option, message):
    csv = tmp_path / "m.csv"
    csv.write_text("video,text,labels\na.mp4,flood,Flood\n")
    with pytest.raises(ValueError, match=re.escape(message)):  # was LookupError, or late
        load_manifest(csv, check_files=False, **option)


def test_directory_is_named_as_such(tmp_path):
    (tmp_path / "clips.csv").write_text("video,text,labels\n")
    with pytest.raises(IsADirectoryError, match=r"is a directory.*clips\.csv"):
        load_manifest(tmp_path)


def test_near_duplicate_labels_warn(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("video,text,labels\na.mp4,x,Flood\nb.mp4,y,flood \nc.mp4,z,FLOOD|Fire\n")
    with pytest.warns(UserWarning, match="'FLOOD' / 'Flood' / 'flood'"):
        data = load_manifest(csv, check_files=False)
    assert data.target_names == ["FLOOD", "Fire", "Flood", "flood"]


def test_manifest_without_labels_for_prediction(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("video,text\na.mp4,flooded street\n")
    data = load_manifest(csv, labels=None, check_files=False, label_names=["Flood"])
    assert data.target is None and data.target_names == ["Flood"]
    assert data.data.video.tolist() == [str(tmp_path / "a.mp4")]
    X, Y = load_manifest(csv, labels=None, check_files=False, return_X_y=True)
    assert Y is None and len(X) == 1


def test_placeholder_cells_mean_no_label(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("video,text,labels\na.mp4,x,Flood\nb.mp4,y,N/A\nc.mp4,z,none\n"
                   "d.mp4,w,NA|Fire\ne.mp4,v,-\n")
    data = load_manifest(csv, check_files=False)
    assert data.target_names == ["Fire", "Flood"]
    np.testing.assert_array_equal(data.target, [[0, 1], [0, 0], [0, 0], [1, 0], [0, 0]])


@pytest.mark.parametrize("joined", ["Flood;Damage", "Flood, Damage"])
def test_labels_joined_by_another_separator_warn(tmp_path, joined):
    csv = tmp_path / "m.csv"
    csv.write_text(f'video,text,labels\na.mp4,x,"{joined}"\nb.mp4,y,Fire\n')
    other = ";" if ";" in joined else ","
    with pytest.warns(UserWarning, match=rf"contain '{other}' but the labels are split at "
                                         rf"sep='\|'.*pass sep='{other}'"):
        load_manifest(csv, check_files=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_manifest(csv, check_files=False, sep=other)
    assert "Flood" in data.target_names and "Damage" in data.target_names


def test_url_cells_are_named(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("video,text,labels\nhttps://example.org/a.mp4,x,Flood\n")
    with pytest.raises(ValueError, match=r"row 0, column 'video': 'https://example.org/a.mp4' "
                                         "is a URL; skmmlc reads local files only"):
        load_manifest(csv, check_files=False)
