"""The --output file: refused before the run when it cannot be written, and written by rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.gate.output_file import OutputFileError, check_writable, write_atomically


def test_a_directory_or_a_path_under_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputFileError, match="is a directory"):
        check_writable(tmp_path)
    (tmp_path / "blocker").write_text("a file")
    with pytest.raises(OutputFileError, match=r"blocker/report\.json: cannot be written"):
        check_writable(tmp_path / "blocker" / "report.json")
    with pytest.raises(OutputFileError, match="cannot be written"):
        write_atomically(tmp_path / "blocker" / "report.json", "{}")


def test_the_check_leaves_nothing_and_the_write_replaces_whole(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    check_writable(report)
    assert list((tmp_path / "out").iterdir()) == []
    report.write_text("old")
    write_atomically(report, "new\n")
    assert report.read_text() == "new\n"
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["report.json"]
