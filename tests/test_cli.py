"""The command line end to end, tiny settings."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from skmmlc._cli import main
from skmmlc.datasets import make_disaster_demo

TINY = [
    "--n-frames", "2",
    "--image-size", "75",
    "--audio-steps", "1",
    "--max-tokens", "6",
    "--visual-weights", "none",
    "--audio-weights", "none",
    "--temporal", '{"units": 2, "dense_units": 4, "epochs": 2, "early_stopping": false}',
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--output", str(out), "--n-clips", "24", *TINY]) == 0
    return out


def test_demo_writes_results(demo_run, capsys):
    results = json.loads((demo_run / "results.json").read_text())
    assert len(results["table2"]) == 13  # the paper's ten rows, then three beyond it
    assert [row["approach"] for row in results["table2"][10:]] == [
        "Proposed + attention", "End-to-end", "End-to-end + attention"]
    assert all("macro_f1" in row for row in results["table2"])
    assert len(results["per_label_f1"]) == 13
    assert "| Macro F1 |" in (demo_run / "table2.md").read_text()
    assert results["settings"]["n_frames"] == 2
    # JSON values, not Python reprs
    assert results["settings"]["visual_weights"] is None
    assert results["settings"]["temporal_params"]["units"] == 2
    # random weights are said plainly and recorded with the results
    assert "Inception-V3" in results["settings"]["note"]
    table = pd.read_csv(demo_run / "table2.csv")
    assert table["micro_f1"].between(0, 1).all()
    assert (demo_run / "figure2.png").read_bytes()[:4] == b"\x89PNG"
    # the temporal models' features are kept for the next run (run_table2's memory)
    assert any((demo_run / "table2-cache").rglob("output.pkl"))
    # what each per-concept F1 rests on, and the data set the run is titled by
    assert results["settings"]["dataset"] == "skmmlc demo data"
    test_rows = results["settings"]["split_sizes"][2]
    assert set(results["test_positives"]) == set(results["settings"]["labels"])
    assert all(0 <= n <= test_rows for n in results["test_positives"].values())
    per_concept = pd.read_csv(demo_run / "per_concept_f1.csv", index_col=0)
    assert per_concept.shape == (7, 7)
    # the attention pictures of the end-to-end + attention row, beside figure2.png
    for m in ("visual", "audio", "text"):
        assert (demo_run / f"attention_{m}.png").read_bytes()[:4] == b"\x89PNG"
    # every file written (data, media, cache, results) gets the mode a plain open() gives
    probe = demo_run / "probe.txt"
    probe.write_text("x")
    plain = stat.S_IMODE(probe.stat().st_mode)
    probe.unlink()
    written = [p for p in demo_run.rglob("*") if p.is_file()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {plain}
    assert {p.suffix for p in written} >= {".csv", ".json", ".png", ".npz", ".mp4"}
    # the demo data and features are cached: a second run reuses them
    cached = sorted((demo_run / "feature-cache").rglob("*.npz"))
    assert len(cached) >= 24 * 2


def test_table2_command_on_a_manifest(tmp_path, capsys):
    demo = make_disaster_demo(tmp_path / "data", n_clips=20, seed=1)
    out = tmp_path / "results"
    assert main(["table2", str(demo.filename), "--output", str(out), *TINY]) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "Proposed framework" in printed
    assert "RANDOM Inception-V3" not in printed  # weights=None was asked for, not a fallback
    assert len(pd.read_csv(out / "table2.csv")) == 13
    # 4 test clips: the concepts with fewer than 10 test positives, in one line
    warning = [line for line in captured.err.splitlines() if line.startswith("skmmlc: warning:")]
    assert len(warning) == 1 and "fewer than 10 positives" in warning[0]
    results = json.loads((out / "results.json").read_text())
    assert results["settings"]["dataset"] == Path(demo.filename).name
    assert all(f"{name} ({n})" in warning[0] for name, n in results["test_positives"].items()
               if n < 10)


def test_bad_manifest_gives_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("video,text,labels\nmissing.mp4,a flood,Flood\n")
    assert main(["table2", str(bad), "--output", str(tmp_path / "o"), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skmmlc: error: bad.csv: 1 problem(s)") and "row 0" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    with pytest.raises(ValueError, match="row 0"):  # --debug: the exception itself
        main(["--debug", "table2", str(bad), "--output", str(tmp_path / "o"), *TINY])


@pytest.mark.parametrize("argv, message", [
    (["demo", "--n-frames", "0"], "--n-frames: expected a positive integer"),
    (["demo", "--temporal", "{units: 2}"], "--temporal: not valid JSON"),
    (["demo", "--visual-weights", "nothere.h5"], "nothere.h5 does not exist"),
    (["table2", "."], "is a directory"),
])
def test_options_are_validated_before_any_work(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_fit_predict_evaluate_extract(tmp_path, capsys):
    demo = make_disaster_demo(tmp_path / "data", n_clips=24, seed=2)
    model, cache = tmp_path / "m.joblib", tmp_path / "cache"
    assert main(["extract", str(demo.filename), "--cache", str(cache), *TINY]) == 0
    features = cache / "skmmlc-features"
    extracted = sorted(p.relative_to(cache) for p in cache.rglob("*.npz"))
    assert len(extracted) == 24 * 3 and all(p.parts[0] == features.name for p in extracted)
    assert main(["fit", str(demo.filename), "--model", str(model), "--cache", str(cache),
                 *TINY]) == 0
    # fit read the extracted features and extracted nothing again
    assert sorted(p.relative_to(cache) for p in features.rglob("*.npz")) == extracted
    assert len(list(cache.rglob("*.npz"))) == 24 * 3
    out = tmp_path / "pred.csv"
    assert main(["predict", str(model), str(demo.filename), "--output", str(out)]) == 0
    pred = pd.read_csv(out, keep_default_na=False)
    names = sorted(demo.target_names)  # the manifest's label order
    assert len(pred) == 24
    assert [c for c in pred.columns if c.startswith("score:")] == [f"score:{n}" for n in names]
    for labels, (_, row) in zip(pred["labels"], pred.iterrows()):
        positive = {n for n in names if row[f"score:{n}"] > 0}
        assert set(filter(None, labels.split("|"))) == positive
    capsys.readouterr()
    assert main(["evaluate", str(model), str(demo.filename)]) == 0
    printed = capsys.readouterr().out
    assert "micro-F1" in printed and "Hamming loss" in printed
    assert all(name in printed for name in demo.target_names)


def _no_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the manifest was read: the target must be checked first")

    monkeypatch.setattr("skmmlc._cli._common._load", fail)


@pytest.mark.parametrize("case", ["directory", "parent is a file", "read-only file",
                                  "read-only folder"])
def test_fit_checks_the_model_target_before_training(tmp_path, monkeypatch, capsys, case):
    manifest = tmp_path / "m.csv"
    manifest.write_text("video,text,labels\na.mp4,flood,Flood\n")
    (tmp_path / "file").write_text("x")
    target, message = {
        "directory": (tmp_path, "is a directory: give the model file's path"),
        "parent is a file": (tmp_path / "file" / "m.joblib", "file is a file, not a folder"),
        "read-only file": (tmp_path / "ro.joblib", "is read-only"),
        "read-only folder": (tmp_path / "ro" / "m.joblib", "cannot write a file in"),
    }[case]
    if case == "read-only folder":
        target.parent.mkdir()
        target.parent.chmod(0o555)
        if os.access(target.parent, os.W_OK):
            pytest.skip("root may write in a read-only folder")
    if case == "read-only file":
        target.write_bytes(b"old model")
        target.chmod(0o444)
        if os.access(target, os.W_OK):
            pytest.skip("root may write a read-only file")
    _no_training(monkeypatch)
    assert main(["fit", str(manifest), "--model", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skmmlc: error: --model ") and message in err, err
    assert err.count("\n") == 1


class _TinyModel:
    def fit(self, X, Y):
        return self


def test_fit_writes_the_model_atomically(tmp_path, monkeypatch, capsys):
    import joblib

    demo = make_disaster_demo(tmp_path / "data", n_clips=4, seed=3)
    model = tmp_path / "models" / "m.joblib"
    model.parent.mkdir()
    model.write_bytes(b"the previous model")
    monkeypatch.setattr("skmmlc.pipeline.make_disaster_pipeline", lambda **kw: _TinyModel())

    def full_disk(obj, fh):
        fh.write(b"half a model")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(joblib, "dump", full_disk)
    assert main(["fit", str(demo.filename), "--model", str(model), *TINY]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert model.read_bytes() == b"the previous model"  # untouched
    assert [p.name for p in model.parent.iterdir()] == ["m.joblib"]  # no temporary file
    monkeypatch.undo()
    monkeypatch.setattr("skmmlc.pipeline.make_disaster_pipeline", lambda **kw: _TinyModel())
    assert main(["fit", str(demo.filename), "--model", str(model), *TINY]) == 0
    assert isinstance(joblib.load(model)["model"], _TinyModel)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
@pytest.mark.parametrize("damage", ["truncated", "empty", "not a pickle"])
def test_a_damaged_model_file_is_named(tmp_path, capsys, command, damage):
    import joblib

    demo = make_disaster_demo(tmp_path / "data", n_clips=4, seed=3)
    model = tmp_path / "m.joblib"
    joblib.dump({"model": list(range(10_000)), "label_names": ["a"]}, model)
    data = model.read_bytes()
    model.write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                       "not a pickle": b"video,text\n"}[damage])
    assert main([command, str(model), str(demo.filename)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"skmmlc: error: model file {model} could not be read (")
    assert "truncated or damaged" in err and "Fit the model again" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_model_files_are_said_to_be_pickles_in_the_help(capsys):
    for command in ("predict", "evaluate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "a pickle: loading it can run code" in text
        assert "Loading one can execute arbitrary code" in text
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "is unpickled (NumPy allow_pickle): loading it can run code" in text


def test_features_of_the_earlier_extract_layout_are_moved_where_fit_reads(tmp_path):
    from skmmlc._cli._extract import _feature_cache

    cache = tmp_path / "cache"
    for key in ("ab12", "ab34", "cd56"):  # as extract wrote them before: cache/ab/ab12.npz
        (cache / key[:2]).mkdir(parents=True, exist_ok=True)
        (cache / key[:2] / f"{key}.npz").write_bytes(key.encode())
    (cache / "skmmlc-features" / "ab").mkdir(parents=True)
    (cache / "skmmlc-features" / "ab" / "ab78.npz").write_bytes(b"ab78")
    (cache / "failures.csv").write_text("modality,row,file,reason\n")
    features = _feature_cache(cache)
    assert features == cache / "skmmlc-features"
    moved = {p.relative_to(features).as_posix(): p.read_bytes() for p in features.rglob("*")
             if p.is_file()}
    assert moved == {"ab/ab12.npz": b"ab12", "ab/ab34.npz": b"ab34", "cd/cd56.npz": b"cd56",
                     "ab/ab78.npz": b"ab78"}
    assert sorted(p.name for p in cache.iterdir()) == ["failures.csv", "skmmlc-features"]


def _earlier_layout(cache, n_prefixes=2):
    """An old-layout cache (C/ab/<key>.npz); half its prefixes also in C/skmmlc-features."""
    expected = {}
    for i in range(n_prefixes):
        prefix = f"{i:02x}"
        for j in range(3):
            key = f"{prefix}{j}"
            (cache / prefix).mkdir(parents=True, exist_ok=True)
            (cache / prefix / f"{key}.npz").write_bytes(key.encode())
            expected[f"{prefix}/{key}.npz"] = key.encode()
        if i % 2 == 0:  # fit already wrote entries of this prefix: a merge
            (cache / "skmmlc-features" / prefix).mkdir(parents=True, exist_ok=True)
            (cache / "skmmlc-features" / prefix / f"{prefix}new.npz").write_bytes(b"new")
            expected[f"{prefix}/{prefix}new.npz"] = b"new"
    return expected


def _assert_moved(cache, expected):
    features = cache / "skmmlc-features"
    found = {p.relative_to(features).as_posix(): p.read_bytes() for p in features.rglob("*")
             if p.is_file()}
    assert found == expected
    assert [p.name for p in cache.iterdir()] == ["skmmlc-features"]


def _count_moves(monkeypatch, at=None, between=None):
    """Count os.rename/os.replace calls; run ``between()`` just before call number ``at``."""
    calls = []
    for name in ("rename", "replace"):
        real = getattr(os, name)

        def move(src, dst, *args, _real=real, **kwargs):
            calls.append(src)
            if len(calls) - 1 == at:
                between()
            return _real(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, name, move)
    return calls


def test_migrating_the_earlier_layout_is_safe_when_another_process_moves_first(
        tmp_path, monkeypatch, capsys):
    """Another process migrates the same cache between any check and any move of
    this one (every interleaving of a whole migration into this one's moves)."""
    from skmmlc._cli._extract import _feature_cache

    probe = tmp_path / "probe"
    expected = _earlier_layout(probe)
    with monkeypatch.context() as m:
        calls = _count_moves(m)
        _feature_cache(probe)
    _assert_moved(probe, expected)
    n_moves = len(calls)
    assert n_moves >= 4
    for at in range(n_moves):
        cache = tmp_path / f"race{at}"
        expected = _earlier_layout(cache)
        other = []

        def other_process(m, cache=cache, other=other):
            m.undo()  # the other process' moves are not interrupted
            other.append(_feature_cache(cache))

        with monkeypatch.context() as m:
            _count_moves(m, at=at, between=lambda m=m, f=other_process: f(m))
            assert _feature_cache(cache) == cache / "skmmlc-features"
        assert other, at
        _assert_moved(cache, expected)


def test_migrating_the_earlier_layout_from_several_threads_at_once(tmp_path, capsys):
    import threading

    from skmmlc._cli._extract import _feature_cache

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for round_ in range(5):
            cache = tmp_path / f"r{round_}"
            expected = _earlier_layout(cache, n_prefixes=40)
            barrier, errors = threading.Barrier(4), []

            def migrate(cache=cache, barrier=barrier, errors=errors):
                barrier.wait()
                try:
                    _feature_cache(cache)
                except Exception as exc:  # noqa: BLE001 - collected, then asserted
                    errors.append(exc)

            threads = [threading.Thread(target=migrate) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            _assert_moved(cache, expected)
    finally:
        sys.setswitchinterval(switch)


def test_extract_into_a_cache_that_fills_up_reports_what_is_missing(tmp_path, monkeypatch,
                                                                   capsys):
    import contextlib
    import errno

    import skmmlc._cli._common as cli
    import skmmlc.feature_extraction._cache as cache_module

    demo = make_disaster_demo(tmp_path / "data", n_clips=4, seed=5)
    cache = tmp_path / "cache"
    real_extractors, real_write = cli._extractors, cache_module.atomic_write

    def audio_and_text(*args, **kwargs):  # the visual network adds time, not coverage
        return {k: v for k, v in real_extractors(*args, **kwargs).items() if k != "visual"}

    writes = []

    @contextlib.contextmanager
    def fills_up(path, *args, **kwargs):
        writes.append(path)
        if len(writes) > 3:  # three entries fit
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        with real_write(path, *args, **kwargs) as fh:
            yield fh

    monkeypatch.setattr(cli, "_extractors", audio_and_text)
    monkeypatch.setattr(cache_module, "atomic_write", fills_up)
    argv = ["extract", str(demo.filename), "--cache", str(cache), *TINY]
    with pytest.warns(UserWarning, match="No space left on device"):
        assert main(argv) == 1
    err = capsys.readouterr().err
    assert "skmmlc: error: 5 feature set(s) were computed but not written to the cache" in err
    assert "No space left on device" in err and "failures.csv" in err
    failures = pd.read_csv(cache / "failures.csv")
    assert sorted(zip(failures.modality, failures.row)) == [
        ("audio", 3), ("text", 0), ("text", 1), ("text", 2), ("text", 3)]
    assert failures.reason.str.contains(
        "not written to the feature cache \\(No space left on device\\)").all()
    # the audio row names its file (the video's sound track: no audio column)
    assert failures.file[failures.modality == "audio"].tolist() == [demo.data.video[3]]
    monkeypatch.setattr(cache_module, "atomic_write", real_write)  # room again
    assert main(argv) == 0
    assert not (cache / "failures.csv").exists()
    assert len(list((cache / "skmmlc-features").rglob("*.npz"))) == 8


@pytest.mark.parametrize("delimiter, typed", [(";", ";"), ("\t", "\\t")])
def test_delimiter_option(tmp_path, capsys, delimiter, typed):
    from skmmlc._cli import _build_parser
    from skmmlc._cli._common import _load

    (tmp_path / "a.mp4").write_bytes(b"x")
    csv = tmp_path / "m.csv"
    csv.write_text(f"video{delimiter}text{delimiter}labels\na.mp4{delimiter}wet, muddy"
                   f"{delimiter}Flood\n", encoding="utf-8-sig")
    args = _build_parser().parse_args(["evaluate", str(csv), str(csv), "--delimiter", typed])
    assert _load(args).data.text.tolist() == ["wet, muddy"]
    assert main(["table2", str(csv), "--output", str(tmp_path / "o"), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skmmlc: error: m.csv: the header is one column")
    assert f"--delimiter '{typed}'" in err and err.count("\n") == 1


def test_extract_reports_unreadable_clips(tmp_path, capsys):
    demo = make_disaster_demo(tmp_path / "data", n_clips=4, seed=3)
    broken = demo.data.video[1]
    with open(broken, "r+b") as fh:
        fh.truncate(300)  # a truncated download
    cache = tmp_path / "cache"
    assert main(["extract", str(demo.filename), "--cache", str(cache), "--on-error", "zeros",
                 *TINY]) == 0
    failures = pd.read_csv(cache / "failures.csv")
    assert set(failures.row) == {1} and failures.file.str.endswith(broken.split("/")[-1]).all()


def test_version_and_quiet_start_in_a_fresh_process(tmp_path):
    out = subprocess.run([sys.executable, "-m", "skmmlc", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("skmmlc ")
    # what the command opts in to for its own process (the library never does)
    code = ("from skmmlc.utils import quiet_tensorflow; tf, keras = quiet_tensorflow(); "
            "print(float(tf.reduce_sum(tf.ones(3))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**__import__("os").environ,
                                          "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert run.stdout.strip() == "3.0"
    assert "absl::InitializeLog" not in run.stderr and "oneDNN" not in run.stderr


def test_no_tensorflow_log_lines_while_training_in_a_fresh_process():
    """oneDNN's "E0000 ... DT_BOOL" line comes at the first masked LSTM, after import."""
    import os

    code = ("import skmmlc.utils; skmmlc.utils.quiet_tensorflow(); "
            "import numpy as np; from skmmlc import ResBiLSTMTemporal; "
            "X = np.random.default_rng(0).normal(size=(8, 6)); "
            "ResBiLSTMTemporal(n_steps=2, units=2, dense_units=2, epochs=1)"
            ".fit(X, np.arange(8) % 2); print('fitted')")
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",
                                                            "SKMMLC_TF_LOGS")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert run.stdout.strip() == "fitted"
    assert "E0000" not in run.stderr and "oneDNN" not in run.stderr, run.stderr


def test_gpu_memory_grows_as_needed_unless_turned_off(monkeypatch):
    from types import SimpleNamespace

    import skmmlc._cli
    import skmmlc.utils

    calls = []

    def set_memory_growth(gpu, value):
        if gpu == "gpu:1":
            raise RuntimeError("Physical devices cannot be modified after being initialized")
        calls.append((gpu, value))

    tf = SimpleNamespace(config=SimpleNamespace(
        list_physical_devices=lambda kind: ["gpu:0", "gpu:1"],
        experimental=SimpleNamespace(set_memory_growth=set_memory_growth)))
    assert skmmlc.utils.grow_gpu_memory(tf) == ["gpu:0"]  # gpu:1 was in use already
    assert calls == [("gpu:0", True)]
    # the command opts in for its own process, unless SKMMLC_GPU_MEMORY_GROWTH=0
    monkeypatch.setattr(skmmlc.utils._tensorflow, "quiet_tensorflow", lambda: (tf, None))
    monkeypatch.setenv("SKMMLC_GPU_MEMORY_GROWTH", "0")
    skmmlc._cli._configure_tensorflow()
    assert calls == [("gpu:0", True)]
    monkeypatch.delenv("SKMMLC_GPU_MEMORY_GROWTH")
    skmmlc._cli._configure_tensorflow()
    assert calls == [("gpu:0", True)] * 2


def test_resample_option_names_a_sampler(tmp_path):
    from skmmlc._cli import _build_parser
    from skmmlc._cli._table2 import _sampler
    from skmmlc.resampling import MLROS, MLSMOTE, REMEDIAL

    manifest = tmp_path / "m.csv"
    manifest.write_text("video,text,labels\n")
    args = _build_parser().parse_args(["table2", str(manifest), "--resample", "mlsmote"])
    sampler = _sampler(args.resample, args.seed)
    assert isinstance(sampler, MLSMOTE) and sampler.random_state == args.seed
    assert isinstance(_sampler("mlros", 3), MLROS) and _sampler("mlros", 3).random_state == 3
    assert isinstance(_sampler("remedial", 3), REMEDIAL)
    assert _sampler(None, 3) is None  # no resampling row
    with pytest.raises(SystemExit):
        _build_parser().parse_args(["table2", str(manifest), "--resample", "smote"])


def _table2_result(tag):
    """A small Table II result with ``tag`` in every file it saves."""
    from skmmlc.experiments import Table2Result

    per_concept = pd.DataFrame({"Flood": [0.5]}, index=[tag])
    return Table2Result(
        table=pd.DataFrame({"approach": [tag], "features": ["visual"], "micro_f1": [0.5],
                            "macro_f1": [0.5], "hamming_loss": [0.1], "map": [0.6],
                            "chosen": ["C=1"]}),
        per_concept_f1=per_concept, splits={}, per_label_f1=per_concept,
        settings={"visual_network": "none", "run": tag}, dataset=tag,
        test_positives=pd.Series({"Flood": 3}),
    )


def test_table2_outputs_are_replaced_as_one_set(tmp_path, monkeypatch):
    from skmmlc.experiments import Table2Result

    out = tmp_path / "results"
    (out / "feature-cache").mkdir(parents=True)  # what else lives there is left alone
    assert _table2_result("run-1").save(out) == out
    first = {name: (out / name).read_bytes() for name in Table2Result.files}
    assert all(b"run-1" in data for name, data in first.items() if name != "figure2.png")
    results = json.loads(first["results.json"])
    assert results["settings"] == {"visual_network": "none", "run": "run-1"}
    assert results["table2"][0]["approach"] == "run-1"
    assert results["test_positives"] == {"Flood": 3}
    assert results["per_concept_f1"] == {"run-1": {"Flood": 0.5}}

    # a full disk in the middle of the second run: the first run's files stay, all of them
    def full_disk(self, path, title=None):
        Path(path).write_bytes(b"\x89PNG half a figure")
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(Table2Result, "plot_per_concept", full_disk)
        with pytest.raises(OSError, match="No space left"):
            _table2_result("run-2").save(out)
    assert {name: (out / name).read_bytes() for name in Table2Result.files} == first
    assert sorted(p.name for p in out.iterdir()) == sorted([*Table2Result.files,
                                                            "feature-cache"])
    # a run that completes replaces every file of the set
    _table2_result("run-3").save(out)
    assert all(b"run-3" in (out / name).read_bytes()
               for name in Table2Result.files if name != "figure2.png")
    assert (out / "figure2.png").read_bytes() != first["figure2.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*Table2Result.files,
                                                            "feature-cache"])


def test_staging_folders_of_a_killed_run_are_removed_once_stale(tmp_path):
    from skmmlc.utils._io import STALE_STAGING_SECONDS, atomic_write_set

    stale, live = tmp_path / ".tmp-0123456789abcdef.partial", tmp_path / ".tmp-live.partial"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "table2.csv").write_text("half")
    old = stale.stat().st_mtime - STALE_STAGING_SECONDS - 10
    os.utime(stale, (old, old))
    with atomic_write_set(tmp_path, ["a.txt"]) as staging:
        (staging / "a.txt").write_text("a")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-live.partial", "a.txt"]
    with pytest.raises(FileNotFoundError, match="b.txt"), \
            atomic_write_set(tmp_path, ["a.txt", "b.txt"]) as staging:
        (staging / "a.txt").write_text("new a")  # b.txt forgotten: nothing replaced
    assert (tmp_path / "a.txt").read_text() == "a"


class _FixedModel:
    def predict(self, X):
        return [[1, 0]] * len(X)

    def decision_function(self, X):
        import numpy as np

        return np.tile([0.5, -0.5], (len(X), 1))


def test_predict_writes_its_output_atomically(tmp_path, monkeypatch, capsys):
    import joblib

    demo = make_disaster_demo(tmp_path / "data", n_clips=4, seed=3)
    model = tmp_path / "m.joblib"
    joblib.dump({"model": _FixedModel(), "label_names": ["Flood", "Fire"]}, model)
    out = tmp_path / "preds" / "p.csv"
    out.parent.mkdir()
    out.write_text("the previous predictions")

    def full_disk(self, path_or_buf=None, **kwargs):
        path_or_buf.write("video,labels\nhalf")
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(pd.DataFrame, "to_csv", full_disk)
        assert main(["predict", str(model), str(demo.filename), "--output", str(out)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "the previous predictions"
    assert [p.name for p in out.parent.iterdir()] == ["p.csv"]  # no temporary file
    assert main(["predict", str(model), str(demo.filename), "--output", str(out)]) == 0
    assert pd.read_csv(out)["labels"].tolist() == ["Flood"] * 4


def _no_work(monkeypatch):
    """Fail the test if the command gets as far as TensorFlow, the manifest, the
    weights, the demo data or any feature."""
    def fail(*args, **kwargs):
        raise AssertionError("work started before the options were checked")

    for name in ("_configure_tensorflow", "_common._load", "_common._resolve_weights",
                 "_table2._static_features", "_common._extractors"):
        monkeypatch.setattr(f"skmmlc._cli.{name}", fail)
    monkeypatch.setattr("skmmlc.datasets.make_disaster_demo", fail)


@pytest.mark.parametrize("argv, message", [
    (["--encoding", "utf-9"], "--encoding 'utf-9' is not a text encoding Python knows"),
    (["--encoding", "base64"], "--encoding 'base64' is not a text encoding"),
    (["--sep", ""], "the separator of the labels in a cell cannot be empty"),
    (["--delimiter", ";;"], "expected one character"),
    (["--temporal", '{"unit": 4}'], "'unit' is not a parameter of ResBiLSTMTemporal; "
                                    "did you mean 'units'?"),
    (["--temporal", '{"n_steps": 4}'], "'n_steps' is not a parameter of ResBiLSTMTemporal "
                                       "(set from the features)"),
    (["--temporal", '{"units": "four"}'], "The 'units' parameter of ResBiLSTMTemporal must "
                                          "be an int"),
])
def test_option_values_are_checked_before_any_work(tmp_path, monkeypatch, capsys, argv,
                                                   message):
    manifest = tmp_path / "m.csv"
    manifest.write_text("video,text,labels\na.mp4,flood,Flood\n")
    _no_work(monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        main(["table2", str(manifest), "--output", str(tmp_path / "o"), *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split()), err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("case", ["predict --output a folder", "table2 --output a file",
                                  "table2.csv a folder", "extract --cache a file",
                                  "fit --cache under a file", "demo --output under a file"])
def test_output_targets_are_checked_before_any_work(tmp_path, monkeypatch, capsys, case):
    manifest = tmp_path / "m.csv"
    manifest.write_text("video,text,labels\na.mp4,flood,Flood\n")
    model, file = tmp_path / "m.joblib", tmp_path / "file"
    model.write_bytes(b"model")
    file.write_text("x")
    (tmp_path / "out" / "table2.csv").mkdir(parents=True)
    argv, message = {
        "predict --output a folder": (["predict", model, manifest, "--output", tmp_path],
                                      f"--output {tmp_path} is a directory: give the CSV"),
        "table2 --output a file": (["table2", manifest, "--output", file],
                                   f"--output {file} is a file, not a folder"),
        "table2.csv a folder": (["table2", manifest, "--output", tmp_path / "out"],
                                "table2.csv is a folder, where the run writes the file"),
        "extract --cache a file": (["extract", manifest, "--cache", file],
                                   f"--cache {file} is a file, not a folder"),
        "fit --cache under a file": (["fit", manifest, "--model", tmp_path / "new.joblib",
                                      "--cache", file / "c"], f"{file} is a file, not a "
                                                              "folder"),
        "demo --output under a file": (["demo", "--output", file / "o"],
                                       f"{file} is a file, not a folder"),
    }[case]
    _no_work(monkeypatch)
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skmmlc: error: ") and message in err, err
    assert err.count("\n") == 1


def test_confine_paths_option(tmp_path, capsys):
    from skmmlc._cli import _build_parser
    from skmmlc._cli._common import _load

    (tmp_path / "a.mp4").write_bytes(b"x")
    inner = tmp_path / "m"
    inner.mkdir()
    csv = inner / "m.csv"
    csv.write_text("video,text,labels\n../a.mp4,flood,Flood\n", encoding="utf-8")
    args = _build_parser().parse_args(["evaluate", str(csv), str(csv)])
    assert args.confine_paths is False and len(_load(args).data) == 1
    args = _build_parser().parse_args(["evaluate", str(csv), str(csv), "--confine-paths"])
    with pytest.raises(ValueError, match=r"row 0, column 'video': '\.\./a\.mp4' leads outside"):
        _load(args)


def test_flags_are_the_pipeline_options(tmp_path, capsys):
    # every pipeline option with a flag is offered by its commands, with its
    # default (the demo's own small settings for demo), and no other command has it
    from skmmlc._cli import DEMO_DEFAULTS, _build_parser
    from skmmlc.pipeline import PIPELINE_OPTIONS

    manifest = tmp_path / "m.csv"
    manifest.write_text("video,text,labels\n")
    argv = {"demo": ["demo"], "table2": ["table2", str(manifest)],
            "extract": ["extract", str(manifest), "--cache", str(tmp_path)],
            "fit": ["fit", str(manifest)], "predict": ["predict", str(manifest), str(manifest)]}
    flagged = [o for o in PIPELINE_OPTIONS if o.flag]
    assert {o.flag for o in flagged} >= {"--n-frames", "--seed", "--temporal", "--resample"}
    for command, line in argv.items():
        args = _build_parser().parse_args(line)
        for option in flagged:
            offered = command in option.commands
            assert hasattr(args, option.key) == offered, (command, option.name)
            if offered:
                default = (DEMO_DEFAULTS if command == "demo" else {}).get(
                    option.name, option.default)
                assert getattr(args, option.key) == default, (command, option.name)
    args = _build_parser().parse_args([*argv["table2"], "--n-frames", "3", "--seed", "5",
                                       "--visual-weights", "none", "--on-error", "zeros"])
    assert (args.n_frames, args.seed, args.visual_weights, args.on_error) == (3, 5, None,
                                                                           "zeros")
    with pytest.raises(SystemExit):
        _build_parser().parse_args([*argv["table2"], "--n-frames", "0"])
    assert "expected a positive integer, got 0" in capsys.readouterr().err
