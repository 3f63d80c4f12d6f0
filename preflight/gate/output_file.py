"""The report file behind --output: checked before the run (a report lost after a long run helps nobody) and written
atomically (a reader never sees half a report, an old one stays intact when writing fails)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputFileError(Exception):
    """--output names a path that cannot be written; the message names it and why."""


def check_writable(path: Path) -> None:
    """Create the parent directories and prove a file can be created beside `path`, or raise OutputFileError."""
    if path.is_dir():
        raise OutputFileError(f"--output {path}: is a directory; name a file to write the report to")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".check"):
            pass
    except OSError as exc:
        raise OutputFileError(f"--output {path}: cannot be written ({exc.strerror or exc})") from exc


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputFileError(f"--output {path}: cannot be written ({exc.strerror or exc})") from exc
