"""``DataLoader``: pick a table (upload or path) and say which columns are the label, id and timestamp.

Uploads are capped (``max_mb``, default ``$AIPM_MAX_UPLOAD_MB`` or 200 MB) with a message naming the
limit; encoding, delimiter and Parquet are detected by :func:`aipm_widgets.core.io.inputs.read_table`,
which also explains empty, binary and header-less files. Column pickers start from
:func:`aipm_widgets.core.assessment.report.guess_roles`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as W

from ..core.errors import InputDataError
from ..core.io.inputs import DEFAULT_MAX_UPLOAD_BYTES, read_table
from ..core.io.paths import allowed_path  # re-exported: widgets import it from here
from ._base import MessageArea, esc, guarded

if TYPE_CHECKING:  # pandas loads with a table: a page shows its loader (upload, path) before any table is read
    import pandas as pd

__all__ = ["DataLoader", "NONE", "allowed_path", "picker", "numeric_columns", "fill_positive_picker", "chosen_positive"]

NONE = "(none)"


def picker(description: str) -> W.Dropdown:
    """A column picker in the loaders' style, starting with no choice."""
    return W.Dropdown(options=[NONE], description=description, style={"description_width": "90px"},
                      layout=W.Layout(width="300px"))


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    import pandas as pd

    return [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]


def fill_positive_picker(dropdown: W.Dropdown, frame: pd.DataFrame | None, label: str | None) -> None:
    """Offer the label column's values as the positive class; preselect 1/True when present."""
    import pandas as pd

    names = [] if frame is None or label is None else [str(v) for v in pd.unique(frame[label].dropna())[:20]]
    dropdown.options = [NONE] + names
    dropdown.value = "1" if "1" in names else ("True" if "True" in names else NONE)


def chosen_positive(dropdown: W.Dropdown, frame: pd.DataFrame, label: str) -> Any:
    """The label value the positive picker's text stands for (None when not chosen)."""
    if dropdown.value in (None, NONE):
        return None
    import pandas as pd

    return next((v for v in pd.unique(frame[label].dropna()) if str(v) == dropdown.value), dropdown.value)


