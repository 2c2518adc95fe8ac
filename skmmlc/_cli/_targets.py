"""Every output target of a command, checked before any work starts."""

from __future__ import annotations

import os
from pathlib import Path


def _check_targets(args):
    """Every output target of the command, checked before any work starts."""
    command = args.command
    if command in ("demo", "table2"):
        from ..experiments import Table2Result

        _check_output_folder(args.output, "--output", Table2Result.files, "the run")
    elif command == "predict":
        _check_output_file(args.output, "--output", "the CSV file's path, e.g. "
                           f"{Path(args.output) / 'predictions.csv'}", "predicting")
    elif command == "fit":
        _check_model_target(args.model)
    if command in ("extract", "fit") and args.cache is not None:
        _check_output_folder(args.cache, "--cache", (), "extracting")
    if getattr(args, "scheduler", None) is not None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ValueError(
                "--scheduler needs Dask's distributed scheduler: pip install 'skmmlc[dask]'")


def _check_model_target(path):
    """Raise ``OSError`` now, before any training, if ``path`` cannot be written.

    The model is written as a temporary file in the target's folder, then
    renamed over it; that folder (created if missing) must take a new file.
    """
    _check_output_file(path, "--model", "the model file's path, e.g. "
                       f"{Path(path) / 'skmmlc-model.joblib'}", "training")


def _check_output_file(path, option, example, before):
    """Raise ``OSError`` naming ``option`` unless the file ``path`` can be written.

    It is written as a temporary file in its folder, then renamed over it:
    the folder (created if missing) must take a new file.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{option} {path} is a directory: give {example}")
    if path.exists() and not os.access(path, os.W_OK):
        raise PermissionError(
            f"{option} {path} is read-only: make it writable or give another path "
            f"(checked before {before})")
    _check_writable_folder(path.parent, f"{option} {path}", before)


def _check_output_folder(path, option, files, before):
    """Raise ``OSError`` naming ``option`` unless ``path`` is (or can be made)
    a folder that takes new files, none of ``files`` in it being a folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"{option} {path} is a file, not a folder: give a folder's path "
            f"(checked before {before})")
    _check_writable_folder(path, f"{option} {path}", before)
    for name in files:
        if (path / name).is_dir():
            raise IsADirectoryError(
                f"{option} {path}: {path / name} is a folder, where the run writes the "
                f"file {name}: move it away or give another folder (checked before "
                f"{before})")


def _check_writable_folder(folder, what, before):
    """Create ``folder`` if needed and check that it takes a new file."""
    from ..utils import create_temp

    folder = Path(folder)
    above = folder
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise NotADirectoryError(
            f"{what}: {above} is a file, not a folder; give another path "
            f"(checked before {before})")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = create_temp(folder, ".probe")
    except OSError as exc:
        raise type(exc)(
            f"{what}: cannot write a file in {folder} ({exc.strerror or exc}); give a "
            f"writable path (checked before {before})"
        ) from None
    os.close(fd)
    os.unlink(tmp)
