"""Slow results behind a button: the page's first controls never wait for them.

Stage 3's label-noise search and learning curve fit several models (tens of seconds on a laptop). On a dashboard
they used to run before anything else appeared. :class:`OnDemand` shows a stored result at once (the demo's, or a
team's from an earlier run: see :mod:`aipm_widgets.core.io.result_cache`), and otherwise a button that computes it with
a progress bar and the elapsed time. :func:`label_noise_panel` and :func:`labels_needed_panel` build one for each.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import ipywidgets as W
import traitlets

from ...core.text.format import count
from .._base import HelpHTML, MessageArea, esc, guarded

__all__ = ["OnDemand", "label_noise_panel", "labels_needed_panel"]


def _html_of(result: Any) -> W.Widget:
    return HelpHTML(result._repr_html_() if hasattr(result, "_repr_html_") else esc(result))


class OnDemand(W.VBox):
    """A result computed only when asked (or shown at once when already stored).

    Parameters
    ----------
    title : str
        What the result is, shown on the button ("Look for wrong labels").
    steps : list of (description, callable)
        Run in order on click; each callable takes the previous step's return value (None for the first). The last
        return value is the result. The progress bar advances one step at a time.
    stored : object, optional
        A result already at hand: shown at once, no button.
    render : callable, optional
        Turns the result into a widget (default: its ``_repr_html_``).
    on_result : callable, optional
        Called with the result once it is there (e.g. to add it to the stage's evidence).
    note : str
        A sentence under the button saying what the computation does and about how long it takes.

    Attributes
    ----------
    result : object or None
        The result once there (stored or computed); a trait, so other sections follow it with
        ``panel.observe(handler, names="result")``.
    """

    result = traitlets.Any(None, allow_none=True, help="The result once stored or computed (not synced)")

    def __init__(self, title: str, steps: list[tuple[str, Callable[[Any], Any]]], *, stored: Any = None,
                 render: Callable[[Any], W.Widget] | None = None, on_result: Callable[[Any], None] | None = None,
                 note: str = "") -> None:
        self.steps = list(steps)
        self.render = render or _html_of
        self.on_result = on_result
        self.seconds: float | None = None
        self.button = W.Button(description=title, icon="play", button_style="primary",
                               layout=W.Layout(width="auto"))
        self.button.add_class("aipm-on-demand-run")
        self.progress = W.IntProgress(value=0, min=0, max=max(1, len(self.steps)),
                                      layout=W.Layout(width="200px", visibility="hidden"))
        self.status = HelpHTML()
        self.note = HelpHTML(f"<span style='font-size:12px;color:#555'>{esc(note)}</span>" if note else "")
        self.messages = MessageArea()
        self.output = W.VBox()
        self.button.on_click(lambda _b: self.run())
        self.controls = W.HBox([self.button, self.progress, self.status])
        super().__init__([self.controls, self.note, self.messages, self.output])
        self.add_class("aipm-on-demand")
        if stored is not None:
            self._show(stored, stored=True)

    @guarded()
    def run(self) -> Any:
        """Compute every step (the button's action); returns the result."""
        self.messages.clear()
        self.button.disabled = True
        self.progress.layout.visibility = "visible"
        self.progress.value = 0
        t0 = time.perf_counter()
        done = False
        try:
            value = None
            for i, (what, fn) in enumerate(self.steps):
                self.status.value = (f"<span style='font-size:12px;color:#555'>{esc(what)} "
                                     f"(step {i + 1} of {len(self.steps)})</span>")
                value = fn(value)
                self.progress.value = i + 1
            done = True
        finally:
            self.button.disabled = False
            if not done:  # the error is shown in words below; no step is left looking as if it still ran
                self.progress.layout.visibility = "hidden"
                self.status.value = ""
        self.seconds = time.perf_counter() - t0
        self._show(value, stored=False)
        return value

    def _show(self, result: Any, *, stored: bool) -> None:
        self.result = result
        self.output.children = [self.render(result)]
        self.progress.layout.visibility = "hidden"
        if stored:
            self.button.layout.display = "none"
            self.controls.layout.display = "none"  # no empty row above a result that was already there
            self.note.value = ""
            self.status.value = ""
        else:
            self.button.description = "Compute again"
            self.button.icon = "refresh"
            self.status.value = (f"<span style='font-size:12px;color:#555'>Done in {self.seconds:.1f} s; "
                                 "stored, so the next page load shows it at once.</span>")
        if self.on_result is not None:
            self.on_result(result)


def label_noise_panel(X: Any, y: Any, *, ids: Any = None, cv: int = 3, top: int = 25, stored: Any = None,
                      on_result: Callable[[Any], None] | None = None) -> OnDemand:
    """Rows whose label a cross-validated model finds unlikely: stored result at once, else a button.

    ``stored`` is a result at hand (the demo's shipped one); otherwise the cache is asked for one.
    """
    from ...core.assessment.label_noise import cached_label_noise, find_label_noise

    if stored is None:
        stored = cached_label_noise(X, y, ids=ids, cv=cv, top=top)
    return OnDemand(
        "Look for wrong labels",
        [(f"Fitting {cv} models on {count(len(X))} labeled rows",
          lambda _v: find_label_noise(X, y, ids=ids, cv=cv, top=top))],
        stored=stored, on_result=on_result,
        note=(f"Fits {cv} models on {count(len(X))} rows, each scoring the rows it did not see, and lists the labels "
              "they find least likely. The result is stored for the next page load."),
    )


def labels_needed_panel(X: Any, y: Any, *, target: float, cv: int = 3, n_boot: int = 100, task: str = "binary",
                        metric: str = "roc_auc", chart: bool = True, stored: Any = None,
                        on_result: Callable[[Any], None] | None = None) -> OnDemand:
    """The learning curve and the labels needed to reach ``target``: stored result at once, else a button.

    ``stored`` is a result at hand (the demo's shipped one); otherwise the cache is asked for one. With
    ``chart=False`` the page draws the chart elsewhere (it follows the panel's ``result``).
    """
    from ...core.assessment.learning_curve import cached_labels_needed, labels_needed

    def render(result: Any) -> W.Widget:
        parts: list[W.Widget] = [_html_of(result)]
        if chart:
            from .learning_curve_chart import learning_curve_figure

            parts.append(learning_curve_figure(result))
        return W.VBox(parts)

    if stored is None:
        stored = cached_labels_needed(X, y, target=target, metric=metric, cv=cv, n_boot=n_boot, task=task)
    panel = OnDemand(
        "Measure the learning curve",
        [(f"Fitting models on growing shares of {count(len(X))} rows",
          lambda _v: labels_needed(X, y, target=target, metric=metric, cv=cv, n_boot=n_boot, task=task))],
        stored=stored, render=render, on_result=on_result,
        note=("Fits models on growing shares of the labeled rows and extrapolates how many labels reach the target. "
              "The result is stored for the next page load."),
    )
    panel.metric = metric  # what the curve scores, for the words around it before it is measured
    return panel
