"""``aipm init``, ``aipm lab``, ``aipm dashboard``, ``aipm warm``, ``aipm demo-data`` and ``aipm schema``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..core.errors import AipmError

# How long Voila waits for a cell's output after the kernel said the cell is done. nbclient's default (4 s) is met on
# an idle machine, but 20 workshop pages opened at once on 2 cores delay the output stream by more: the cell's output
# (page 04's explorer) was then left out of the page without a word, on 5 to 7 of 20 pages. Waiting longer costs
# nothing when the output comes; a dead kernel is still noticed at once (nbclient polls it).
IOPUB_TIMEOUT_S = 120

# Voila shows each cell's output as the cell ends (progressive rendering) instead of the whole page at once: a page's
# first controls appear while its later cells run, and a widget's charts (plotly.js: about a second of the browser's main
# thread) are sent after its controls (widgets._base.chart). Measured in issue 13; the README's Performance section.
PROGRESSIVE_RENDERING = True

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
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
        f"--VoilaConfiguration.progressive_rendering={PROGRESSIVE_RENDERING}",
        # Kernels talk to Voila over Unix sockets, not loopback TCP ports: a port picked free can be taken by another
        # process before the kernel binds it ("ZMQError: Address already in use"; seen with two servers on a busy
        # machine), and a progressive page whose kernel died that way never finished loading.
        "--KernelManager.transport=ipc",
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


# ``aipm init`` flag -> project key; errors name the flag as typed (``--volume-per-day``), not the key.
INIT_FLAGS: dict[str, tuple[str, str]] = {
    "description": ("description", "--description"),
    "currency": ("currency", "--currency"),
    "volume_per_day": ("volume_per_day", "--volume-per-day"),
    "target_unit": ("target_unit", "--target-unit"),
    "task": ("task", "--task"),
    "engine": ("engine", "--engine"),
    "validation": ("sources.validation", "--validation"),
    "production": ("sources.production", "--production"),
    "label": ("columns.label", "--label"),
    "positive": ("columns.positive", "--positive"),
    "score": ("columns.score", "--score"),
    "prediction": ("columns.prediction", "--prediction"),
    "proba_columns": ("columns.proba_columns", "--proba-columns"),
    "proba_prefix": ("columns.proba_prefix", "--proba-prefix"),
    "timestamp": ("columns.timestamp", "--timestamp"),
    "id_column": ("columns.id", "--id"),
    "group": ("columns.groups", "--group"),
    "value": ("columns.value", "--value"),
    "features": ("columns.features", "--features"),
}


def _init_changes(args) -> tuple[dict, dict]:
    """The project settings ``aipm init`` was given, and how each was typed (for error messages)."""
    changes: dict = {}
    names = {"name": "--name", "owners": "--owner", "example": "--demo"}
    for attr, (key, flag) in INIT_FLAGS.items():
        value = getattr(args, attr, None)
        names[key] = flag
        if value is None:
            continue
        if attr == "group":  # repeatable, and each may also be comma-separated
            value = [g.strip() for item in value for g in item.split(",") if g.strip()]
        changes[key] = value
    changes["example"] = args.demo  # None: the team's own data
    if args.name is not None:
        changes["name"] = args.name
    elif args.demo is None:
        changes["name"] = Path(args.dir).resolve().name or "Untitled AI product"
    if args.owner:
        changes["owners"] = list(args.owner)
    return changes, names


def _init(args) -> int:
    from ..core.io.paths import notebooks_dir
    from ..core.project import set_project, validate_project_changes
    from ..core.record import DEFAULT_RECORD_NAME, Change, DecisionRecord, current_user, save_record

    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise AipmError(f"{target} is a file; give a folder for the workbook.")
    if target.exists() and any(target.iterdir()) and not args.force:
        existing = [p.name for p in target.glob("*.ipynb")] + ([DEFAULT_RECORD_NAME] if (target / DEFAULT_RECORD_NAME).exists() else [])
        if existing:
            raise AipmError(
                f"{target} already holds a workbook ({', '.join(sorted(existing)[:4])}); "
                "choose an empty folder, or pass --force to overwrite the notebooks (the record is kept)."
            )
    changes, names = _init_changes(args)
    if args.demo is not None and "currency" not in changes:
        from ..core.demo import EXAMPLES

        if args.demo in EXAMPLES:
            changes["currency"] = EXAMPLES[args.demo]().currency
    record = target / DEFAULT_RECORD_NAME
    # Check every setting before anything is written.
    project = validate_project_changes(changes, None, folder=target.resolve(), typed_from=Path.cwd(), names=names)
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for nb in sorted(notebooks_dir().glob("*.ipynb")):
        shutil.copy2(nb, target / nb.name)
        copied += 1
    if (notebooks_dir() / "voila.json").exists():  # loopback only, upload limit
        shutil.copy2(notebooks_dir() / "voila.json", target / "voila.json")
    if record.exists():
        # --force on an existing workbook: the record is kept, the settings given are applied to it.
        given = {k: v for k, v in changes.items()
                 if (k != "name" or args.name is not None) and (k != "example" or args.demo is not None)}
        set_project(record, given, typed_from=Path.cwd(), names=names)
        print(f"Copied {copied} notebooks into {target}; kept {record} and updated its project settings.")
    else:
        rec = DecisionRecord(project=project)
        rec.history.append(Change(who=current_user(), section="project", what=f"Created the record for {project.name!r}"))
        save_record(rec, record)
        print(f"Copied {copied} notebooks and created {record} in {target}.")
    from ..core.project import load_project

    loaded = load_project(record)
    print(f"Project: {loaded.summary()}")
    if not loaded.is_demo:
        # what the model outputs depends on its task: a score (yes/no), per-class probabilities (routing), a number
        output = {"multiclass": "proba_prefix", "regression": "prediction"}.get(loaded.task or "binary", "score")
        missing = loaded.missing("validation", "label", output, "production")
        if output == "proba_prefix" and "proba_prefix" in missing and loaded.columns.proba_columns:
            missing.remove("proba_prefix")
        if missing:
            print("Still to set (`aipm project set KEY=VALUE` or the start page): "
                  + ", ".join(f"sources.{m}" if m in ("validation", "production") else f"columns.{m}" for m in missing))
    print(f"Next: aipm lab {target}")
    return 0


def _record_arg(args) -> Path:
    from ..core.project import record_path

    return record_path(args.record)


def _project_show(args) -> int:
    from ..core.project import load_project
    from ..core.record import current_user

    path = _record_arg(args)
    if not path.exists():
        raise AipmError(f"{path}: no decision record here. Create one with `aipm init DIR` or pass --record FILE.")
    project = load_project(path)
    values = project.settings()
    values["user"] = current_user()
    if args.json:
        print(json.dumps(values, indent=1, default=str))
    else:
        import yaml

        print(f"# {path}")
        print(yaml.safe_dump(values, sort_keys=False, allow_unicode=True, default_flow_style=False).rstrip())
    return 0


def _project_set(args) -> int:
    from ..core.project import parse_assignments, set_project

    path = _record_arg(args)
    if not path.exists():
        raise AipmError(f"{path}: no decision record here. Create one with `aipm init DIR` or pass --record FILE.")
    changes = parse_assignments(args.assignments)
    set_project(path, changes, typed_from=Path.cwd())
    print(f"Saved {', '.join(changes)} in {path}.")
    return 0


def _lab(args) -> int:
    from ..core.io.paths import STAGE_NOTEBOOKS, notebooks_dir

    directory = Path(args.dir) if args.dir else notebooks_dir()
    if not directory.is_dir():
        raise AipmError(f"{directory}: no such folder. Create one with `aipm init {directory}`.")
    start = STAGE_NOTEBOOKS["start"] if (directory / STAGE_NOTEBOOKS["start"]).exists() else None
    cmd = lab_command(directory.resolve(), start, port=args.port)
    print("Starting JupyterLab on 127.0.0.1; open the URL it prints below.", flush=True)
    return subprocess.call(cmd, cwd=directory)


def _dashboard(args) -> int:
    from ..core.io.paths import notebooks_dir

    target = Path(args.dir) if args.dir else notebooks_dir()
    if not target.exists():
        raise AipmError(f"{target}: no such folder or notebook.")
    print(f"Starting the Voila dashboards on http://127.0.0.1:{args.port}/", flush=True)
    # Page 03's checks computed once now, while the first visitors are still on pages 00 to 02.
    warm_in_background(target if target.is_dir() else target.parent)
    return subprocess.call(voila_command(target.resolve(), port=args.port), cwd=target if target.is_dir() else target.parent)


def _warm(args) -> int:
    from ..widgets.pages import warm_caches

    for line in warm_caches(args.record) or ["nothing to warm: the record cannot be read (its pages say why)"]:
        print(f"warmed: {line}")
    return 0


def warm_in_background(cwd: Path) -> subprocess.Popen | None:
    """``aipm warm`` as a low-priority background process (output discarded); None where it cannot start."""
    cmd = [sys.executable, "-m", "aipm_widgets.cli", "warm"]
    if shutil.which("nice"):
        cmd = ["nice", "-n", "10", *cmd]
    try:
        return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, DO_NOT_TRACK="1"))
    except OSError:
        return None


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
        from ..core.record.storage import atomic_write_text

        atomic_write_text(args.out, text + "\n")
    else:
        print(text)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "init", help="copy the notebooks and a decision record describing your product into a working folder",
        description="Create a workbook for your product: the notebooks plus a decision record whose project section "
        "names your data and what each column is. Data files must be inside DIR (or AIPM_DATA_DIR); paths are "
        "stored relative to DIR. Use --demo for the bundled card-fraud example instead.",
    )
    p.add_argument("dir")
    p.add_argument("--demo", nargs="?", const="fraud", default=None, metavar="EXAMPLE",
                   help="use a bundled demo scenario (default: fraud) instead of your own data")
    p.add_argument("--name", default=None, help="the product's name (default: the folder's name)")
    p.add_argument("--owner", action="append", help="an accountable owner (repeatable)")
    p.add_argument("--description", default=None, help="what the product is for, one paragraph")
    p.add_argument("--currency", default=None, metavar="CODE", help="ISO 4217 code of money amounts (default EUR)")
    p.add_argument("--volume-per-day", default=None, metavar="N", help="decisions per day in production")
    p.add_argument("--task", default=None, help="binary, multiclass or regression (default: inferred from the data)")
    p.add_argument("--target-unit", default=None, metavar="WORD",
                   help="a forecast's unit: what the label and prediction are measured in (minutes, MWh...)")
    p.add_argument("--engine", default=None, help="pandas, duckdb or spark for large production data")
    p.add_argument("--validation", default=None, metavar="FILE", help="validation predictions with labels (CSV/Parquet)")
    p.add_argument("--production", default=None, metavar="FILE", help="production log (CSV/Parquet); labels may be missing")
    p.add_argument("--label", default=None, metavar="COL", help="the true outcome column")
    p.add_argument("--positive", default=None, metavar="VALUE", help="the label's positive value if not 1/True")
    p.add_argument("--score", default=None, metavar="COL", help="the model's score column")
    p.add_argument("--prediction", default=None, metavar="COL", help="the model's decision or predicted class column")
    p.add_argument("--proba-columns", default=None, metavar="CLASS=COL,...", help="multiclass: probability column per class")
    p.add_argument("--proba-prefix", default=None, metavar="P", help="multiclass: probability columns are P + class")
    p.add_argument("--timestamp", default=None, metavar="COL", help="when each row was scored")
    p.add_argument("--id", dest="id_column", default=None, metavar="COL", help="row id column")
    p.add_argument("--group", action="append", default=None, metavar="COL", help="a group column for the fairness audit (repeatable)")
    p.add_argument("--value", default=None, metavar="COL", help="money at stake per row, in the currency")
    p.add_argument("--features", default=None, metavar="A,B,...", help="the model's input columns")
    p.add_argument("--force", action="store_true", help="overwrite notebooks in a folder that has them")
    p.set_defaults(func=_init)

    p = sub.add_parser("project", help="show or change the product's settings (data, columns, currency, volume)",
                       description="`aipm project show` prints the record's project section; `aipm project set KEY=VALUE ...` "
                       "changes it (e.g. columns.score=risk sources.production=prod.parquet currency=CHF user='Ana Silva').")
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])
    psub = p.add_subparsers(dest="project_command", metavar="show|set")
    show = psub.add_parser("show", help="print the project settings")
    show.add_argument("--record", default=None, metavar="FILE", help="decision record (default: $AIPM_RECORD or ./decision_record.yaml)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=_project_show)
    setp = psub.add_parser("set", help="change project settings: KEY=VALUE ...")
    setp.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    setp.add_argument("--record", default=None, metavar="FILE", help="decision record (default: $AIPM_RECORD or ./decision_record.yaml)")
    setp.set_defaults(func=_project_set)

    p = sub.add_parser("lab", help="start JupyterLab on the workbook (127.0.0.1)")
    p.add_argument("dir", nargs="?")
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=_lab)

    p = sub.add_parser("dashboard", help="serve the notebooks as Voila dashboards (127.0.0.1)")
    p.add_argument("dir", nargs="?")
    p.add_argument("--port", type=int, default=8866)
    p.set_defaults(func=_dashboard)

    p = sub.add_parser("warm", help="compute the pages' slow results once (page 03's data checks) so visitors do not wait",
                       description="Runs page 03's data checks on the record's data (the demo without a record) and keeps "
                       "the result in the user's cache folder ($AIPM_CACHE_DIR); the page then reads it back at once.")
    p.add_argument("--record", default=None, metavar="FILE", help="decision record (default: $AIPM_RECORD or ./decision_record.yaml)")
    p.set_defaults(func=_warm)

    p = sub.add_parser("demo-data", help="write the demo data sets as CSV and Parquet")
    p.add_argument("dir")
    p.set_defaults(func=_demo_data)

    p = sub.add_parser("schema", help="print (or write) the decision record's JSON Schema")
    p.add_argument("--out", help="write to this file instead of printing")
    p.set_defaults(func=_schema)
