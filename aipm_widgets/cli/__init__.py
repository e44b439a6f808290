"""The ``aipm`` command.

Subcommands live in modules named ``cmd_*.py`` in this package; each defines
``register(subparsers)`` which adds its parser and sets ``func`` to a function ``(args) -> int``.

Exit codes, the same for every command (a scheduler relies on them):

* 0: done, nothing to report;
* 1: only a real finding a scheduler should act on (``monitor``: an alert or retraining trigger fired;
  ``assess``: a blocker was found);
* 2: every error: a bad option, an unreadable file or record, a refused input, and any unexpected
  exception. One line on stderr names what was wrong and what to do; ``--debug`` adds the traceback.

Output cut short by a closed pipe (``aipm monitor ... | head``) is not an error: the rest of the output is
dropped quietly and the exit code is the command's own.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ..core.errors import AipmError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aipm",
        description="aipm-workbook: from 'is this even an AI problem?' to 'the model is drifting, do we retrain?'",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"aipm-workbook {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on an error, print the traceback too (may appear anywhere on the command line)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


DEBUG_FLAG = "--debug"
UNEXPECTED = (
    "unexpected error ({detail}). This is a bug or an input the workbook does not handle yet; nothing was saved "
    "by the failed step. Re-run with --debug for the details and report them."
)


class _PipeSafeStream:
    """Wraps stdout: once the reader has gone (``| head``), further output is dropped instead of raising
    ``BrokenPipeError``, so the command still finishes and exits with its own code."""

    def __init__(self, stream):
        self._stream = stream
        self.broken = False

    def write(self, text):
        if self.broken:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)

    def flush(self):
        if self.broken:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._drop()

    def _drop(self):
        self.broken = True
        import os

        try:  # keep the interpreter's own flush at exit from raising on the closed pipe
            fd = self._stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _shorten_words(text: str) -> str:
    """One line, with any single "word" longer than 200 characters (a 100,000-character column name) cut."""
    from ..core.errors import one_line, short

    return " ".join(short(w, 80) if len(w) > 200 else w for w in one_line(text, 10_000).split(" "))


def _argument_problem(args: argparse.Namespace) -> str | None:
    """Options no command may accept: non-finite numbers (``--threshold inf``/``nan``) and NUL bytes."""
    import math

    for name, value in vars(args).items():
        if name == "func":
            continue
        flag = "--" + name.replace("_", "-")
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(v, float) and not math.isfinite(v):
                return f"{flag} must be a finite number, not {v}."
            if isinstance(v, str) and "\x00" in v:
                return f"{flag} holds a NUL byte; give plain text or a plain file path."
    return None


OUTPUT_OPTIONS = ("html", "out")
"""Options naming a file a command writes: checked before any work, so a typo costs no minutes."""


def _output_problem(args: argparse.Namespace) -> str | None:
    import os
    from pathlib import Path

    from ..core.errors import short

    for name in OUTPUT_OPTIONS:
        value = getattr(args, name, None)
        if not isinstance(value, str) or not value:
            continue
        path = Path(value)
        flag = "--" + name
        if path.is_dir():
            return f"{flag} {short(value)}: this is a folder; give a file name inside it (for example report.html)."
        parent = path.parent if str(path.parent) else Path(".")
        existing = parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            return f"{flag} {short(value)}: {short(existing)} is a file, not a folder; check the path."
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"{flag} {short(value)}: not allowed to write in {short(existing)}; choose a folder you can write to."
    return None


def _os_error_words(exc: OSError) -> str:
    from ..core.errors import short

    where = short(exc.filename) if getattr(exc, "filename", None) is not None else "a file"
    if isinstance(exc, IsADirectoryError):
        return f"{where}: this is a folder; give a file name (for example report.html)."
    if isinstance(exc, NotADirectoryError):
        return f"{where}: part of this path is a file, not a folder; check the path."
    if isinstance(exc, FileNotFoundError):
        return f"{where}: no such file or folder; check the path."
    if isinstance(exc, PermissionError):
        return f"{where}: not allowed (permission denied); choose a path you can read or write."
    if getattr(exc, "errno", None) == 28:
        return f"{where}: the disk is full; free some space and run the command again."
    return f"{where}: {exc.strerror or exc}; check the path."


def main(argv: list[str] | None = None) -> int:
    """Run the ``aipm`` command line; returns the exit code (see the module docstring)."""
    import os
    import traceback

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in argv or os.environ.get("AIPM_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != DEBUG_FLAG]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message; usage errors exit 2, --help 0
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    command = f"aipm {args.command}"
    problem = _argument_problem(args) or _output_problem(args)
    if problem:
        print(f"{command}: {_shorten_words(problem)}", file=sys.stderr)
        return 2
    stdout = sys.stdout
    sys.stdout = guarded = _PipeSafeStream(stdout)
    try:
        code = args.func(args)
        guarded.flush()
        return int(code or 0)
    except AipmError as exc:
        message, failure = str(exc), exc
    except KeyboardInterrupt:
        print(f"{command}: interrupted; files being written were left as they were.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        guarded._drop()
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except OSError as exc:
        message, failure = _os_error_words(exc), exc
    except MemoryError as exc:
        message, failure = "ran out of memory; use a sample of the data or a machine with more memory.", exc
    except RecursionError as exc:
        message, failure = "the input nests too deeply to process; check the file is what you meant to give.", exc
    except Exception as exc:  # noqa: BLE001 - the contract: any failure is one line and exit 2
        message, failure = UNEXPECTED.format(detail=f"{type(exc).__name__}: {exc}"), exc
    finally:
        sys.stdout = stdout
    if debug:
        traceback.print_exception(type(failure), failure, failure.__traceback__, file=sys.stderr)
    print(f"{command}: {_shorten_words(message)}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
