"""Atomic writes: a file or folder appears complete or not at all, and leftovers name their process."""

import os
from pathlib import Path

import pytest

from sim.atomic import leftover_of, replace_dir, temporary_dir, write_atomic, write_dir_atomic


class Boom(RuntimeError):
    pass


def _fail_after_one_file(directory: Path) -> None:
    (directory / "a.csv").write_text("half")
    raise Boom("writer failed")


def test_dir_swap_leaves_no_half_folder_when_the_writer_raises(tmp_path):
    out = tmp_path / "res"
    with pytest.raises(Boom):
        write_dir_atomic(out, _fail_after_one_file)
    assert list(tmp_path.iterdir()) == []


def test_dir_swap_keeps_the_previous_folder_when_the_writer_raises(tmp_path):
    out = tmp_path / "res"
    write_dir_atomic(out, lambda d: (d / "a.csv").write_text("old"))
    with pytest.raises(Boom):
        write_dir_atomic(out, _fail_after_one_file)
    assert [p.name for p in tmp_path.iterdir()] == ["res"]
    assert (out / "a.csv").read_text() == "old"


def test_dir_swap_replaces_a_complete_folder(tmp_path):
    out = tmp_path / "deeper" / "res"
    write_dir_atomic(out, lambda d: (d / "a.csv").write_text("old"))
    assert write_dir_atomic(out, lambda d: (d / "b.csv").write_text("new")) == out
    assert sorted(p.name for p in out.iterdir()) == ["b.csv"]
    assert [p.name for p in out.parent.iterdir()] == ["res"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


def test_replace_dir_moves_the_old_folder_back_when_the_second_rename_fails(tmp_path, monkeypatch):
    out, new = tmp_path / "res", tmp_path / "new"
    out.mkdir()
    (out / "a").write_text("old")
    new.mkdir()
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(Path(src).name)
        if len(calls) == 2:  # the new folder's rename: as if Ctrl-C arrived between the two renames
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        replace_dir(new, out)
    assert (out / "a").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "res"]


def test_leftovers_are_recognised_by_name(tmp_path):
    out = tmp_path / "res"
    tmp = temporary_dir(out)
    assert leftover_of(out, tmp) == ("partial", os.getpid())
    assert leftover_of(out, tmp_path / ".res.old-123") == ("old", 123)
    assert leftover_of(out, tmp_path / ".res.abc.partial") is None
    assert leftover_of(out, tmp_path / ".other.123.x.partial") is None
    assert leftover_of(out, tmp_path / "res") is None


def test_write_atomic_leaves_no_half_file(tmp_path):
    path = tmp_path / "report.txt"
    write_atomic(path, lambda p: p.write_text("v1"))

    def fail(p: Path) -> None:
        p.write_text("half")
        raise Boom

    with pytest.raises(Boom):
        write_atomic(path, fail)
    assert path.read_text() == "v1"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]
