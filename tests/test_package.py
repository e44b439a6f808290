"""Tier 1: package shape: the pure core imports without display libraries; import stays light."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CORE_MODULES = ["aipm_widgets.core." + m for m in ("record", "inputs", "stats", "storage", "demo", "errors", "paths")]


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_core_imports_with_display_libraries_blocked():
    """Every module under aipm_widgets.core imports (and computes) with ipywidgets and plotly unavailable."""
    out = run(
        """
        import sys, pkgutil, importlib
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in {'ipywidgets', 'plotly', 'IPython', 'traitlets'}:
                    raise ImportError('blocked in this test: ' + name)
        sys.meta_path.insert(0, Block())
        import aipm_widgets.core as core
        names = [m.name for m in pkgutil.walk_packages(core.__path__, 'aipm_widgets.core.')]
        for name in names:
            importlib.import_module(name)
        from aipm_widgets.core import demo
        from aipm_widgets.core.stats import intervals as stats
        df = demo.load_fraud('validation')
        assert len(df) > 1000
        print(len(names))
        """
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= len(CORE_MODULES)


def test_import_aipm_widgets_is_light():
    out = run(
        """
        import sys, aipm_widgets
        heavy = [m for m in ('evidently', 'plotly', 'ipywidgets', 'sklearn', 'pandas', 'fairlearn', 'scipy') if m in sys.modules]
        print(','.join(heavy))
        import os; print(os.environ.get('DO_NOT_TRACK'))
        """
    )
    assert out.returncode == 0, out.stderr
    heavy, dnt = out.stdout.rstrip("\n").split("\n")
    assert heavy == "", f"import aipm_widgets pulled in {heavy}"
    assert dnt == "1", "DO_NOT_TRACK must be set so evidently never phones home"


def test_widgets_package_does_not_import_evidently():
    out = run(
        """
        import sys, pkgutil, importlib
        import aipm_widgets.widgets as w
        for m in pkgutil.walk_packages(w.__path__, 'aipm_widgets.widgets.'):
            importlib.import_module(m.name)
        print('evidently' in sys.modules)
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["DecisionRecord", "load_record", "update_section", "AipmError", "StartPage"])
def test_lazy_public_names_resolve(name):
    import aipm_widgets

    assert getattr(aipm_widgets, name) is not None


def test_unknown_attribute_is_attribute_error():
    import aipm_widgets

    with pytest.raises(AttributeError):
        aipm_widgets.does_not_exist  # noqa: B018


MAIN_WIDGET_MODULES = [
    "metrics.threshold_explorer", "assessment.data_assessment", "monitoring.drift_monitor", "expectations.fairness_audit",
    "scoping.canvas", "expectations.one_pager", "start_page", "metrics.forecast_explorer", "monitoring.forecast_monitor",
    "metrics.routing_explorer", "monitoring.routing_monitor", "expectations.task_fairness",
]
# Each costs 0.3 s to several seconds to import; a widget module imports them inside the functions that use them.
HEAVY_AT_IMPORT = ("sklearn", "scipy.stats", "evidently", "fairlearn", "duckdb")


def test_main_widget_modules_import_no_heavy_library():
    out = run(
        f"""
        import sys, importlib
        for name in {MAIN_WIDGET_MODULES!r}:
            importlib.import_module('aipm_widgets.widgets.' + name)
            for h in {HEAVY_AT_IMPORT!r}:
                assert h not in sys.modules, f'importing aipm_widgets.widgets.{{name}} imported {{h}}'
        print('ok')
        """
    )
    assert out.returncode == 0, out.stderr[-800:]
    assert out.stdout.strip() == "ok"
