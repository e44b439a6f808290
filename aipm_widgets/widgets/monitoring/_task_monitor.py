"""What the monitors of routing (multiclass) and forecast (regression) models share: words and the save."""

from __future__ import annotations

from ...core.record import update_section
from ...core.monitoring.triggers import parse_trigger
from ...core.text import format as fmt
from .._base import esc, guarded


class TaskMonitorMixin:
    """``_render`` and ``save_decision`` for a monitor with ``result``, ``summary``, ``alerts``, ``triggers_box``.

    A subclass sets ``_kind`` (the word in the saved history, e.g. ``"forecast"``) and ``_css`` (its class name) and
    implements ``_run()`` (re-run the monitoring with the triggers in the box).
    """

    _kind = "task"
    _css = "aipm-task-monitor"

    def _render(self) -> None:
        r = self.result
        self.summary.value = f"<div class='{self._css}-summary' style='font-size:14px'>{esc(r.summary())}</div>"
        items = "".join(f"<li><b>{esc(a.window)}</b> {esc(a.kind)}: {esc(a.message)}</li>" for a in r.alerts[:40])
        more = f"<div>... and {fmt.count(len(r.alerts) - 40)} more</div>" if len(r.alerts) > 40 else ""
        notes = "".join(f"<div style='color:#7a4d00;font-size:12px'>Note: {esc(n)}</div>" for n in r.notes)
        self.alerts.value = f"<div class='aipm-alerts'><b>Alerts</b><ul>{items or '<li>none</li>'}</ul>{more}{notes}</div>"

    @guarded()
    def save_decision(self):
        """Parse the triggers, re-run and save the monitoring decision (with the model's task) to the record."""
        texts = [t.strip() for t in self.triggers_box.value.splitlines() if t.strip()]
        for t in texts:
            parse_trigger(t)  # a readable error before anything is saved
        self._run()
        self._render()
        values = self.result.record_values(reference_description=self.reference_description)
        values["status"] = "decided"
        rec = update_section(self.record_path, "monitoring", values,
                             what=f"Monitoring decision ({self._kind}): {len(texts)} trigger(s), {len(self.result.alerts)} alert(s)")
        self.messages.show(f"Saved the monitoring decision to {self.record_path}.", "success")
        return rec
