"""Shared pieces of every widget: the message area, safe callbacks, escaping and the record path."""

from __future__ import annotations

import functools
import html
import logging
import os
import traceback
from pathlib import Path
from typing import Any, Callable

import ipywidgets as W
import traitlets

from ..core.errors import AipmError
from ..core.text.glossary import annotate_html

__all__ = ["esc", "MessageArea", "HelpHTML", "guarded", "default_record_path", "card", "figure_widget", "chart",
           "chart_later", "after_controls", "draw_charts"]

log = logging.getLogger("aipm_widgets")

_STYLES = {
    "error": ("#8a1c1c", "#fdecea", "#f5c2c0"),
    "warning": ("#7a4d00", "#fff6e0", "#f3d9a4"),
    "info": ("#1d4b7a", "#eaf2fb", "#bcd3ee"),
    "success": ("#1e5e2f", "#e9f6ec", "#b9dfc3"),
}


def esc(text: Any) -> str:
    """Escape any value for HTML (user text is never trusted)."""
    return html.escape("" if text is None else str(text), quote=True)


class MessageArea(W.HTML):
    """A box for messages in words: errors, warnings, confirmations. All text is escaped.

    ``kind`` is ``error``, ``warning``, ``info`` or ``success``. ``show(...)`` replaces the content;
    ``clear()`` hides it. ``.messages`` keeps the current ``(kind, text)`` pairs for tests.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.messages: list[tuple[str, str]] = []
        self.add_class("aipm-messages")

    def show(self, text: str, kind: str = "info", *, append: bool = False) -> None:
        if not append:
            self.messages = []
        self.messages.append((kind, str(text)))
        self._render()

    def clear(self) -> None:
        self.messages = []
        self._render()

    def _render(self) -> None:
        parts = []
        for kind, text in self.messages:
            fg, bg, border = _STYLES.get(kind, _STYLES["info"])
            body = "<br>".join(esc(line) for line in text.splitlines())
            parts.append(
                f'<div class="aipm-msg aipm-msg-{kind}" role="{"alert" if kind == "error" else "status"}" '
                f'style="color:{fg};background:{bg};border:1px solid {border};border-radius:4px;'
                f'padding:6px 10px;margin:4px 0;white-space:normal">{body}</div>'
            )
        self.value = annotate_html("".join(parts))

    @property
    def errors(self) -> list[str]:
        return [t for k, t in self.messages if k == "error"]


class HelpHTML(W.HTML):
    """An HTML widget whose technical terms carry their glossary help: the first mention of each term in the value
    gets a dotted underline and a small "?", both with the plain-words definition on hover
    (:func:`aipm_widgets.core.text.glossary.annotate_html`). Use it for any HTML a product manager reads."""

    @traitlets.validate("value")
    def _with_help(self, proposal: Any) -> str:
        return annotate_html(proposal["value"])


def guarded(messages_attr: str = "messages") -> Callable:
    """Decorate a widget method used as a callback: any exception is shown in words, never lost.

    An :class:`AipmError` shows its message as is. Any other exception shows a short sentence with the
    exception's type and message (the traceback goes to the log), because in Voilà an exception in a
    callback otherwise vanishes silently.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            area: MessageArea | None = getattr(self, messages_attr, None)
            try:
                return fn(self, *args, **kwargs)
            except AipmError as exc:
                if area is None:
                    raise
                area.show(str(exc), "error")
            except Exception as exc:  # noqa: BLE001 - shown to the user, logged with traceback
                log.error("callback %s failed:\n%s", fn.__name__, traceback.format_exc())
                if area is None:
                    raise
                area.show(
                    f"Something went wrong ({type(exc).__name__}: {exc}). Your saved decisions are safe; "
                    "change the input and try again, or report this with the steps that led to it.",
                    "error",
                )
            return None

        return wrapper

    return decorate


_TRACES_DRAWN = ("scatter", "bar", "heatmap")
"""The trace types the widgets draw: the only ones whose part of plotly's default template they carry."""


