"""``aipm brief --record FILE --out FILE [--format html|md|json]``: the AI product brief from the record."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import AipmError


def _run(args) -> int:
    from ..core.brief.document import write_brief

    record = Path(args.record)
    if not record.exists():
        raise AipmError(f"{record}: no decision record here. Save a stage's decision first, or pass --record with the right path.")
    out_path = args.out or record.resolve().parent / f"product_brief.{args.format or 'html'}"
    out = write_brief(record, out_path, fmt=args.format, charts=not args.no_charts)
    print(f"Wrote the product brief to {out}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("brief", help="write the AI product brief (HTML, Markdown or model-card JSON) from the decision record")
    p.add_argument("--record", required=True, help="the decision record (YAML)")
    p.add_argument("--out", default=None,
                   help="the file to write (product_brief.html, .md or .json; default: product_brief.html beside the record)")
    p.add_argument("--format", choices=["html", "md", "json"], default=None,
                   help="output format (default: from the --out extension, else html)")
    p.add_argument("--no-charts", action="store_true", help="leave the charts out of the HTML (smaller file)")
    p.set_defaults(func=_run)
