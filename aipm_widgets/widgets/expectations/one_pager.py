"""``ExpectationsOnePager``: the stakeholder one-pager, edited by the team, previewed live, exported and saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as W

from ...core.errors import AipmError
from ...core.expectations.one_pager import OnePager
from ...core.record import update_section
from .._base import HelpHTML, MessageArea, default_record_path, esc, guarded

__all__ = ["ExpectationsOnePager"]

MAX_FIELD_CHARS = 5_000
MAX_ITEMS = 30


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ExpectationsOnePager(W.VBox):
    """Edit what the model does, does not do and how it fails; see the one-pager with its measured errors.

    The numbers (threshold, error rates with intervals, icon array) come from ``pager``, or from the
    decision record (stage 4's saved threshold and confusion counts), else the demo's fraud validation
    data. The text fields start from what the record saved last, else from the demo's wording.

    ``pager`` may also be a routing or forecast one-pager
    (:class:`~aipm_widgets.core.expectations.routing_one_pager.RoutingOnePager`,
    :class:`~aipm_widgets.core.expectations.forecast_one_pager.ForecastOnePager`): the editor then names the two
    sides of the confidence threshold or of the tolerance, and there is no icon array.

    Parameters
    ----------
    pager : OnePager, RoutingOnePager or ForecastOnePager, optional
        The one-pager to start from.
    record_path : path, optional
        The decision record (default ``$AIPM_RECORD`` or ``decision_record.yaml``).
    export_dir : path, optional
        Where the export buttons write ``one_pager.html`` and ``one_pager.md`` (default: an ``exports``
        folder next to the record).
    notice : str, optional
        A sentence shown above the buttons as a warning (e.g. the saved one-pager is out of date).

    Examples
    --------
    >>> w = ExpectationsOnePager(record_path="/tmp/aipm-doctest-onepager.yaml")
    >>> w.does.value = "Flags payments for review"
    >>> w.result.does
    ['Flags payments for review']
    """

    def __init__(
        self,
        pager: OnePager | None = None,
        *,
        record_path: str | Path | None = None,
        export_dir: str | Path | None = None,
        notice: str = "",
        **kwargs: Any,
    ) -> None:
        self.record_path = Path(record_path) if record_path else default_record_path()
        self.export_dir = Path(export_dir) if export_dir else self.record_path.parent / "exports"
        self.messages = MessageArea()
        self._notice = notice
        if pager is None:
            try:
                pager = OnePager.from_record(self.record_path)
            except AipmError as exc:
                pager = OnePager.from_demo()
                self._notice = f"The decision record could not be used, so the demo's numbers are shown: {exc}"
        self._base = pager
        self.result: OnePager = pager

        area = dict(layout=W.Layout(width="100%", height="96px"), continuous_update=False)
        self.title = W.Text(value=pager.title, description="Title", layout=W.Layout(width="100%"), continuous_update=False)
        self.does = W.Textarea(value="\n".join(pager.does), placeholder="One sentence per line", **area)
        self.does_not = W.Textarea(value="\n".join(pager.does_not), placeholder="One sentence per line", **area)
        self.failure_modes = W.Textarea(value="\n".join(pager.failure_modes), placeholder="One failure mode per line", **area)
        small = dict(layout=W.Layout(width="100%", height="60px"), continuous_update=False)
        self.above_threshold = W.Textarea(value=pager.above_threshold, **small)
        self.below_threshold = W.Textarea(value=pager.below_threshold, **small)
        self.per = W.ToggleButtons(options=[("out of 100", 100), ("out of 1,000", 1000)], value=1000,
                                   description="Icon array", style={"button_width": "110px"})
        if not getattr(pager, "has_icon_array", True):
            self.per.layout.display = "none"
        above_label, below_label = pager.editor_labels()
        self.preview = HelpHTML()
        self.export_html_button = W.Button(description="Export HTML", icon="download")
        self.export_md_button = W.Button(description="Export Markdown", icon="download")
        self.save_button = W.Button(description="Save one-pager to record", button_style="primary", icon="save",
                                    layout=W.Layout(width="auto"))
        self.export_html_button.on_click(lambda _: self.export("html"))
        self.export_md_button.on_click(lambda _: self.export("md"))
        self.save_button.on_click(lambda _: self.save())

        def label(text: str) -> W.HTML:
            return W.HTML(f"<b>{esc(text)}</b>")

        editor = W.VBox(
            [
                self.title,
                label("What it does (one per line)"), self.does,
                label("What it does not do (one per line)"), self.does_not,
                label("Known failure modes (one per line)"), self.failure_modes,
                label(above_label), self.above_threshold,
                label(below_label), self.below_threshold,
            ],
            layout=W.Layout(width="42%", min_width="320px", padding="0 12px 0 0"),
        )
        right = W.VBox([self.per, self.preview], layout=W.Layout(width="58%"))
        buttons = W.HBox([self.save_button, self.export_html_button, self.export_md_button])
        super().__init__([W.HBox([editor, right], layout=W.Layout(flex_flow="row wrap")), buttons, self.messages], **kwargs)
        self.add_class("aipm-one-pager-widget")
        for w in (self.title, self.does, self.does_not, self.failure_modes, self.above_threshold, self.below_threshold, self.per):
            w.observe(self._on_change, names="value")
        self._update()

    # ----- state --------------------------------------------------------------------------------
    def _read_text(self) -> dict[str, Any]:
        fields = {
            "title": self.title.value.strip() or self._base.title,
            "does": _lines(self.does.value),
            "does_not": _lines(self.does_not.value),
            "failure_modes": _lines(self.failure_modes.value),
            "above_threshold": self.above_threshold.value.strip(),
            "below_threshold": self.below_threshold.value.strip(),
        }
        for key, value in fields.items():
            items = value if isinstance(value, list) else [value]
            if len(items) > MAX_ITEMS:
                raise AipmError(f"{key.replace('_', ' ')}: {len(items)} lines is too many for a one-pager; keep it to {MAX_ITEMS}.")
            for item in items:
                if len(item) > MAX_FIELD_CHARS:
                    raise AipmError(f"{key.replace('_', ' ')}: a line of {len(item):,} characters is too long; keep each under {MAX_FIELD_CHARS:,}.")
        return fields

    @guarded()
    def _on_change(self, change: dict) -> None:
        self._update()

    def _update(self) -> None:
        self.result = self._base.with_text(**self._read_text())
        warnings = [self._notice] if self._notice else []
        if not self.result.does_not:
            warnings.append("Say what the model does NOT do: people assume the rest.")
        if not self.result.below_threshold:
            if self.result.task == "binary":
                warnings.append("Say what happens below the threshold (who reviews, what passes unchecked).")
            else:
                warnings.append(f"Say what happens {self.result.editor_labels()[1][0].lower()}"
                                f"{self.result.editor_labels()[1][1:]}: who notices, who acts.")
        if warnings:
            self.messages.show("\n".join(warnings), "warning")
        elif self.messages.messages and self.messages.messages[0][0] != "success":
            self.messages.clear()
        self.preview.value = (
            "<div style='border:1px solid #ddd;border-radius:6px;padding:4px 14px;background:#fff'>"
            f"{self.result.to_html_fragment(per=self.per.value)}</div>"
        )

    # ----- actions ------------------------------------------------------------------------------
    @guarded()
    def export(self, fmt: str = "html") -> Path:
        """Write the one-pager as ``one_pager.html`` or ``one_pager.md`` into ``export_dir``."""
        self._update()
        if fmt not in ("html", "md"):
            raise AipmError(f"Export as 'html' or 'md', not {fmt!r}.")
        path = self.result.export(self.export_dir / f"one_pager.{fmt}", per=self.per.value)
        self.messages.show(f"Exported to {path}", "success")
        return path

    @guarded()
    def save(self) -> None:
        """Save the one-pager (text and measured numbers) to the record's ``expectations`` section."""
        self._update()
        values = {"one_pager": self.result.to_record(), "status": "decided", "summary": self.result.summary()}
        update_section(self.record_path, "expectations", values, what="Saved the stakeholder one-pager")
        self.messages.show(f"Saved to {self.record_path} (expectations section).", "success")
