"""The zip moto stores for a function, built from the code archive the program gives it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pulumi

_SKIPPED_IN_ZIP = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


def _add_path(archive: zipfile.ZipFile, source: Path, prefix: str) -> None:
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and not any(part in _SKIPPED_IN_ZIP for part in path.parts) and path.suffix != ".pyc":
                archive.write(path, f"{prefix}{path.relative_to(source).as_posix()}")
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as inner:
            for info in inner.infolist():
                archive.writestr(f"{prefix}{info.filename}", inner.read(info))
    else:
        archive.write(source, prefix.rstrip("/") or source.name)


def _resolve(path: str, program_dir: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else program_dir / candidate


def code_archive(code: Any, program_dir: Path, handler_module: str) -> tuple[bytes, Path | None]:
    """The zip moto stores for a function, and the directory or zip the program's code archive points at.

    A FileArchive of a directory or zip, or an AssetArchive of files and archives (relative paths are relative to
    the program directory, the language host's working directory). With nothing on disk: a minimal zip, and None.
    """
    buffer = io.BytesIO()
    code_path: Path | None = None
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        entries: list[tuple[str, Any]] = [("", code)]
        if isinstance(code, pulumi.AssetArchive):
            entries = [(name, asset) for name, asset in code.assets.items()]
        for name, item in entries:
            prefix = "" if name in ("", ".") else name.rstrip("/") + "/"
            if isinstance(item, pulumi.StringAsset):
                archive.writestr(name, item.text)
                continue
            path = getattr(item, "path", None)
            source = _resolve(path, program_dir) if isinstance(path, str) else None
            if source is None or not source.exists():
                continue
            if isinstance(item, pulumi.FileAsset):
                archive.write(source, name)
                continue
            _add_path(archive, source, prefix)
            if code_path is None and not prefix:
                code_path = source.resolve()
        if not archive.namelist():
            archive.writestr(f"{handler_module}.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue(), code_path
