"""Save evidently's reports as standalone HTML files that are safe for any data.

evidently is imported here, lazily (it takes seconds), and its report is only ever written to a file:
its HTML inlines a multi-megabyte JavaScript bundle, so it is never displayed inside a notebook.

evidently writes the report's data (column names, category values) as JSON inside an inline
``<script>`` without escaping ``</script>``: a CSV value ``</script><script>alert(1)</script>`` would run
when the report is opened. :func:`safe_report_html` rewrites that JSON so no data character can end the
script or open an HTML comment, and refuses to write a report whose layout it does not recognise.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..errors import AipmError

__all__ = ["save_drift_report", "safe_report_html", "write_report_html", "neutralise_json_for_script"]

# evidently 0.7's file template puts the data on exactly these two lines, one JSON document each
# (json.dumps never writes a raw line break, so each document is one physical line).
_DATA_LINE = re.compile(r"^(\s*var (?:additional_graphs_)?(metric_[0-9a-f]{32}|evidently_dashboard_[0-9a-f]+) = )(.*);\s*$")
_SCRIPT_SWAPS = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
UNSAFE_LAYOUT = (
    "evidently's report layout was not recognised (evidently {version}), so its data could not be made safe to "
    "open in a browser; the report was not written. Use evidently 0.7 or report this."
)


def neutralise_json_for_script(text: str) -> str:
    """JSON text that is safe inside an inline ``<script>``: ``<``, ``>``, ``&``, U+2028 and U+2029 become
    ``\\uXXXX`` escapes. In JSON these characters can only occur inside strings, where the escapes mean
    the same characters, so the data is unchanged while ``</script>`` and ``<!--`` cannot appear.

    >>> neutralise_json_for_script('{"a": "</script><!--"}')
    '{"a": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    for old, new in _SCRIPT_SWAPS:
        text = text.replace(old, new)
    return text


def safe_report_html(html: str) -> str:
    """evidently's standalone report HTML with its embedded data neutralised (see the module docstring).

    Raises :class:`AipmError` (fail closed) if the two data lines are not found as evidently 0.7 writes them.
    """
    lines = html.split("\n")
    found = 0
    for i, line in enumerate(lines):
        m = _DATA_LINE.match(line)
        if m:
            lines[i] = m.group(1) + neutralise_json_for_script(m.group(3)) + ";"
            found += 1
    out = "\n".join(lines)
    if found != 2:
        try:
            from evidently import __version__ as version
        except ImportError:  # pragma: no cover
            version = "?"
        raise AipmError(UNSAFE_LAYOUT.format(version=version))
    return out


def write_report_html(snapshot, path: str | os.PathLike) -> Path:
    """Write an evidently snapshot's report to ``path`` atomically, with its data neutralised."""
    from ..record.storage import atomic_write_text

    html = safe_report_html(snapshot.get_html_str(as_iframe=False))
    path = Path(path)
    try:
        return atomic_write_text(path, html)
    except IsADirectoryError:
        raise AipmError(f"{path}: this is a folder; give a file name for the report, e.g. report.html.") from None
    except PermissionError:
        raise AipmError(f"{path}: not allowed to write here; choose a folder you can write to.") from None
    except OSError as exc:
        raise AipmError(f"{path}: the report could not be written ({exc.strerror or exc}).") from None


def save_drift_report(reference: pd.DataFrame, current: pd.DataFrame, result, window: str, path: str | os.PathLike) -> Path:
    """Write evidently's drift report comparing ``window``'s rows with the reference; returns the path.

    ``result`` is a :class:`~aipm_widgets.core.monitoring.run.MonitoringResult`; the report uses its features and
    cleaned rows, with the same drift method per column, so its numbers are the ones shown in the workbook.
    """
    os.environ.setdefault("DO_NOT_TRACK", "1")
    try:
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset
    except ImportError as exc:  # pragma: no cover - evidently is a dependency
        raise AipmError(f"evidently is not available ({exc}); install it to save drift reports.") from None
    table = result.drift
    feats = list(table.features)
    if not feats:
        raise AipmError("No feature could be compared, so there is no drift report to save.")
    cur = result.window_frame(window)[feats]
    if len(cur) == 0:
        raise AipmError(f"The window {window} has no rows; choose another window for the report.")
    ref = result.settings["reference_frame"][feats]
    # A two-valued numeric column (0/1) gets evidently's Z-test, which evidently applies to categories only.
    categorical_methods = {"z", "chisquare"}
    num = [f for f in feats if table.kind[f] == "numeric" and table.method[f] not in categorical_methods]
    cat = [f for f in feats if f not in num]
    dd = DataDefinition(numerical_columns=num, categorical_columns=cat)
    snap = Report([DataDriftPreset(columns=feats, per_column_method=dict(table.method))]).run(
        Dataset.from_pandas(cur, data_definition=dd), Dataset.from_pandas(ref, data_definition=dd)
    )
    return write_report_html(snap, path)
