"""``DataAssessment``: can the data carry the product? Readiness, issues, drill-down, waivers, decision.

A thin view over :func:`aipm_widgets.core.assessment.report.assess` (its ``.result`` is the
:class:`~aipm_widgets.core.assessment.report.Assessment`). The team loads a table (upload or path), confirms the
label/id/timestamp columns, runs the checks (with a progress bar), reads the readiness summary and the
issue list (sortable, blockers first), looks at any column's distribution, accepts or waives an issue
with a note, and saves the assessment (spec, issues, waivers) to the ``data`` section of the record.
Everything typed is escaped when shown.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> df = pd.DataFrame({"hour": list(range(24)) * 5 + [27], "amount": range(121), "y": [0, 1, 1] * 40 + [1]})
>>> w = DataAssessment(df, label="y", record_path=pathlib.Path(tempfile.mkdtemp()) / "rec.yaml")
>>> w.result.readiness
'ready with warnings'
>>> w.waive("spec_out_of_range:hour", "test rows from the QA team")
>>> w.result.readiness
'ready'
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as W
import numpy as np

from ...core.assessment.levels import READINESS, SEVERITIES
from ...core.errors import AipmError, InputDataError
from ...core.text.glossary import glossary_html, terms_in
from .._base import (HelpHTML, MessageArea, after_controls, card, chart_later, default_record_path, esc, guarded,
                     figure_widget)
from ..data_loader import DataLoader

if TYPE_CHECKING:  # the checks and pandas load with the table: the page's controls are shown before either
    import pandas as pd

    from ...core.assessment.report import Assessment

__all__ = ["DataAssessment"]

_FIGURE_HEIGHT = 300  # the column chart's height (px)

_SEV_STYLE = {"blocker": ("#8a1c1c", "#fdecea"), "warning": ("#7a4d00", "#fff6e0"), "info": ("#1d4b7a", "#eaf2fb")}
_SORTS = {
    "severity": lambda i: (SEVERITIES.index(i.severity), -i.count),
    "rows affected": lambda i: (-i.count, SEVERITIES.index(i.severity)),
    "column": lambda i: (i.column or "", SEVERITIES.index(i.severity)),
    "check": lambda i: (i.check, SEVERITIES.index(i.severity)),
}
MAX_INLINE_REPORT_MB = 25


class DataAssessment(W.VBox):
    """The stage-3 data assessment as one dashboard.

    Parameters
    ----------
    frame : DataFrame, or a function returning one, optional
        Data to assess right away (otherwise upload a file or type a path). A function is called once the widget's
        controls are on screen (:func:`~aipm_widgets.widgets._base.after_controls`: on a Voila page when the next
        cell starts; elsewhere at once): reading a table, and pandas with it, is 0.5 s or more a page's first
        control need not wait for. Meanwhile the loader says which table it is reading.
    label, id_column, time_column : str, optional
        Roles of columns (guessed when not given).
    ignore : columns
        Left out of the feature checks (e.g. a model's score).
    record_path : path, optional
        The decision record (default ``$AIPM_RECORD`` or ``decision_record.yaml``).
    max_upload_mb : float, optional
        Upload cap (default ``$AIPM_MAX_UPLOAD_MB`` or 200).
    report_dir : path, optional
        Where the full (evidently) report is written (default: next to the record).
    run : bool
        With ``frame``: run the checks at once (default). ``False`` loads the table and its roles and leaves the
        checks to :meth:`run` (or the *Assess the data* button), so a page shows its controls before they finish.

    Attributes
    ----------
    result : Assessment or None
        The current assessment (waivers included).
    evidence : dict
        Extra fields saved with the decision (``label_noise``, ``representativeness``, ``labels_needed``);
        a value may be a callable returning the dict, called at save time.
    """

    def __init__(
        self,
        frame: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
        *,
        label: str | None = None,
        id_column: str | None = None,
        time_column: str | None = None,
        ignore: tuple | list = (),
        name: str = "data",
        record_path: str | Path | None = None,
        max_upload_mb: float | None = None,
        report_dir: str | Path | None = None,
        run: bool = True,
        **kwargs: Any,
    ) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.report_dir = Path(report_dir) if report_dir else self.record_path.resolve().parent / "reports"
        self.ignore = tuple(ignore)
        self.result: Assessment | None = None
        self.evidence: dict[str, Any] = {}
        self.messages = MessageArea()
        self.loader = DataLoader(max_mb=max_upload_mb)
        self.loader.messages = self.messages  # one message area for the whole dashboard
        self.loader.children = tuple(c for c in self.loader.children if c is not self.loader.messages)
        self.assess_button = W.Button(description="Assess the data", icon="check", button_style="primary")
        self.assess_button.add_class("aipm-assess")
        self.assess_button.on_click(lambda _: self.run())
        self.progress = W.IntProgress(value=0, min=0, max=8, description="", layout=W.Layout(width="260px", visibility="hidden"))
        self.progress_label = HelpHTML()
        self.summary = HelpHTML()
        self.summary.add_class("aipm-readiness")
        self.sort_by = W.Dropdown(options=list(_SORTS), value="severity", description="Sort by", layout=W.Layout(width="220px"))
        self.show = W.ToggleButtons(options=["all", *SEVERITIES], value="all", style={"button_width": "70px"})
        self.sort_by.observe(lambda _: self._render_issues(), names="value")
        self.show.observe(lambda _: self._render_issues(), names="value")
        self.issue_table = HelpHTML()
        self.issue_table.add_class("aipm-issues")
        self.waive_issue = W.Dropdown(options=[], description="Issue", layout=W.Layout(width="420px"))
        self.waive_note = W.Text(placeholder="Why the team accepts it (required)", layout=W.Layout(width="360px"))
        self.waive_button = W.Button(description="Accept with note", icon="check-square")
        self.waive_button.on_click(lambda _: self.waive(self.waive_issue.value, self.waive_note.value))
        self.waive_note.add_class("aipm-waive-note")
        self.waive_button.add_class("aipm-waive-button")
        self.column = W.Dropdown(options=[], description="Column", layout=W.Layout(width="320px"))
        self.column.observe(lambda _: self._render_column(), names="value")
        self.column_info = HelpHTML()
        self._spec = None  # a spec the team edited; None: inferred from the data on each run
        narrow = W.Layout(width="170px")
        self.spec_min = W.Text(description="min", layout=narrow, style={"description_width": "40px"})
        self.spec_max = W.Text(description="max", layout=narrow, style={"description_width": "40px"})
        self.spec_allowed = W.Text(description="allowed", placeholder="values, comma-separated",
                                   layout=W.Layout(width="330px"), style={"description_width": "60px"})
        self.spec_nulls = W.Text(description="max missing share", layout=W.Layout(width="240px"),
                                 style={"description_width": "135px"})
        self.spec_button = W.Button(description="Change the spec and re-check", icon="edit", layout=W.Layout(width="240px"))
        self.spec_button.add_class("aipm-spec-edit")
        self.spec_button.on_click(lambda _: self.edit_spec(
            self.column.value, min=self.spec_min.value, max=self.spec_max.value,
            allowed=self.spec_allowed.value, max_null_share=self.spec_nulls.value))
        self._figure = None  # the column's chart, built when first drawn or read (on a Voila page after the controls)
        self.save_button = W.Button(description="Save decision to record", icon="save", button_style="success",
                                    layout=W.Layout(width="220px"))
        self.save_button.add_class("aipm-save-decision")
        self.save_button.on_click(lambda _: self.save())
        self.report_button = W.Button(description="Create full report", icon="file")
        self.report_button.on_click(lambda _: self.make_report())
        self.report_link = HelpHTML()
        self.report_link.add_class("aipm-report-link")
        # One save button per page: here at the end of the widget, or (once decision_panel() is shown) only there.
        self._save_row = W.VBox([W.HBox([self.save_button, self.report_button]), self.report_link])
        self.details = W.VBox(
            [
                HelpHTML("<h4 style='margin:8px 0 2px 0'>Issues</h4>"),
                W.HBox([self.sort_by, self.show]),
                self.issue_table,
                HelpHTML("<h4 style='margin:8px 0 2px 0'>Accept or waive an issue</h4>"),
                W.HBox([self.waive_issue, self.waive_note, self.waive_button]),
                HelpHTML("<h4 style='margin:8px 0 2px 0'>Look at a column</h4>"),
                self.column,
                self.column_info,
                W.HBox([self.spec_min, self.spec_max, self.spec_allowed, self.spec_nulls, self.spec_button],
                       layout=W.Layout(flex_flow="row wrap")),
                chart_later(lambda: self.figure, height=_FIGURE_HEIGHT),
                self._save_row,
            ],
            layout=W.Layout(display="none"),
        )
        super().__init__(
            [self.loader, W.HBox([self.assess_button, self.progress, self.progress_label]), self.messages,
             self.summary, self.details],
            **kwargs,
        )
        self.add_class("aipm-data-assessment")
        self._reading: Callable[[], None] | None = None  # the table given as a function, until it is read
        if callable(frame):
            self.loader.info.value = (f"<span style='font-size:13px'>Reading <b>{esc(name)}</b> ...</span>")
            self._reading = lambda: self._use(frame(), name, label, id_column, time_column)
            after_controls(lambda: self._read_given(run=run))
        elif frame is not None:
            self._use(frame, name, label, id_column, time_column)
            if run:
                self.run()
        # Registered after the initial table so that only uploads and paths trigger it.
        self.loader.on_loaded(lambda _: self._loaded())

    def _use(self, frame: pd.DataFrame, name: str, label: str | None, id_column: str | None,
             time_column: str | None) -> None:
        """Take the table given to the constructor, with the roles given (a role the table lacks is an error)."""
        self.loader.set_frame(frame, name, announce=False)  # the given table is not an upload: no new run
        for d, v in ((self.loader.label, label), (self.loader.id_column, id_column), (self.loader.time_column, time_column)):
            if v is not None:
                if v not in d.options:
                    raise InputDataError(f"Column {v!r} not found. The table has: {', '.join(d.options[1:])}.")
                d.value = v

    @guarded()
    def _read_given(self, *, run: bool = False) -> None:
        """Read the table given as a function (once), then run the checks when asked to; errors in the widget."""
        self._take_given()
        if run and self.loader.frame is not None:
            self.run()

    def _take_given(self) -> None:
        reading, self._reading = self._reading, None
        if reading is not None:
            reading()

    # ------------------------------------------------------------------ actions
    def _loaded(self) -> None:
        """A new table was uploaded or loaded from a path: assess it right away with the guessed roles."""
        self.result = None
        self._spec = None
        self.details.layout.display = "none"
        self.summary.value = ""
        self.report_link.value = ""
        self.run()

    @guarded()
    def run(self) -> None:
        """Run every check on the loaded table with the chosen roles."""
        self._take_given()  # a table given as a function and not read yet (run() in the cell that made the widget)
        frame = self.loader.frame
        if frame is None:
            raise InputDataError("Load a table first: upload a CSV or Parquet file, or type its path.")
        roles = self.loader.roles()
        picked = [v for v in roles.values() if v]
        if len(set(picked)) < len(picked):
            raise InputDataError("The label, id and timestamp must be different columns.")
        restored: dict[str, str] = {}
        if self.result is not None:
            waivers = dict(self.result.waivers)
        else:
            waivers = restored = self._saved_waivers()
        self.progress.layout.visibility = "visible"
        self.progress.value = 0

        def progress(step: str, done: int, total: int) -> None:
            self.progress.max = total
            self.progress.value = done
            self.progress_label.value = f"<span style='font-size:12px;color:#555'>{esc(step)} ({done}/{total})</span>"

        from ...core.assessment.report import assess

        self.result = assess(
            frame, label=roles["label"], id_column=roles["id"], time_column=roles["timestamp"],
            ignore=tuple(c for c in self.ignore if c in frame.columns), waivers=waivers, spec=self._spec,
            progress=progress, source=self.loader.source, cache=True,
        )
        done = (f"the same table was checked before (in {self.result.seconds:.1f} s): results read back"
                if self.result.from_cache else f"done in {self.result.seconds:.1f} s")
        self.progress_label.value = f"<span style='font-size:12px;color:#555'>{done}</span>"
        # An accepted issue the data no longer has is not carried over (there is nothing to accept).
        kept = {k: v for k, v in restored.items() if k in {i.key for i in self.result.issues}}
        self.result.waivers = {k: v for k, v in self.result.waivers.items() if k not in restored or k in kept}
        if roles["label"] is None:
            self.messages.show("No label column chosen: the label checks (imbalance, leakage, conflicts) were skipped.", "warning")
        elif kept:
            self.messages.show(f"{len(kept)} issue(s) the team accepted earlier are marked accepted again, with their "
                               "notes from the decision record (same data).", "info")
        else:
            self.messages.clear()
        self.details.layout.display = "flex"
        self._render()

    def _saved_waivers(self) -> dict[str, str]:
        """The accepted issues and notes saved in the record for this same data source (else none): a page reload
        must not show them as open again, nor drop them at the next save."""
        from ...core.record import load_record

        try:
            data = load_record(self.record_path).data
        except AipmError:
            return {}
        if not data.waivers or not data.source or data.source != self.loader.source:
            return {}
        return {w.key: w.note for w in data.waivers}

    @guarded()
    def waive(self, key: str | None, note: str) -> None:
        """Accept (waive) the issue ``key`` with a note; the note is saved with the decision."""
        if self.result is None:
            raise InputDataError("Assess the data first.")
        if not key:
            raise InputDataError("Choose the issue to accept.")
        if key not in {i.key for i in self.result.issues}:
            raise InputDataError(f"There is no issue {key!r} in this assessment.")
        note = (note or "").strip()
        if not note:
            raise InputDataError("Write why the team accepts this issue: the note is what a reviewer reads later.")
        if len(note) > 2000:
            raise InputDataError("Keep the note under 2,000 characters; link to a longer document instead.")
        self.result.waivers[key] = note
        self.waive_note.value = ""
        self.messages.show(f"Accepted {key} with your note. Save the decision to keep it in the record.", "success")
        self._render()

    @guarded()
    def save(self, extra: dict[str, Any] | None = None) -> None:
        """Save the spec, issues, waivers and summary to the record's ``data`` section."""
        if self.result is None:
            raise InputDataError("Assess the data first.")
        status = "decided" if self.result.readiness != "not ready" else "needs_review"
        # Evidence may be given as callables so the values saved are those on screen at save time.
        evidence = {k: (v() if callable(v) else v) for k, v in self.evidence.items()}
        from ...core.assessment.report import save_to_record

        save_to_record(self.record_path, self.result, status=status, extra={**evidence, **(extra or {})})
        self.messages.show(f"Saved to {self.record_path} (data section: {self.result.readiness}).", "success")

    @guarded()
    def make_report(self) -> Path | None:
        """Write evidently's full data report as an HTML file and offer it as a download."""
        if self.loader.frame is None:
            raise InputDataError("Load a table first.")
        self.report_link.value = "<i>Writing the full report (evidently; this takes a few seconds)...</i>"
        stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(self.loader.source or "data").stem)[:60]
        from ...core.assessment.report import full_report

        path = full_report(self.loader.frame, self.report_dir / f"data_report_{stem or 'data'}.html")
        size_mb = path.stat().st_size / 2**20
        link = f"Full report written to <code>{esc(path)}</code> ({size_mb:.1f} MB)."
        if size_mb <= MAX_INLINE_REPORT_MB:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            link += (
                f" <a download='{esc(path.name)}' href='data:text/html;base64,{data}' "
                "style='font-weight:600'>Download it</a> and open it in a browser."
            )
        self.report_link.value = link
        if self.result is not None:
            try:
                from ...core.record import update_section

                update_section(self.record_path, "data", {"report_path": str(path)}, what="Wrote the full data report")
            except AipmError as exc:
                self.messages.show(str(exc), "warning")
        return path

    @guarded()
    def edit_spec(self, column: str, *, min: str = "", max: str = "", allowed: str = "", max_null_share: str = "") -> None:
        """Change the data spec of one column (empty text: not checked) and re-run the checks with it.

        The edited spec is what gets saved, and what monitoring later checks production data against.
        """
        if self.result is None:
            raise InputDataError("Assess the data first.")
        spec = copy.deepcopy(self.result.spec)
        if column not in spec.columns:
            raise InputDataError(f"The spec has no column {column!r}.")
        cs = spec.columns[column]

        def number(text: str, what: str) -> float | None:
            text = (text or "").strip()
            if not text:
                return None
            try:
                value = float(text)
            except ValueError:
                raise InputDataError(f"The {what} of {column!r} must be a number (or empty for no limit), not {text!r}.") from None
            if not np.isfinite(value):
                raise InputDataError(f"The {what} of {column!r} must be a finite number.")
            return value

        lo, hi = number(min, "minimum"), number(max, "maximum")
        if lo is not None and hi is not None and lo > hi:
            raise InputDataError(f"The minimum of {column!r} ({lo:g}) is above its maximum ({hi:g}).")
        share = number(max_null_share, "allowed missing share")
        if share is not None and not 0 <= share <= 1:
            raise InputDataError("The allowed missing share is a fraction between 0 and 1 (0.05 = 5%).")
        if cs.kind in ("number", "integer"):
            cs.min, cs.max = lo, hi
        elif lo is not None or hi is not None:
            raise InputDataError(f"{column!r} holds {cs.kind} values: a numeric range does not apply.")
        values = [v.strip() for v in (allowed or "").split(",") if v.strip()]
        if values and cs.kind not in ("category", "flag", "text"):
            raise InputDataError(f"{column!r} holds {cs.kind} values: a list of allowed values does not apply.")
        if cs.kind in ("category", "flag", "text"):
            cs.allowed = values or None
        cs.max_null_share = share
        cs.nullable = share is None or share > 0
        cs.note = "edited by the team"
        self._spec = spec
        self.run()
        if not self.messages.errors:
            self.messages.show(f"Spec of {column!r} changed; the checks ran again with it. Save the decision to keep it.", "success")

    def decision_panel(self) -> W.VBox:
        """The decision block for the end of the notebook: the verdict, the one save button and the messages.

        The save button moves here from the widget above, so the page never shows two of them.
        """
        self._save_row.children = ()
        return W.VBox([self.summary, W.HBox([self.save_button, self.report_button]), self.report_link, self.messages])

    # ------------------------------------------------------------------ views
    def _render(self) -> None:
        a = self.result
        if a is None:
            return
        c = a.counts()
        tone = {"not ready": "error", "ready with warnings": "warning", "ready": "success"}[a.readiness]
        waived = len(a.issues) - len(a.open_issues)
        self.summary.value = (
            "<div style='margin:6px 0'>"
            + card("Readiness", a.readiness, READINESS[a.readiness], tone=tone)
            + card("Blockers", str(c["blocker"]), "must be fixed or waived", tone="error" if c["blocker"] else "success")
            + card("Warnings", str(c["warning"]), "fix or accept with a note", tone="warning" if c["warning"] else "success")
            + card("Notes", str(c["info"]), "worth knowing", tone="info")
            + card("Rows x columns", f"{a.rows:,} x {a.columns}", esc(a.source or ""), tone="info")
            + (card("Accepted", str(waived), "issues waived with a note", tone="info") if waived else "")
            + "</div>"
        )
        self._render_issues()
        options = [(f"{i.severity} | {i.column or '(table)'} | {i.check}", i.key) for i in a.issues if i.key not in a.waivers]
        self.waive_issue.options = options
        self.waive_issue.value = options[0][1] if options else None
        cols = [str(x) for x in self.loader.frame.columns]
        first = self.column.value if self.column.value in cols else next(
            (i.column for i in a.open_issues if i.column in cols), cols[0])
        self.column.options = cols
        if self.column.value == first:
            self._render_column()
        else:
            self.column.value = first

    def _render_issues(self) -> None:
        a = self.result
        if a is None:
            return
        issues = [i for i in a.issues if self.show.value in ("all", i.severity)]
        issues.sort(key=_SORTS[self.sort_by.value])
        if not issues:
            self.issue_table.value = "<p>No issues of this kind.</p>"
            return
        rows = []
        for i in issues:
            fg, bg = _SEV_STYLE[i.severity]
            note = a.waivers.get(i.key)
            waived = (
                f"<div style='color:#1e5e2f;font-size:12px'><b>Accepted:</b> {esc(note)}</div>" if note else ""
            )
            rows.append(
                f"<tr class='aipm-issue aipm-issue-{esc(i.severity)}' style='{'opacity:0.6' if note else ''}'>"
                f"<td><span style='color:{fg};background:{bg};padding:1px 6px;border-radius:4px;font-weight:600'>"
                f"{esc(i.severity)}</span></td><td><code>{esc(i.column or '(table)')}</code></td>"
                f"<td style='text-align:right'>{i.count:,}</td>"
                f"<td>{esc(i.message)}<div style='color:#555;font-size:12px'>What to do: {esc(i.action)}</div>{waived}</td></tr>"
            )
        self.issue_table.value = (
            "<table style='border-collapse:collapse;width:100%;font-size:13px' cellpadding='4'>"
            "<tr style='text-align:left;border-bottom:1px solid #ccc'><th>severity</th><th>column</th><th>rows</th>"
            "<th>what we found</th></tr>" + "".join(rows) + "</table>"
            + glossary_html(terms_in(*(f"{i.message} {i.action}" for i in issues)))
        )

    @property
    def figure(self):
        """The chosen column's distribution (a plotly FigureWidget), built on first use."""
        if self._figure is None:
            self._figure = figure_widget()
            self._figure.update_layout(height=_FIGURE_HEIGHT, margin=dict(l=40, r=10, t=40, b=40), showlegend=False,
                                       bargap=0.05)
        return self._figure

    def _render_column(self) -> None:
        a = self.result
        frame = self.loader.frame
        col = self.column.value
        if a is None or frame is None or col not in frame.columns:
            return
        s = frame[col]
        spec = a.spec.columns.get(col)
        col_issues = [i for i in a.issues if i.column == col]
        lines = [f"<b>{esc(col)}</b>: {esc(spec.kind if spec else '?')}"]
        if spec and (spec.min is not None or spec.max is not None):
            lo = "no minimum" if spec.min is None else f"{spec.min:,.6g}"
            hi = "no maximum" if spec.max is None else f"{spec.max:,.6g}"
            lines.append(f"allowed range {esc(lo)} to {esc(hi)}" + (f" ({esc(spec.note)})" if spec.note else ""))
        if spec and spec.allowed:
            lines.append("allowed values: " + esc(", ".join(spec.allowed[:12])) + (" ..." if len(spec.allowed) > 12 else ""))
        info = "; ".join(lines)
        if col_issues:
            info += "<ul style='margin:2px 0'>" + "".join(f"<li>{esc(i.severity)}: {esc(i.message)}</li>" for i in col_issues) + "</ul>"
        self.column_info.value = f"<div style='font-size:13px'>{info}</div>"
        if spec is not None:
            self.spec_min.value = "" if spec.min is None else f"{spec.min:.6g}"
            self.spec_max.value = "" if spec.max is None else f"{spec.max:.6g}"
            self.spec_allowed.value = ", ".join(spec.allowed) if spec.allowed else ""
            self.spec_nulls.value = "" if spec.max_null_share is None else f"{spec.max_null_share:g}"
            numeric = spec.kind in ("number", "integer")
            self.spec_min.disabled = self.spec_max.disabled = not numeric
            self.spec_allowed.disabled = numeric or spec.kind == "datetime"
        sample = s.sample(50_000, random_state=0) if len(s) > 50_000 else s
        from ...core.assessment.spec import disguised_null_mask, numeric_values

        values = numeric_values(sample)
        markers = disguised_null_mask(sample)
        fig = self.figure
        with fig.batch_update():
            fig.data = []
            fig.layout.shapes = []
            fig.layout.xaxis.type = "-"
            if values is not None and values.nunique() > 30:
                fig.add_histogram(x=values.dropna().to_numpy(), marker_color="#4c78a8", nbinsx=60, name="values")
                fig.layout.shapes = [
                    dict(type="line", x0=b, x1=b, y0=0, y1=1, yref="paper", line=dict(dash="dash", color="#8a1c1c"))
                    for b in ((spec.min, spec.max) if spec else ()) if b is not None
                ]
                fig.layout.xaxis.title = col
                fig.layout.yaxis.title = "rows" + (" (sample of 50,000)" if len(s) > 50_000 else "")
            else:
                shown = sample.astype(object).where(sample.notna(), "(missing)")
                counts = shown.astype(str).value_counts().head(30)
                marker_values = set(sample[markers].astype(str)) | {"(missing)"}
                if spec and spec.max is not None and values is not None:
                    bad = set(sample[(values > spec.max) | (values < spec.min)].astype(str)) if spec.min is not None else set()
                    marker_values |= bad
                colors = ["#c0392b" if v in marker_values else "#4c78a8" for v in counts.index]
                labels = ["(empty)" if v.strip() == "" else v for v in counts.index]
                fig.add_bar(x=labels, y=counts.to_numpy(), marker_color=colors)
                fig.layout.xaxis.type = "category"
                fig.layout.xaxis.title = f"{col} (red: missing, placeholder or out of range)"
                fig.layout.yaxis.title = "rows" + (" (sample of 50,000)" if len(s) > 50_000 else "")
            fig.layout.title = f"{col}: {len(col_issues)} issue(s)"