@functools.lru_cache(maxsize=1)
def _light_template() -> dict:
    """Plotly's default look (template "plotly"): its layout, and its trace defaults for :data:`_TRACES_DRAWN` only.

    The full template also styles the 20-odd trace types the workbook never draws; validating those on the first
    figure of a kernel costs about 0.2 s and every figure sends them to the browser (7.5 kB against 3.5 kB).
    """
    import plotly.io as pio

    full = pio.templates["plotly"]
    data = full.data.to_plotly_json()
    return {"layout": full.layout.to_plotly_json(), "data": {k: data[k] for k in _TRACES_DRAWN if k in data}}


def figure_widget(data: Any = None, layout: Any = None, **kwargs: Any):
    """``plotly.graph_objects.FigureWidget(data, layout, ...)`` with the default look built from a light template.

    A figure that names its own template, or a session whose default template is not plotly's (a team's theme:
    ``plotly.io.templates.default = ...``), is left to plotly.
    """
    import plotly.graph_objects as go
    import plotly.io as pio

    if pio.templates.default == "plotly":
        if layout is None:
            layout = {}
        elif not isinstance(layout, dict):
            layout = layout.to_plotly_json()
        if layout.get("template") is None:
            layout = {**layout, "template": _light_template()}
    cls = _chart_figure_class() if charts_after_controls() else go.FigureWidget
    return cls(data=data, layout=layout, **kwargs)


MOVE_IN_PLACE = {"mode": "immediate", "transition": {"duration": 0, "easing": "linear"},
                 "frame": {"duration": 0, "redraw": False}}
"""plotly.js ``animate`` options for :func:`move_traces`: no transition, a new move replaces one not yet drawn, and
no redraw of the chart."""


def move_traces(fig: Any, changes: dict[int, dict[str, Any]]) -> None:
    """Set some traces' properties (``{trace index: {"x": [...], "error_x.array": [...]}}``) and have the browser
    draw only those traces again, not the whole chart.

    ``plotly_restyle`` makes plotly.js redraw the whole chart (axes, ticks, legend, every trace): 30 to 40 ms of the
    browser's main thread per chart on the 2-core machine, whatever moved. A marker following a slider needs none of
    that: plotly's ``animate`` with the redraw off draws the named traces only (the demo explorer's two markers: 22 to
    24 ms a move for both charts against 66 to 70 ms, measured in Chromium; issue 13). Only for traces whose change
    leaves the axes, legend and other traces as they are, on scatter traces (plotly animates those); anything else
    (a heatmap's values, shapes, ranges) goes through ``plotly_restyle``/``batch_update`` as usual. In Python the
    figure holds the new values at once, as with any update.
    """
    if fig._in_batch_mode:  # inside someone's batch_update: their update sends it with the rest
        for index, props in changes.items():
            for path, value in props.items():
                fig.data[index][path] = value
        return
    # What plotly_restyle does (set and validate in Python, tell the browser, call the figure's listeners), with
    # plotly's animate message in place of its restyle message.
    applied = {index: fig._perform_plotly_restyle({k: [v] for k, v in props.items()}, [index])
               for index, props in changes.items()}
    fig._send_animate_msg(styles_data=list(changes.values()), relayout_data={}, trace_indexes=list(changes),
                          animation_opts=MOVE_IN_PLACE)
    for index, done in applied.items():
        if done:
            fig._dispatch_trace_change_callbacks(done, [index])


# -- charts after controls (issue 13) ------------------------------------------------------------------------------
# A plotly chart makes the browser load and run plotly.js (4.5 MB, about a second of a laptop's main thread) before it
# paints anything else: a page's first slider or button waited for it. On a Voila page (which runs its cells one by
# one and shows each cell's output as it comes: ``progressive_rendering``), a widget's charts are therefore told to
# the browser only when the next cell starts, after the cell's controls are on their way: the controls show at once,
# the charts a moment later, each in a place kept for it at its size. In JupyterLab, and anywhere not Voila, a chart
# is an ordinary FigureWidget drawn at once. A widget can also leave the building of its charts (chart_later) and
# its first computation (after_controls) for that moment: the monitor's drift and the explorer's cost curve are a few
# tenths of a second that a page's first control no longer waits for.

