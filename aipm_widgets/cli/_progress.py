"""A progress bar on the terminal for the long engine runs of ``aipm monitor`` and ``aipm tradeoff``."""

from __future__ import annotations

import sys
from typing import Any, Callable


def terminal_progress(desc: str, *, quiet: bool) -> tuple[Callable[[str, float], None] | None, Any]:
    """``(progress, bar)``: a callback ``progress(step, share)`` driving a tqdm bar on stderr, and the bar to close;
    ``(None, None)`` when ``quiet`` (JSON output) or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, None
    from tqdm.auto import tqdm

    bar = tqdm(total=100, desc=desc, file=sys.stderr, leave=False, unit="%")

    def progress(step: str, share: float) -> None:
        bar.set_postfix_str(step)
        bar.update(max(0, round(100 * share) - bar.n))

    return progress, bar
