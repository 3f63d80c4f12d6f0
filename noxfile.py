"""Every check this repository runs, as nox sessions. `nox` alone runs what a pull request runs.

Each session builds its own virtualenv with uv. Checkov gets a virtualenv of its own because its pins
(packaging<24, boto3==1.35.49) cannot live beside pulumi's.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import time
from pathlib import Path
from typing import IO

import nox

nox.options.default_venv_backend = "uv"
# A session whose Python is missing fails (exit 1) rather than being skipped: a skipped main job would pass having
# run nothing.
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "unit", "policy", "gate", "checkov", "integration"]

PYTHON = "3.11"
# Generated policy pack config, one file per stack (infrastructure/policy_config.py); never checked in.
POLICY_CONFIG_DIR = Path("out") / "policy-config"

# Every virtualenv a session builds gets its bytecode at install time (uv installs without it by default). With
# PYTHONDONTWRITEBYTECODE=1, as here and in CI, Python never writes .pyc files but still reads them: without this,
# every program run compiles about 600 pulumi_aws modules again (4-5 s of the dev stack's preview). nox passes its
# environment to the uv it runs, including the direct `uv pip install` calls below.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

CHECKOUT_LOCK = Path(__file__).resolve().parent / ".nox" / "checkout.lock"
# Set for the processes a locked nox run starts (nox's parallel workers load this file again): they run under the
# lock their parent holds.
LOCK_HOLDER_VARIABLE = "DELIVERY_NOX_LOCK_HOLDER"


def hold_checkout_lock(path: Path) -> IO[str]:
    """An exclusive lock on `path`, held until the returned file is closed or the process ends; when another process
    holds it, says so on stderr (naming it) and waits for it.

    Two nox runs in one checkout share .nox/<session> (one would rebuild the virtualenv under the other), build/ and
    out/; the second waits for the first rather than racing it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "a process"
        print(
            f"nox: another nox run in this checkout ({holder}) holds {path}; waiting for it to finish "
            "(both would use the same .nox/ virtualenvs, build/ and out/)",
            file=sys.stderr,
            flush=True,
        )
        fcntl.flock(handle, fcntl.LOCK_EX)
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle


