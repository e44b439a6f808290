"""``aipm init``, ``aipm lab``, ``aipm dashboard``, ``aipm demo-data`` and ``aipm schema``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..core.errors import AipmError

# Voila's websocket carries FileUpload contents; its default (10 MB) fails silently on larger files.
UPLOAD_LIMIT_MB = int(os.environ.get("AIPM_MAX_UPLOAD_MB", "200"))


def voila_command(target: str | Path, *, port: int = 8866, open_browser: bool = False) -> list[str]:
    """The Voila command line the workbook uses: loopback only, upload limit raised, no source shown."""
    size = UPLOAD_LIMIT_MB * 1024 * 1024
    cmd = [
        # The launcher puts the package's page template on JUPYTER_PATH: no icon font from a public CDN.
        sys.executable, "-m", "aipm_widgets.voila_launch", str(target),
        f"--port={port}",
        "--VoilaConfiguration.template=aipm",
        "--Voila.ip=127.0.0.1",
        f"--Voila.tornado_settings={{'websocket_max_message_size': {size}}}",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def lab_command(directory: Path, notebook: str | None = None, *, port: int | None = None) -> list[str]:
    size = UPLOAD_LIMIT_MB * 1024 * 1024
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={directory}",
        f"--ServerApp.tornado_settings={{'websocket_max_message_size': {size}}}",
        # Never phone home: no news feed, no update check.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    if port:
        cmd.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses it otherwise
        cmd.append("--allow-root")
    if notebook:
        cmd.append(str(directory / notebook))
    return cmd


def _init(args) -> int:
    from ..core.paths import notebooks_dir
    from ..core.record import DEFAULT_RECORD_NAME, DecisionRecord, save_record

    target = Path(args.dir)
    if target.exists() and any(target.iterdir()) and not args.force:
        existing = [p.name for p in target.glob("*.ipynb")] + ([DEFAULT_RECORD_NAME] if (target / DEFAULT_RECORD_NAME).exists() else [])
        if existing:
            raise AipmError(
                f"{target} already holds a workbook ({', '.join(sorted(existing)[:4])}); "
                "choose an empty folder, or pass --force to overwrite the notebooks (the record is kept)."
            )
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for nb in sorted(notebooks_dir().glob("*.ipynb")):
        shutil.copy2(nb, target / nb.name)
        copied += 1
    if (notebooks_dir() / "voila.json").exists():  # loopback only, upload limit
        shutil.copy2(notebooks_dir() / "voila.json", target / "voila.json")
    record = target / DEFAULT_RECORD_NAME
    if not record.exists():
        save_record(DecisionRecord.new(args.name, owners=args.owner or []), record)
    print(f"Copied {copied} notebooks and created {record} in {target}.")
    print(f"Next: aipm lab {target}")
    return 0


def _lab(args) -> int:
    from ..core.paths import STAGE_NOTEBOOKS, notebooks_dir

    directory = Path(args.dir) if args.dir else notebooks_dir()
    if not directory.is_dir():
        raise AipmError(f"{directory}: no such folder. Create one with `aipm init {directory}`.")
    start = STAGE_NOTEBOOKS["start"] if (directory / STAGE_NOTEBOOKS["start"]).exists() else None
    cmd = lab_command(directory.resolve(), start, port=args.port)
    print("Starting JupyterLab on 127.0.0.1; open the URL it prints below.", flush=True)
    return subprocess.call(cmd, cwd=directory)


def _dashboard(args) -> int:
    from ..core.paths import notebooks_dir

    target = Path(args.dir) if args.dir else notebooks_dir()
    if not target.exists():
        raise AipmError(f"{target}: no such folder or notebook.")
    print(f"Starting the Voila dashboards on http://127.0.0.1:{args.port}/", flush=True)
    return subprocess.call(voila_command(target.resolve(), port=args.port), cwd=target if target.is_dir() else target.parent)


def _demo_data(args) -> int:
    from ..core.demo import write_demo_data

    written = write_demo_data(args.dir)
    for path in written:
        print(path)
    return 0


def _schema(args) -> int:
    from ..core.record import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.out:
        from ..core.storage import atomic_write_text

        atomic_write_text(args.out, text + "\n")
    else:
        print(text)
    return 0


def register(sub) -> None:
    p = sub.add_parser("init", help="copy the notebooks and a fresh decision record into a working folder")
    p.add_argument("dir")
    p.add_argument("--name", default="Untitled AI product", help="the product's name for the record")
    p.add_argument("--owner", action="append", help="an accountable owner (repeatable)")
    p.add_argument("--force", action="store_true", help="overwrite notebooks in a folder that has them")
    p.set_defaults(func=_init)

    p = sub.add_parser("lab", help="start JupyterLab on the workbook (127.0.0.1)")
    p.add_argument("dir", nargs="?")
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=_lab)

    p = sub.add_parser("dashboard", help="serve the notebooks as Voila dashboards (127.0.0.1)")
    p.add_argument("dir", nargs="?")
    p.add_argument("--port", type=int, default=8866)
    p.set_defaults(func=_dashboard)

    p = sub.add_parser("demo-data", help="write the demo data sets as CSV and Parquet")
    p.add_argument("dir")
    p.set_defaults(func=_demo_data)

    p = sub.add_parser("schema", help="print (or write) the decision record's JSON Schema")
    p.add_argument("--out", help="write to this file instead of printing")
    p.set_defaults(func=_schema)
