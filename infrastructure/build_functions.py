"""Build each function's deployable package into build/functions/<name>/: its dependencies, installed as wheels for
the Lambda runtime (Linux x86_64, the runtime's Python), then its source. `pulumi up` uploads that directory.

    python infrastructure/build_functions.py [--output DIR] [--force] [NAME ...]

Run it before `pulumi preview/up` (or `nox -s build`); the program itself never installs anything. A package whose
inputs (source files, requirements, pip arguments, interpreter version, this script) are unchanged since its last
build is left as it is: a stamp beside it, build/functions/.<name>.build-inputs, holds their SHA-256. Requirements
given as ranges are not re-resolved then; `--force` rebuilds anyway.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import py_compile
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from delivery_stack.packaging import (
    DEFAULT_BUILD_ROOT,
    FUNCTIONS_DIR,
    LAMBDA_PIP_PLATFORM,
    LAMBDA_PYTHON_VERSION,
    FunctionPackage,
    PackagingError,
    discover_functions,
)

Runner = Callable[[Sequence[str]], None]

# Not part of what the function runs: caches, tests and the requirements file (already installed).
_NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "tests", "requirements*.txt")


def pip_install_command(requirements: Path, target: Path) -> list[str]:
    """pip, asked for wheels that run on the Lambda runtime rather than on this machine. pip would compile with this
    machine's interpreter (bytecode the runtime ignores); precompile() does it afterwards when the versions match.

    `--isolated`: the machine's pip configuration (PIP_* variables, the user's pip.conf) does not decide what is
    shipped; the wheels come from PyPI, as in the pipeline's build. It also keeps extra indexes configured for other
    work from being asked for every project they lack (one `WARNING: Location ... is ignored` line each).
    """
    return [
        sys.executable, "-m", "pip", "install",
        "--isolated",
        "--requirement", str(requirements),
        "--target", str(target),
        "--platform", LAMBDA_PIP_PLATFORM,
        "--implementation", "cp",
        "--python-version", LAMBDA_PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--upgrade",
        "--quiet",
        "--disable-pip-version-check",
    ]  # fmt: skip


def has_requirements(requirements: Path) -> bool:
    if not requirements.is_file():
        return False
    lines = (line.split("#", 1)[0].strip() for line in requirements.read_text(encoding="utf-8").splitlines())
    return any(lines)


def run_checked(command: Sequence[str]) -> None:
    subprocess.run(list(command), check=True)  # noqa: S603 - a fixed pip command line, no shell


def precompile(build_dir: Path, interpreter: tuple[int, int] | None = None) -> bool:
    """Write bytecode for the whole package when this interpreter is the runtime's Python, else nothing.

    Lambda's /var/task is read-only, so the runtime cannot cache what it compiles: without shipped bytecode every cold
    start recompiles Powertools and pydantic. Bytecode is tagged with the interpreter that wrote it (cpython-312), so
    only the runtime's own version helps; `unchecked-hash` keeps the files identical from build to build (no
    timestamps), so the package hash changes only when the code does. The pipeline's build runs on the runtime's
    Python; a local build on another version ships source only, as before.
    """
    version = interpreter or (sys.version_info.major, sys.version_info.minor)
    if ".".join(map(str, version)) != LAMBDA_PYTHON_VERSION:
        print(f"not precompiling: Python {version[0]}.{version[1]} is not the runtime's {LAMBDA_PYTHON_VERSION}")
        return False
    compiled = compileall.compile_dir(
        str(build_dir), quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if not compiled:
        raise RuntimeError(f"bytecode compilation failed under {build_dir}")
    return True


def _is_cache(path: Path) -> bool:
    return any(part in {"__pycache__", ".pytest_cache"} for part in path.parts) or path.suffix == ".pyc"


def build_inputs_digest(package: FunctionPackage) -> str:
    """SHA-256 over everything that decides the built package: each source file's path and bytes (requirements
    included), the pip arguments (platform, runtime Python; not the interpreter's path, which differs per
    virtualenv), this interpreter's version (bytecode or not) and this script."""
    digest = hashlib.sha256()
    pip_arguments = pip_install_command(package.requirements, package.build_dir)[1:]
    digest.update("\0".join([*pip_arguments, f"{sys.version_info.major}.{sys.version_info.minor}"]).encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted(package.source_dir.rglob("*")):
        relative = path.relative_to(package.source_dir)
        if path.is_file() and not _is_cache(relative):
            digest.update(b"\0" + relative.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_stamp(package: FunctionPackage) -> Path:
    """Beside the package, not in it: the stamp is not uploaded and does not change the package's hash."""
    return package.build_dir.with_name(f".{package.name}.build-inputs")


def is_up_to_date(package: FunctionPackage) -> bool:
    stamp = build_stamp(package)
    return (
        (package.build_dir / "handler.py").is_file()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == build_inputs_digest(package)
    )


def build_function(package: FunctionPackage, run: Runner = run_checked) -> Path:
    """Rebuild `package.build_dir` from scratch: dependencies first, then the source on top, then bytecode; then
    the stamp that lets the next run skip an unchanged package."""
    stamp = build_stamp(package)
    # A build that fails half way leaves no stamp: the next run rebuilds.
    stamp.unlink(missing_ok=True)
    if package.build_dir.exists():
        shutil.rmtree(package.build_dir)
    package.build_dir.mkdir(parents=True)
    if has_requirements(package.requirements):
        run(pip_install_command(package.requirements, package.build_dir))
    shutil.copytree(package.source_dir, package.build_dir, ignore=_NOT_SHIPPED, dirs_exist_ok=True)
    precompile(package.build_dir)
    stamp.write_text(build_inputs_digest(package) + "\n", encoding="utf-8")
    return package.build_dir


def main(argv: Sequence[str] | None = None, run: Runner = run_checked) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="functions to build (default: every functions/<name>/handler.py)")
    parser.add_argument("--functions-dir", type=Path, default=FUNCTIONS_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_BUILD_ROOT, help="build root (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild packages whose inputs are unchanged too")
    args = parser.parse_args(argv)
    try:
        packages = discover_functions(args.functions_dir.resolve(), args.output.resolve())
    except PackagingError as exc:
        print(f"build_functions: error: {exc}", file=sys.stderr)
        return 2
    known = {package.name for package in packages}
    unknown = sorted(set(args.names) - known)
    if unknown or not packages:
        print(
            f"build_functions: error: unknown functions {unknown}; found {sorted(known)} in {args.functions_dir}",
            file=sys.stderr,
        )
        return 2
    for package in packages:
        if args.names and package.name not in args.names:
            continue
        if not args.force and is_up_to_date(package):
            print(f"up to date {package.name}: {package.build_dir} (inputs unchanged; --force rebuilds)")
            continue
        print(f"built {package.name}: {build_function(package, run)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
