"""Atomic writes, special targets, leftovers of killed saves, and what reading refuses."""

import os
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from deltaprop._files import (ConcurrentWriteWarning, atomic_open, atomic_write_bytes, open_for_reading,
                              remove_stale_temporaries)
from deltaprop.errors import FileAccessError, NotAFileError


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "model.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as f:
            f.write(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_a_new_file_gets_ordinary_permissions_not_mkstemps_0600(tmp_path):
    target = tmp_path / "plot.png"
    atomic_write_bytes(target, b"x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_missing_directory_is_named_in_the_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_bytes(tmp_path / "nowhere" / "f.bin", b"x")


# ------------------------------------------------------------------------------ special targets (issue 14, finding 8)
def test_writing_to_a_character_device_writes_it_in_place_and_never_replaces_it(tmp_path):
    before = os.stat("/dev/null")
    atomic_write_bytes("/dev/null", b"model bytes")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not any(name.startswith(".null.") for name in os.listdir("/dev"))


def test_writing_to_a_fifo_feeds_its_reader_and_leaves_the_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:  # wait until cat has opened the FIFO (until then writing would find no reader)
            try:
                atomic_write_bytes(fifo, b"through the pipe")
                break
            except FileAccessError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
    finally:
        out, _ = reader.communicate(timeout=10)
    assert out == b"through the pipe"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_writing_to_a_fifo_nobody_reads_fails_at_once_naming_the_fix(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(FileAccessError, match=r"'.*pipe': it is a FIFO \(named pipe\) with no reader; "
                                              r"start the reading program first"):
        atomic_write_bytes(fifo, b"x", what="model file")
    assert time.monotonic() - started < 5


def test_a_dev_fd_pipe_from_process_substitution_receives_the_bytes():
    # What `-o >(gzip > p.gz)` gives: a /dev/fd/N path naming the write end of a pipe.
    r, w = os.pipe()
    try:
        atomic_write_bytes(f"/dev/fd/{w}", b"to the pipe")
        os.close(w)
        w = None
        assert os.read(r, 100) == b"to the pipe"
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.bin", "real.bin"]


def test_a_symlink_to_a_missing_file_creates_its_target(tmp_path):
    link = tmp_path / "link.bin"
    link.symlink_to(tmp_path / "target.bin")
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and (tmp_path / "target.bin").read_bytes() == b"new"


# ------------------------------------------------------------------------------ leftovers of killed saves (finding 10)
def test_the_next_save_removes_the_temporary_file_a_killed_save_left(tmp_path):
    target = tmp_path / "model.bin"
    script = textwrap.dedent(f"""
        import os, signal
        from deltaprop._files import atomic_open
        with atomic_open({str(target)!r}) as f:
            f.write(b"half of a model")
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    subprocess.run([sys.executable, "-c", script], check=False)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.bin.")  # the control: the kill left one
    atomic_write_bytes(target, b"whole model")
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_a_save_in_progress_in_another_process_keeps_its_temporary_file(tmp_path):
    target = tmp_path / "model.bin"
    script = textwrap.dedent(f"""
        import sys
        from deltaprop._files import atomic_open
        with atomic_open({str(target)!r}) as f:
            f.write(b"slow save")
            f.flush()
            print("writing", flush=True)
            sys.stdin.readline()
    """)
    other = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert other.stdout.readline() == b"writing\n"
        with pytest.warns(ConcurrentWriteWarning, match="another process is saving to"):
            assert remove_stale_temporaries(target) == []
        assert len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]) == 1
    finally:
        other.communicate(b"\n", timeout=30)
    assert target.read_bytes() == b"slow save"


def test_only_files_named_like_our_temporaries_are_removed(tmp_path):
    target = tmp_path / "model.bin"
    keep = [".model.bin.tmp", ".model.bin.XYZ12345.tmp", ".other.bin.0123abcd.tmp", "model.bin.0123abcd.tmp"]
    for name in keep + [".model.bin.0123abcd.tmp"]:
        (tmp_path / name).write_bytes(b"x")
    removed = remove_stale_temporaries(target)
    assert [os.path.basename(p) for p in removed] == [".model.bin.0123abcd.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


# ------------------------------------------------------------------------------ reading special files (findings 4, 10)
def test_reading_a_character_device_is_refused_without_reading(tmp_path):
    link = tmp_path / "zeros.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(NotAFileError, match=r"data file '.*zeros\.csv' is a character device, not a regular file; "
                                            r"copy what it holds to a file and give that file's path"):
        open_for_reading(link, what="data file")


def test_a_fifo_with_no_writer_is_refused_where_a_file_is_needed_and_never_blocks(tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NotAFileError, match=r"is a FIFO \(named pipe\), not a regular file"):
        open_for_reading(fifo, what="model file")
    with open_for_reading(fifo, what="data file", allow_pipes=True) as f:
        assert f.read() == b""  # no writer: an empty stream at once, not a hang
    assert time.monotonic() - started < 5


def test_a_save_racing_another_save_of_the_same_path_warns(tmp_path):
    # Issue 14 point 10: two runs writing the same -o race; the one finishing while the other's
    # temporary is still locked (its save is running) says so.
    import fcntl

    target = tmp_path / "model.safetensors"
    other = tmp_path / ".model.safetensors.0123abcd.tmp"  # how atomic_open names a save in progress
    other.write_bytes(b"partial")
    fd = os.open(other, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the other save, still running
        with pytest.warns(ConcurrentWriteWarning, match="another process is saving to .*model.safetensors"):
            atomic_write_bytes(target, b"mine")
        assert other.exists() and target.read_bytes() == b"mine"  # its temporary is left alone
    finally:
        os.close(fd)
    atomic_write_bytes(target, b"again")  # the other save died: its temporary is now removed, quietly
    assert not other.exists()
