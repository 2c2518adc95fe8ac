"""Small helpers: atomic writes follow the user's umask."""

import os
import stat
import sys

import pytest

from skmmlc.utils._io import atomic_write

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


@pytest.fixture
def umask():
    """Set the process' umask for one test and restore it afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_umask(value):
        os.umask(value)

    yield set_umask
    os.umask(saved)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077, 0o002])
def test_atomic_write_follows_the_umask(tmp_path, umask, mask):
    umask(mask)
    target = tmp_path / "out.txt"
    with atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("x")
    plain = tmp_path / "plain.txt"
    with open(plain, "w", encoding="utf-8") as fh:
        fh.write("x")
    assert _mode(target) == 0o666 & ~mask == _mode(plain)
    assert target.read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "plain.txt"]


@posix_only
def test_atomic_write_explicit_mode_and_replace(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "sub" / "secret.bin"
    with atomic_write(target, file_mode=0o600) as fh:
        fh.write(b"1")
    assert _mode(target) == 0o600
    with atomic_write(target) as fh:  # replacing gives the umask's mode again
        fh.write(b"22")
    assert _mode(target) == 0o644 and target.read_bytes() == b"22"


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as fh:
            fh.write(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
