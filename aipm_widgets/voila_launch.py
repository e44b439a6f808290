"""Start Voila with the workbook's page template (``aipm``: Voila's lab template minus its CDN icon font).

``python -m aipm_widgets.voila_launch NOTEBOOK ...`` is ``voila NOTEBOOK ...`` with the package's own
``share/jupyter`` folder first on ``JUPYTER_PATH``, so the template is found without installing anything
into the environment's data folders. :func:`aipm_widgets.cli.cmd_project.voila_command` uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SHARE = Path(__file__).resolve().parent / "share" / "jupyter"
TEMPLATE = "aipm"


def jupyter_path_with_templates(current: str | None = None) -> str:
    """``JUPYTER_PATH`` with the package's template folder in front (kept once)."""
    parts = [p for p in (current or "").split(os.pathsep) if p and p != str(SHARE)]
    return os.pathsep.join([str(SHARE), *parts])


def main() -> None:
    os.environ["JUPYTER_PATH"] = jupyter_path_with_templates(os.environ.get("JUPYTER_PATH"))
    from voila.app import main as voila_main

    sys.argv[0] = "voila"
    sys.exit(voila_main())


if __name__ == "__main__":
    main()
