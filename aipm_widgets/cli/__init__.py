"""The ``aipm`` command.

Subcommands live in modules named ``cmd_*.py`` in this package; each defines
``register(subparsers)`` which adds its parser and sets ``func`` to a function ``(args) -> int``.
Errors a user can fix print one line to stderr and exit 2.
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser



def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message; usage errors exit 2
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except AipmError as exc:
        print(f"aipm {args.command}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as exc:
        print(f"aipm {args.command}: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