class DataLoader(W.VBox):
    """Load a table from an upload or a path, then choose the label, id and timestamp columns.

    Parameters
    ----------
    frame : DataFrame, optional
        Start with this table already loaded (e.g. the demo data).
    name : str
        A name for ``frame`` in messages and the record.
    max_mb : float, optional
        Largest upload accepted, in MB (default ``$AIPM_MAX_UPLOAD_MB`` or 200).

    Attributes
    ----------
    frame : DataFrame or None
        The loaded table.
    source : str or None
        Where it came from (file name).
    """

    def __init__(self, frame: pd.DataFrame | None = None, *, name: str = "data", max_mb: float | None = None,
                 **kwargs: Any) -> None:
        self.max_bytes = int(max_mb * 2**20) if max_mb is not None else DEFAULT_MAX_UPLOAD_BYTES
        self.frame: pd.DataFrame | None = None
        self.source: str | None = None
        # Where the table came from, so it can become a project source (project_panel.UseAsSource).
        self.raw: tuple[bytes, str] | None = None
        self.loaded_path: Path | None = None
        self._callbacks: list[Callable[[DataLoader], None]] = []
        self.messages = MessageArea()
        self.upload = W.FileUpload(accept=".csv,.tsv,.txt,.parquet,.pq", multiple=False,
                                   description="Upload CSV/Parquet", layout=W.Layout(width="200px"))
        self.upload.add_class("aipm-upload")
        self.upload.observe(self._on_upload, names="value")
        self.path = W.Text(placeholder="or a path on the server: data/validation.csv", layout=W.Layout(width="360px"))
        self.load_button = W.Button(description="Load path", icon="folder-open")
        self.load_button.on_click(lambda _: self.load_path(self.path.value))
        self.info = W.HTML()
        self.info.add_class("aipm-loaded-info")
        style = {"description_width": "90px"}
        self.label = W.Dropdown(options=[NONE], description="Label", style=style)
        self.id_column = W.Dropdown(options=[NONE], description="Id", style=style)
        self.time_column = W.Dropdown(options=[NONE], description="Timestamp", style=style)
        for d in (self.label, self.id_column, self.time_column):
            d.layout = W.Layout(width="300px")
        limit = f"{self.max_bytes / 2**20:.0f} MB"
        super().__init__(
            [
                W.HTML(f"<b>Data</b> <span style='color:#555;font-size:12px'>(CSV or Parquet, up to {esc(limit)})</span>"),
                W.HBox([self.upload, self.path, self.load_button]),
                self.info,
                W.HBox([self.label, self.id_column, self.time_column]),
                self.messages,
            ],
            **kwargs,
        )
        if frame is not None:
            self.set_frame(frame, name)

    def on_loaded(self, callback: Callable[["DataLoader"], None]) -> None:
        """Call ``callback(loader)`` after each successful load."""
        self._callbacks.append(callback)

    def roles(self) -> dict[str, str | None]:
        """The chosen label, id and timestamp columns (None when not chosen)."""
        def val(d):
            return None if d.value in (None, NONE) else d.value

        return {"label": val(self.label), "id": val(self.id_column), "timestamp": val(self.time_column)}

    def set_frame(self, frame: pd.DataFrame, name: str = "data", notes: list[str] | None = None, *,
                  announce: bool = True) -> None:
        """Use an already loaded table; ``announce=False`` does not call the :meth:`on_loaded` callbacks."""
        import pandas as pd

        from ..core.assessment.report import guess_roles, parse_date_columns

        if not isinstance(frame, pd.DataFrame) or frame.shape[0] == 0 or frame.shape[1] == 0:
            raise InputDataError(f"{name}: the table is empty: there is nothing to assess.")
        frame, parsed = parse_date_columns(frame)
        self.frame = frame
        self.source = name
        guesses = guess_roles(frame)
        options = [NONE] + [str(c) for c in frame.columns]
        for d, key in ((self.label, "label"), (self.id_column, "id"), (self.time_column, "timestamp")):
            d.options = options
            d.value = str(guesses[key]) if guesses[key] is not None else NONE
        detail = list(notes or []) + ([f"read {', '.join(parsed)} as dates"] if parsed else [])
        self.info.value = (
            f"<span style='font-size:13px'>Loaded <b>{esc(name)}</b>: {len(frame):,} rows x {frame.shape[1]} columns"
            + (f" ({esc('; '.join(detail))})" if detail else "")
            + ". Check the label, id and timestamp columns below.</span>"
        )
        self.messages.clear()
        for cb in self._callbacks if announce else ():
            cb(self)

    def _read(self, source, name: str | None = None):
        try:
            return read_table(source, name=name, max_bytes=self.max_bytes, keep_null_markers=True)
        except InputDataError as exc:
            if self.frame is not None:
                # Say plainly that what is shown below is still the earlier table.
                raise InputDataError(f"{exc} The results shown are still those of {self.source}.") from None
            raise

    @guarded()
    def load_bytes(self, content: bytes | memoryview, name: str = "uploaded file") -> None:
        """Load uploaded bytes (what the upload button does)."""
        self.messages.clear()
        loaded = self._read(content, name)
        self.set_frame(loaded.frame, loaded.source, loaded.notes)
        self.raw, self.loaded_path = (bytes(content), name), None

    @guarded()
    def load_path(self, path: str | Path) -> None:
        """Load a CSV or Parquet file from a path on the machine running the kernel."""
        self.messages.clear()
        if not str(path).strip():
            raise InputDataError("Type the path of a CSV or Parquet file first.")
        resolved = allowed_path(str(path).strip())
        loaded = self._read(resolved)
        self.set_frame(loaded.frame, loaded.source, loaded.notes)
        self.raw, self.loaded_path = None, resolved

    @guarded()
    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        f = files[0]
        size = int(f.get("size") or len(f["content"]))
        if size > self.max_bytes:
            self.messages.clear()
            raise InputDataError(
                f"{f.get('name', 'upload')}: {size / 2**20:.1f} MB is over the {self.max_bytes / 2**20:.0f} MB upload limit. "
                "Use a sample, Parquet instead of CSV, or raise the limit (AIPM_MAX_UPLOAD_MB)."
            )
        self.load_bytes(f["content"], f.get("name") or "uploaded file")
