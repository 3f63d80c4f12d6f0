"""The program's entry, as the CLI's `pulumi-language-python-exec` runs it (pulumi/pulumi,
sdk/python/cmd/pulumi-language-python-exec, `__main__`): config from PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS,
the runtime configured from the arguments, the working directory changed to --pwd, and the program run with
`runpy.run_path` inside `pulumi.runtime.run_in_stack`.

It runs in the project's own interpreter, which has pulumi but not preflight: it imports only the standard library
and pulumi. Exit codes are the CLI's: 0, 1 after a RunError, 32 after an unhandled exception (the message logged).
"""

import argparse
import asyncio
import json
import logging
import os
import runpy
import sys
import traceback
import types
from concurrent.futures import ThreadPoolExecutor

# Run by path, this file's directory became sys.path[0]; the CLI's copy lives beside the CLI, where nothing can
# shadow a program's imports, so drop it.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import pulumi
import pulumi.runtime

USER_ACTIONABLE_EXIT_CODE = 32
# Not the CLI's: when set, the file where this script writes each invoke's token and the program line that called it.
# Invoke requests carry no source position from the Python SDK, so the program's own stack is the only record of
# where a data source was read (the gate names it when the world answers with a placeholder).
INVOKE_SITES_VARIABLE = "PREFLIGHT_INVOKE_SITES"
_INVOKE_FUNCTIONS = ("invoke", "invoke_single", "invoke_output", "invoke_output_single", "invoke_async")
# Frames of these top-level modules are the SDKs and the runtime, not the program.
_NOT_PROGRAM = ("pulumi", "asyncio", "concurrent", "threading", "runpy", "importlib", "contextlib")


def _program_frame() -> tuple[str, int]:
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".", maxsplit=1)[0].split("_", maxsplit=1)[0] not in _NOT_PROGRAM:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


def _watch_invokes(sites: list) -> None:
    def wrap(original):
        def traced(token, *args, **kwargs):
            sites.append([token, *_program_frame()])
            return original(token, *args, **kwargs)

        return traced

    for name in _INVOKE_FUNCTIONS:
        setattr(pulumi.runtime, name, wrap(getattr(pulumi.runtime, name)))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Execute a Pulumi Python program")
    for option in ("project", "root_directory", "stack", "parallel", "dry_run", "pwd", "monitor", "engine"):
        parser.add_argument(f"--{option}")
    parser.add_argument("--tracing")
    parser.add_argument("--organization")
    parser.add_argument("PROGRAM")
    parser.add_argument("ARGS", nargs="*")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    settings = pulumi.runtime.Settings(
        monitor=args.monitor,
        engine=args.engine,
        project=args.project,
        stack=args.stack,
        parallel=int(args.parallel or 0),
        dry_run=args.dry_run == "true",
        organization=args.organization,
        root_directory=args.root_directory,
    )
    pulumi.runtime.configure(settings)
    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd is not None:
        os.chdir(args.pwd)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=max(settings.parallel or 1, 1) * 4)
    loop.set_default_executor(executor)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    exit_code = 1
    sites: list = []
    sites_file = os.environ.get(INVOKE_SITES_VARIABLE)
    if sites_file:
        _watch_invokes(sites)
    try:

        def run() -> None:
            try:
                runpy.run_path(args.PROGRAM, run_name="__main__")
            except SystemExit as exc:
                # Not the CLI's exec, which lets the process end with the program's code: a program that exits
                # part-way has registered part of its stack, and an exit 0 would pass the gate on that part.
                raise RuntimeError(
                    f"the program called sys.exit({exc.code!r}); a Pulumi program must return normally "
                    "(raise an exception to fail)"
                ) from None

        loop.run_until_complete(pulumi.runtime.run_in_stack(run))
        exit_code = 0
    except pulumi.RunError as exc:
        pulumi.log.error(str(exc))
    except Exception:  # as the CLI's exec: any exception is the program's failure, logged
        pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
        exit_code = USER_ACTIONABLE_EXIT_CODE
    finally:
        executor.shutdown(wait=True)
        loop.close()
        if sites_file:
            with open(sites_file, "w", encoding="utf-8") as written:
                json.dump(sites, written)
        sys.stdout.flush()
        sys.stderr.flush()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