CHART_FALLBACK_S = 1.0
"""Seconds after a cell ends by which its charts are drawn when no next cell starts (a page's last cell)."""

_PENDING: list[tuple[Any, W.Box]] = []  # (figure, or the function making it; the place kept for it), in placing order
_WORK: list[Callable[[], Any]] = []  # work a cell left for after its controls (after_controls), in the order it came


def charts_after_controls(env: dict[str, str] | None = None) -> bool:
    """True when this kernel serves a Voila page (it sets ``VOILA_*`` variables) and ``AIPM_CHARTS_AT_ONCE`` is unset."""
    env = os.environ if env is None else env
    if env.get("AIPM_CHARTS_AT_ONCE"):
        return False
    return any(k in env for k in ("VOILA_REQUEST_URL", "VOILA_BASE_URL", "VOILA_PREHEAT"))


@functools.lru_cache(maxsize=1)
def _chart_figure_class() -> type:
    import plotly.graph_objects as go

    class ChartFigureWidget(go.FigureWidget):
        """A FigureWidget the browser hears of only when it is drawn (:func:`chart`, :func:`draw_charts`).

        Until then it is a complete plotly figure in Python (every property can be set and read; nothing is sent).
        Anything that needs it in the browser (being displayed, or put in a box other than :func:`chart`'s) draws it.

        It also sends fewer messages per update: after every restyle the browser reports plotly.js's computed deltas,
        and a plain FigureWidget answers each report twice (ipywidgets' echo of it, then the cleared value) and follows
        each of its own restyle/relayout messages with a cleared one. None of these is read by the browser; dropping
        them takes a threshold move from about 23 messages to 12 (issue 13: 20 sessions on one server).
        """

        _aipm_held = True

        def trait_metadata(self, traitname: str, key: str, default: Any = None) -> Any:
            if key == "echo_update" and traitname.startswith("_js2py_"):
                return False  # the browser's reports of what plotly.js computed: never echoed back to it
            return super().trait_metadata(traitname, key, default)

        def _should_send_property(self, key: str, value: Any) -> bool:
            if value is None and key.startswith(("_js2py_", "_py2js_")):
                return False  # a cleared one-shot message: the browser acts on messages, never on their clearing
            return super()._should_send_property(key, value)

        def open(self) -> None:
            if not self._aipm_held:
                super().open()

        @property
        def model_id(self) -> str:
            if self.comm is None:
                self.draw_now()
            return self.comm.comm_id

        @property
        def drawn(self) -> bool:
            return self.comm is not None

        def draw_now(self) -> None:
            self._aipm_held = False
            self.open()

        def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> dict:
            self.draw_now()
            return super()._repr_mimebundle_(*args, **kwargs)

    return ChartFigureWidget


def _size_slot(slot: W.Box, height: Any, width: Any) -> None:
    """The kept place at the chart's size (plotly's default height when it names none): nothing jumps later."""
    slot.layout.min_height = f"{int(height or 450)}px"
    if width:
        slot.layout.min_width = f"{int(width)}px"


def _place(item: Any, height: Any, width: Any) -> W.Box:
    """A place kept for a chart (a figure, or the function making it), filled when the charts are drawn; filled now
    outside a running cell."""
    slot = W.Box(layout=W.Layout(align_items="flex-start"))
    slot.add_class("aipm-chart-slot")
    _size_slot(slot, height, width)
    if _schedule_draw():
        _PENDING.append((item, slot))
    else:
        slot.children = (item if isinstance(item, W.Widget) else item(),)
    return slot


def chart(fig: Any) -> W.Widget:
    """Where ``fig`` goes in a widget's layout: the figure itself, or (on a Voila page, see
    :func:`charts_after_controls`) a place kept for it, filled when the next cell starts or :func:`draw_charts` runs."""
    if getattr(fig, "drawn", True):
        return fig
    return _place(fig, fig.layout.height, fig.layout.width)