if LOCK_HOLDER_VARIABLE not in os.environ:
    _checkout_lock = hold_checkout_lock(CHECKOUT_LOCK)
    os.environ[LOCK_HOLDER_VARIABLE] = str(os.getpid())


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy, the workflows (GitHub's schema, zizmor) and the import contracts."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "preflight", "infrastructure", "policies", "functions")
    workflows = sorted(str(path) for path in Path(".github/workflows").glob("*.y*ml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("zizmor", "--offline", "--no-progress", ".github/workflows")
    # functions/ rather than functions/pipeline: the contracts analyse the Lambda code as one namespace package.
    session.run("lint-imports", env={"PYTHONPATH": os.pathsep.join(["infrastructure", "policies", "functions"])})


@nox.session(python=PYTHON)
def unit(session: nox.Session) -> None:
    """The unit suite: the program under mocks, the offline engine, the functions; coverage of program and engine."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        "--cov-fail-under=90",
        # The Checkov guard tests need Checkov's own virtualenv: `nox -s checkov` runs them.
        "--ignore=unit_tests/checkov_guard",
        # The policy pack's tests run in `nox -s policy`.
        "--ignore=unit_tests/policies",
        # The pulumi/examples programs need their own SDKs (awsx, command): `nox -s third-party` runs them.
        "--ignore=unit_tests/preflight/third_party_programs",
        *session.posargs,
    )


def build_function_packages(session: nox.Session) -> None:
    # The build step installs with pip's --target/--platform (wheels for the Lambda runtime); uv venvs lack pip.
    session.install("pip")
    session.run("python", "infrastructure/build_functions.py")


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """The deployable function packages, build/functions/<name>/: what `pulumi up` uploads."""
    build_function_packages(session)


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """The live integration suite. Default: the dev stack deployed into moto on loopback (`--target local`);
    `nox -s integration -- --target aws --stack STACK` tests a deployed stack, `-- --target aws --ephemeral` creates,
    tests and destroys one (with the policy pack)."""
    session.install("-e", ".[test]")
    if "--ephemeral" in session.posargs:
        # A real `up` uploads the vendored build; the local target runs functions/ in-process and needs none.
        build_function_packages(session)
    session.run("pytest", "integration_tests", *session.posargs)


@nox.session(python=PYTHON)
def account(session: nox.Session) -> None:
    """API Gateway's account setting (cloudwatchRoleArn) in every region of a stack, read with the caller's AWS
    credentials before a deploy: `nox -s account -- --stack STACK`. Exits 2 with the command that sets it."""
    session.install("-e", ".[function]")
    session.run(
        "python", "-m", "integration_tests.apigateway_account", *session.posargs, env={"PYTHONPATH": "infrastructure"}
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Every benchmarks/*_bench.py script; each prints its figures beside a baseline measured in the same run."""
    session.install("-e", ".[test]")
    for script in sorted(Path("benchmarks").glob("*_bench.py")):
        session.run("python", str(script))


# What the pulumi/examples programs under unit_tests/preflight/third_party_programs import beyond pulumi-aws. Their own
# requirements.txt files are not installed: hub-and-spoke pins awsx 2, which cannot live beside pulumi-aws 7.
THIRD_PARTY_SDKS = ("pulumi-awsx>=3,<4", "pulumi-command>=1,<2")


@nox.session(name="third-party", python=PYTHON)
def third_party(session: nox.Session) -> None:
    """Nine pulumi/examples AWS Python programs through preview, gate (both modes) and plan: never a broken run."""
    session.install("-e", ".[test]", *THIRD_PARTY_SDKS)
    session.run("pytest", "unit_tests/preflight/third_party_programs", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=PYTHON)
def policy(session: nox.Session) -> None:
    """The CrossGuard pack's tests: every policy through the real pack process, robustness, whole programs."""
    session.install("-e", ".[test]")
    session.run("pytest", "unit_tests/policies", *session.posargs)


def _pack_with_virtualenv(session: nox.Session, name: str) -> Path:
    """A copy of policies/ under out/<name>/ with the virtualenv its PulumiPolicy.yaml declares, made from its
    requirements.txt as the CLI needs it (no virtualenv lands in the source tree)."""
    pack = Path("out") / name / "policies"
    shutil.copytree("policies", pack, dirs_exist_ok=True, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    uv = nox.virtualenv.UV
    session.run_install(
        uv, "venv", "--quiet", "--allow-existing", "--python", PYTHON, str(pack / "venv"), external=True
    )
    session.run_install(
        uv, "pip", "install", "--quiet", "--python", str(pack / "venv" / "bin" / "python"),
        "-r", "policies/requirements.txt", external=True,
    )  # fmt: skip
    return pack


@nox.session(python=PYTHON)
def gate(session: nox.Session) -> None:
    """The policy gate on the dev stack (the main job), both phases as the CLI runs them: first what `pulumi preview
    --policy-pack policies` reports (a fresh stack's computed values unknown), then (`--up`) what `pulumi up
    --policy-pack policies` reports. The program runs on this session's interpreter (`--python`: Pulumi.yaml's
    ./venv is the CLI's); the pack in its own virtualenv, beside a copy of it under out/.

    Extra arguments go to the gate in both phases, e.g. `nox -s gate -- --format markdown`.
    """
    session.install("-e", ".[policy]")
    build_function_packages(session)
    # The policy config comes from the stack config (its log retention), generated as the workflows generate it for
    # `pulumi preview/up --policy-pack-config`: one source of truth, nothing hand-edited.
    policy_config = str(POLICY_CONFIG_DIR / "dev.json")
    session.run("python", "infrastructure/policy_config.py", "--stack", "dev", "--output", policy_config)
    pack = _pack_with_virtualenv(session, "gate")
    python = str(Path(session.bin) / "python")
    for phase in ([], ["--up"]):
        session.run(
            "python", "-m", "preflight", "gate", "--stack", "dev", "--pack", str(pack), "--config", policy_config,
            "--python", python, *phase, *session.posargs,
        )  # fmt: skip


# AWSGuard as its README sets it up: a pack whose index.js constructs AwsGuard (every policy at its default level).
AWSGUARD_PACK = {
    "package.json": '{"name": "awsguard-pack", "version": "0.1.0", "dependencies": '
    '{"@pulumi/awsguard": "0.3.1", "@pulumi/policy": "^1.3.0", "@pulumi/pulumi": "^3.0.0"}}\n',
    "index.js": 'const { AwsGuard } = require("@pulumi/awsguard");\nnew AwsGuard();\n',
    "PulumiPolicy.yaml": "runtime: nodejs\ndescription: AWSGuard, installed from the npm registry\n",
}


@nox.session(name="peer-packs", python=PYTHON)
def peer_packs(session: nox.Session) -> None:
    """What a published Node.js pack says about the dev stack: AWSGuard through `gate --up`, as `pulumi up
    --policy-pack` would run it (docs/engine-path.md lists its findings and why the stack differs)."""
    session.install("-e", ".[policy]")
    build_function_packages(session)
    pack = Path("out") / "peer-packs" / "awsguard"
    pack.mkdir(parents=True, exist_ok=True)
    for name, content in AWSGUARD_PACK.items():
        (pack / name).write_text(content, encoding="utf-8")
    session.run("npm", "install", "--prefix", str(pack), "--no-audit", "--no-fund", "--loglevel=error", external=True)
    python = str(Path(session.bin) / "python")
    session.run("python", "-m", "preflight", "gate", "--stack", "dev", "--pack", str(pack), "--up", "--python", python)


@nox.session(python=PYTHON)
def preview(session: nox.Session) -> None:
    """The offline preview of a stack (default: dev): what it would create, per region and type."""
    # The base install only: the command modules import their optional dependencies inside their handlers.
    session.install("-e", ".")
    build_function_packages(session)
    stack = session.posargs[0] if session.posargs else "dev"
    session.run("python", "-m", "preflight", "preview", "--stack", stack)


CHECKOV_VERSION = "3.3.30"
CHECKOV_OUTPUT = Path("out") / "checkov"
CHECKOV_SKIPS = "checkov/skips.yaml"
# No network: no PyPI update check, no guideline mapping fetched from the vendor's API.
CHECKOV_OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
# What the repository scan leaves out: virtualenvs, tool caches, generated output. Hidden directories are scanned
# (.github included), so .git and the dot-caches are named here.
CHECKOV_REPOSITORY_SKIP_PATH = (
    r"(^|/)(\.venv|venv|\.nox|\.git|\.mypy_cache|\.ruff_cache|\.pytest_cache|\.hypothesis|__pycache__|out|build|dist"
    r"|node_modules|[^/]*\.egg-info)(/|$)"
)


def _project_python(session: nox.Session) -> str:
    """A second virtualenv with the project installed: preflight needs pulumi, whose pins Checkov's venv cannot hold."""
    venv = Path(session.virtualenv.location).parent / f"{session.name}-project"
    uv = nox.virtualenv.UV
    # --seed: the function build step runs pip (wheels for the Lambda platform).
    session.run_install(
        uv, "venv", "--quiet", "--seed", "--allow-existing", "--python", PYTHON, str(venv), external=True
    )
    python = str(venv / "bin" / "python")
    session.run_install(uv, "pip", "install", "--quiet", "--python", python, "-e", ".[test]", external=True)
    return python


def _checkov_scan(session: nox.Session, name: str, *arguments: str, env: dict[str, str] | None = None) -> Path:
    """One offline Checkov run writing JSON; the verdict comes from the skip file, so Checkov itself soft-fails."""
    output = CHECKOV_OUTPUT / name
    started = time.perf_counter()
    session.run(
        "checkov", *arguments, "--skip-download", "--soft-fail", "--quiet", "--compact",
        "--output", "json", "--output-file-path", str(output),
        env={**CHECKOV_OFFLINE_ENV, **(env or {})}, silent=True,
    )  # fmt: skip
    session.log(f"checkov {name}: {time.perf_counter() - started:.1f} s")
    return output / "results_json.json"


@nox.session(python=PYTHON)
def checkov(session: nox.Session) -> None:
    """Checkov, pinned, offline, in its own virtualenv: the dev stack's plan, the workflows, every file for secrets.

    Runs the guard tests (unit_tests/checkov_guard: the plan export keeps Checkov's checks able to fail), then fails
    on any failed check that checkov/skips.yaml does not cover with a reason. Results stay in out/checkov/.
    """
    session.install(f"checkov=={CHECKOV_VERSION}")
    project_python = _project_python(session)
    CHECKOV_OUTPUT.mkdir(parents=True, exist_ok=True)
    handlers = sorted(Path("functions").glob("*/handler.py"))
    if not handlers or any(not (Path("build/functions") / handler.parent.name).is_dir() for handler in handlers):
        # The program points its functions at their built packages; `nox -s build` makes the same ones.
        session.run(project_python, "infrastructure/build_functions.py", external=True)

    started = time.perf_counter()
    plan = CHECKOV_OUTPUT / "dev-plan.json"
    # --up: Checkov judges concrete values; in a preview's plan every computed value is unknown (after_unknown) and
    # left out of planned_values, so a check reading one would pass or be skipped rather than see what gets created.
    session.run(
        project_python, "-m", "preflight", "plan", "--stack", "dev", "--up", "--output", str(plan), external=True
    )
    session.log(f"plan export: {time.perf_counter() - started:.1f} s")

    results = [_checkov_scan(session, "plan", "--file", str(plan), "--framework", "terraform_plan")]
    # One run for the repository's own files: the workflows (when there are any) and every file for secrets.
    frameworks = ["github_actions", "secrets"] if Path(".github/workflows").is_dir() else ["secrets"]
    results.append(
        _checkov_scan(
            session, "repository", "--directory", ".", "--framework", *frameworks, "--enable-secret-scan-all-files",
            "--skip-path", CHECKOV_REPOSITORY_SKIP_PATH, env={"CKV_IGNORE_HIDDEN_DIRECTORIES": "false"},
        )
    )  # fmt: skip

    # The guard tests first: they judge the export itself, whatever the stack's findings are.
    checkov_bin = str(Path(session.bin) / "checkov")
    session.run(
        project_python, "-m", "pytest", "unit_tests/checkov_guard", "-p", "no:cacheprovider", *session.posargs,
        env={**CHECKOV_OFFLINE_ENV, "CHECKOV_BIN": checkov_bin}, external=True,
    )  # fmt: skip
    session.run(project_python, "-m", "preflight.plan.checkov_report", "--skips", CHECKOV_SKIPS, *map(str, results),
                external=True)  # fmt: skip
