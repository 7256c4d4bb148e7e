"""The container: gzip'd tar, optionally AES-256-GCM in chunks under a scrypt key."""

from __future__ import annotations

import os

import pytest

from tanhua.backup import archive

PASS = "correct horse battery"


def _write(path, members: dict[str, bytes], passphrase: str | None) -> None:
    with open(path, "wb") as fh:
        writer = archive.ArchiveWriter(fh, passphrase)
        for name, data in members.items():
            writer.add_bytes(name, data)
        writer.close()


def _read(path, passphrase=None) -> dict[str, bytes]:
    return {name: stream.read() for name, stream in archive.members(path, passphrase)}


@pytest.fixture
def big() -> bytes:
    # Over two encryption chunks, incompressible, so chunk boundaries are crossed.
    return os.urandom(archive.CHUNK * 2 + 12345)


def test_an_encrypted_archive_reads_back_exactly_with_the_passphrase(tmp_path, big):
    path = tmp_path / "a.enc"
    _write(path, {"a.bin": big, "b.txt": "谈话".encode()}, PASS)
    assert archive.is_encrypted(path)
    assert big[:4096] not in path.read_bytes()
    assert _read(path, PASS) == {"a.bin": big, "b.txt": "谈话".encode()}


def test_a_plain_archive_is_a_gzipped_tar(tmp_path):
    path = tmp_path / "a.tar.gz"
    _write(path, {"x": b"1"}, None)
    assert not archive.is_encrypted(path)
    assert path.read_bytes()[:2] == archive.GZIP_MAGIC
    assert _read(path) == {"x": b"1"}


def test_a_wrong_passphrase_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "a.enc"
    _write(path, {"x": b"1"}, PASS)
    with pytest.raises(archive.ArchiveError, match="口令错误"):
        _read(path, "another passphrase")


def test_an_encrypted_archive_without_a_passphrase_asks_for_one(tmp_path):
    path = tmp_path / "a.enc"
    _write(path, {"x": b"1"}, PASS)
    with pytest.raises(archive.ArchiveError, match="--passphrase-file"):
        _read(path)


def test_a_flipped_byte_inside_an_encrypted_archive_fails_its_chunk(tmp_path, big):
    path = tmp_path / "a.enc"
    _write(path, {"a.bin": big}, PASS)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(archive.ArchiveError, match="校验失败"):
        _read(path, PASS)


def test_an_encrypted_archive_cut_after_a_whole_chunk_is_noticed(tmp_path, big):
    path = tmp_path / "a.enc"
    _write(path, {"a.bin": big}, PASS)
    data = path.read_bytes()
    header = len(archive.MAGIC) + 4 + int.from_bytes(data[len(archive.MAGIC) :][:4], "big")
    first = 4 + int.from_bytes(data[header : header + 4], "big")
    path.write_bytes(data[: header + first])  # only the first chunk is left
    with pytest.raises(archive.ArchiveError, match=r"截断|损坏"):
        _read(path, PASS)


def test_appended_bytes_after_the_last_chunk_are_refused(tmp_path):
    path = tmp_path / "a.enc"
    _write(path, {"x": b"1"}, PASS)
    path.write_bytes(path.read_bytes() + b"extra")
    with pytest.raises(archive.ArchiveError, match="多余"):
        _read(path, PASS)


def test_a_truncated_plain_archive_is_reported_damaged(tmp_path, big):
    path = tmp_path / "a.tar.gz"
    _write(path, {"a.bin": big}, None)
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(archive.ArchiveError, match="损坏"):
        _read(path)


def test_a_file_that_is_no_backup_is_named_as_such(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(archive.ArchiveError, match="不是 Tanhua 备份文件"):
        archive.is_encrypted(path)


def test_a_short_passphrase_is_refused(tmp_path):
    with (
        open(tmp_path / "a", "wb") as fh,
        pytest.raises(archive.ArchiveError, match="至少需要 10 个字符"),
    ):
        archive.ArchiveWriter(fh, "short")


def test_publish_never_overwrites_an_existing_archive(tmp_path):
    (tmp_path / "old").write_bytes(b"keep")
    (tmp_path / "new.partial").write_bytes(b"new")
    with pytest.raises(archive.ArchiveError, match="已存在"):
        archive.publish(tmp_path / "new.partial", tmp_path / "old")
    assert (tmp_path / "old").read_bytes() == b"keep"
    assert not (tmp_path / "new.partial").exists()
