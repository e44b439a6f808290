"""``BriefPanel``: preview the AI product brief from the decision record and write it as HTML, Markdown or JSON."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import ipywidgets as W

from ...core.brief.document import brief_sections, render_html, write_brief
from ...core.record import load_record
from .._base import MessageArea, default_record_path, esc, guarded

__all__ = ["BriefPanel"]

MAX_DOWNLOAD_MB = 12  # larger files are only written to disk (a data link that big slows the page)
_LABELS = {"html": "HTML (print to PDF from the browser)", "md": "Markdown", "json": "Model-card JSON"}


class BriefPanel(W.VBox):
    """What the brief will contain, a preview, and buttons that write it.

    Parameters
    ----------
    record_path : path, optional
        The decision record (default: ``$AIPM_RECORD`` or ``decision_record.yaml`` here).
    out_dir : path, optional
        Where the files go (default: ``exports/`` next to the record).

    Attributes
    ----------
    result : list of BriefSection
        The brief's sections as last read from the record.
    written : dict
        Format -> path of the last file written.

    Examples
    --------
    >>> panel = BriefPanel(record_path="/tmp/aipm-doctest-brief.yaml")
    >>> panel.result[1].empty
    'No decision yet: run stage 1 (notebook 01_use_case_scoping.ipynb).'
    """

    def __init__(self, record_path: str | Path | None = None, *, out_dir: str | Path | None = None, **kwargs: Any) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.out_dir = Path(out_dir) if out_dir else self.record_path.parent / "exports"
        self.messages = MessageArea()
        self.coverage = W.HTML()
        self.coverage.add_class("aipm-brief-coverage")
        self.links = W.HTML()
        self.links.add_class("aipm-brief-links")
        self.preview = W.HTML(layout=W.Layout(width="100%"))
        self.preview.add_class("aipm-brief-preview")
        self.buttons = {}
        for fmt, label in (("html", "Write the brief (HTML)"), ("md", "Markdown"), ("json", "Model-card JSON")):
            b = W.Button(description=label, icon="file", layout=W.Layout(width="200px" if fmt == "html" else "150px"))
            b.add_class(f"aipm-brief-{fmt}")
            b.on_click(lambda _, f=fmt: self.write(f))
            self.buttons[fmt] = b
        self.buttons["html"].button_style = "primary"
        self.refresh_button = W.Button(description="Refresh from record", icon="refresh", layout=W.Layout(width="180px"))
        self.refresh_button.on_click(lambda _: self.refresh())
        self.result = []
        self.written: dict[str, Path] = {}
        super().__init__([
            self.coverage, W.HBox([*self.buttons.values(), self.refresh_button]), self.messages, self.links,
            W.HTML("<h4 style='margin:10px 0 2px 0'>Preview (charts are in the written file)</h4>"), self.preview,
        ], **kwargs)
        self.refresh()

    @guarded()
    def refresh(self) -> None:
        """Re-read the record: which sections have a decision, and the preview."""
        self.messages.clear()
        record = load_record(self.record_path, create=True)
        self.result = brief_sections(record)
        missing = [s for s in self.result if s.empty]
        done = [s for s in self.result if s.status and not s.empty]
        items = "".join(f"<li>{esc(s.title)}: {esc(s.empty)}</li>" for s in missing)
        self.coverage.value = (
            f"<p><b>{esc(record.project.name)}</b>, iteration {esc(record.project.iteration)}: "
            f"{len(done)} stage section(s) with a decision, {len(missing)} without.</p>"
            + (f"<ul style='color:#7a4d00'>{items}</ul>" if items else "<p style='color:#1e5e2f'>Every stage has a decision.</p>")
        )
        if not self.record_path.exists():
            self.messages.show(f"No decision record yet at {self.record_path}: the brief shows what is missing.", "info")
        page = render_html(record, charts=False)
        self.preview.value = (
            # allow-scripts + allow-modals: the brief's "Print or save as PDF" button calls window.print(), which a
            # bare sandbox blocks. No allow-same-origin: the preview still cannot reach this page or its kernel.
            f"<iframe title='Brief preview' sandbox='allow-scripts allow-modals' srcdoc=\"{esc(page)}\" "
            "style='width:100%;height:640px;border:1px solid #d9dde3;border-radius:4px'></iframe>"
        )

    @guarded()
    def write(self, fmt: str = "html") -> Path:
        """Write the brief as ``product_brief.<html|md|json>`` in ``out_dir`` and offer it as a download."""
        ext = {"html": "html", "md": "md", "json": "json"}[fmt]
        # A missing record still gives a brief: every section then says which stage to run.
        record = load_record(self.record_path, create=True)
        path = write_brief(record, self.out_dir / f"product_brief.{ext}", fmt=fmt)
        self.written[fmt] = path
        size = path.stat().st_size / 2**20
        parts = []
        for f, p in self.written.items():
            mb = p.stat().st_size / 2**20
            text = f"{_LABELS[f]}: <code>{esc(p)}</code> ({mb:.1f} MB)"
            if mb <= MAX_DOWNLOAD_MB:
                mime = {"html": "text/html", "md": "text/markdown", "json": "application/json"}[f]
                data = base64.b64encode(p.read_bytes()).decode("ascii")
                text += f" <a download='{esc(p.name)}' href='data:{mime};base64,{data}' style='font-weight:600'>download</a>"
            parts.append(f"<li>{text}</li>")
        self.links.value = f"<ul>{''.join(parts)}</ul>"
        self.messages.show(f"Wrote {path} ({size:.1f} MB).", "success")
        return path
