"""The package's layers, checked on every import statement (module level and inside functions).

* ``core`` computes: it never imports ipywidgets, IPython, ``aipm_widgets.widgets`` or ``aipm_widgets.cli``;
  plotly only in the brief's exported charts.
* The shared foundations (record, checklists, io, stats, text, tasks, demo, project, errors, model) import no stage.
* The stages are ordered 1 scoping, 2 expectations, 3 assessment, 4 metrics, 5 monitoring, then the brief on top:
  a stage imports only itself, earlier stages and the foundations, in ``core`` and in ``widgets`` alike.
* ``widgets``' shared modules (``_base``, ``checklist``, ``data_loader``, ``guides``) import no stage widget.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aipm_widgets

PKG = Path(aipm_widgets.__file__).resolve().parent
SHARED = {"errors", "model", "record", "checklists", "io", "stats", "text", "tasks", "demo", "project", "__init__"}
STAGES = ["scoping", "expectations", "assessment", "metrics", "monitoring", "brief"]
WIDGET_SHARED = {"_base", "checklist", "data_loader", "guides", "__init__"}


def _module(path: Path) -> list[str]:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    here = _module(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            # `from pkg import submodule` names a module too
            found += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return found


def _files(sub: str) -> list[Path]:
    return sorted(p for p in (PKG / sub).rglob("*.py") if "__pycache__" not in p.parts)


def _group(path: Path, root: str) -> str:
    rel = path.relative_to(PKG / root).parts
    return rel[0] if len(rel) > 1 else Path(rel[0]).stem


def _stage_of(module: str, root: str) -> str | None:
    prefix = f"aipm_widgets.{root}."
    if not module.startswith(prefix):
        return None
    first = module[len(prefix) :].split(".")[0]
    return first if first in STAGES else None


def test_the_layout_has_every_stage():
    for root in ("core", "widgets"):
        for stage in STAGES:
            assert (PKG / root / stage / "__init__.py").exists(), f"{root}/{stage}/ is missing"


@pytest.mark.parametrize("path", _files("core"), ids=lambda p: str(p.relative_to(PKG)))
def test_core_imports_no_display_code_and_stages_only_look_back(path):
    group = _group(path, "core")
    for line, mod in _imports(path):
        where = f"{path.relative_to(PKG)}:{line} imports {mod}"
        assert not mod.startswith(("aipm_widgets.widgets", "aipm_widgets.cli", "ipywidgets", "IPython")), where
        if mod.startswith("plotly"):
            assert path.parent.name == "brief", where
        stage = _stage_of(mod, "core")
        if stage is None or stage == group:
            continue
        assert group not in SHARED, f"{where}: a shared foundation must not depend on a stage"
        assert STAGES.index(stage) < STAGES.index(group), f"{where}: a stage imports only earlier stages"


@pytest.mark.parametrize("path", _files("widgets"), ids=lambda p: str(p.relative_to(PKG)))
def test_widgets_follow_the_same_order(path):
    group = _group(path, "widgets")
    for line, mod in _imports(path):
        where = f"{path.relative_to(PKG)}:{line} imports {mod}"
        assert not mod.startswith("aipm_widgets.cli"), where
        if group in STAGES:
            for root in ("core", "widgets"):
                stage = _stage_of(mod, root)
                if stage is not None:
                    assert STAGES.index(stage) <= STAGES.index(group), where
        elif group in WIDGET_SHARED:
            assert _stage_of(mod, "widgets") is None, f"{where}: shared widget code must not depend on a stage page"