def chart_later(build: Callable[[], Any], *, height: int, width: int | None = None) -> W.Widget:
    """Where the chart that ``build()`` makes goes in a widget's layout. On a Voila page (see
    :func:`charts_after_controls`) a place kept at ``height`` x ``width`` pixels, and ``build`` runs when the charts are
    drawn, after the cell's controls (and after :func:`after_controls` work): building a figure costs a few tenths of a
    second (its data, and plotly's classes for the first figure of a kernel). Elsewhere the figure, built now."""
    if not charts_after_controls():
        return build()
    return _place(build, height, width)


def after_controls(work: Callable[[], Any]) -> bool:
    """Run ``work`` once the running cell's output (its controls) has gone to the browser: on a Voila page, when the next
    cell starts or :data:`CHART_FALLBACK_S` after the page's last cell, before the charts are drawn; True then.
    Elsewhere (JupyterLab, a script, a button's callback) it runs now and this returns False."""
    if charts_after_controls() and _schedule_draw():
        _WORK.append(work)
        return True
    work()
    return False


def draw_charts() -> int:
    """Run the work left for after the controls, then draw every chart waiting for its place; returns how many charts.
    Safe to call any time (nothing waiting: 0)."""
    work = list(_WORK)
    _WORK.clear()
    for job in work:
        try:
            job()
        except Exception:  # noqa: BLE001 - a widget's work shows its own errors (guarded); the charts are drawn anyway
            log.exception("work after the controls failed")
    pending = list(_PENDING)
    _PENDING.clear()
    for item, slot in pending:
        fig = item if isinstance(item, W.Widget) else item()
        slot.children = (fig,)  # the box names the figure: the figure is drawn first (ChartFigureWidget.model_id)
    return len(pending)


_HOOKED: list[Any] = []  # the IPython shell whose cell events draw the waiting charts (hooked once per kernel)
_CELL = [0]  # cells started since the hooks were set: a fallback timer from an earlier cell draws nothing


def _schedule_draw() -> bool:
    """Arrange for waiting charts to be drawn when the next cell starts, or CHART_FALLBACK_S after their cell ends when
    none follows; False outside a running cell (the caller then draws at once)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets needs IPython
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "events"):
        return False
    # Only a cell has a next cell: a chart made by a button's or an upload's callback is drawn at once.
    header = (getattr(shell, "parent_header", None) or {}).get("header") or {}
    if header.get("msg_type") != "execute_request":
        return False
    if shell in _HOOKED:
        return True

    def on_cell_start(*_: Any) -> None:
        _CELL[0] += 1
        draw_charts()

    def on_cell_end(*_: Any) -> None:
        if not _PENDING and not _WORK:
            return
        for fig, slot in _PENDING:  # the final sizes: a widget sets its figures' heights as it fills them
            if isinstance(fig, W.Widget):
                _size_slot(slot, fig.layout.height, fig.layout.width)
        cell = _CELL[0]
        try:
            import asyncio

            asyncio.get_running_loop().call_later(CHART_FALLBACK_S, lambda: _CELL[0] == cell and draw_charts())
        except RuntimeError:  # no event loop (a plain IPython shell): the next cell draws them
            pass

    shell.events.register("pre_run_cell", on_cell_start)
    shell.events.register("post_run_cell", on_cell_end)
    _HOOKED.append(shell)
    return True


def default_record_path() -> Path:
    """The decision record the notebooks share: ``$AIPM_RECORD`` or ``decision_record.yaml`` in the working folder."""
    from ..core.record import DEFAULT_RECORD_NAME  # the record's models load when a widget needs them

    return Path(os.environ.get("AIPM_RECORD") or DEFAULT_RECORD_NAME)


def card(title: str, value: str, detail: str = "", *, tone: str = "info") -> str:
    """HTML for a small metric card (title, big value, detail line); all text escaped."""
    fg, bg, border = _STYLES.get(tone, _STYLES["info"])
    return (
        f'<div class="aipm-card" style="display:inline-block;min-width:150px;margin:4px;padding:8px 12px;'
        f'border:1px solid {border};border-radius:6px;background:{bg};vertical-align:top">'
        f'<div style="font-size:12px;color:#444">{esc(title)}</div>'
        f'<div style="font-size:20px;font-weight:600;color:{fg}">{esc(value)}</div>'
        f'<div style="font-size:11px;color:#555">{esc(detail)}</div></div>'
    )
