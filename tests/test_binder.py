"""Reproduce repo2docker's steps: a fresh virtual environment, binder/requirements.txt, binder/postBuild,
then import the package and execute every notebook (as a workshop participant's Binder session would)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    work = tmp_path_factory.mktemp("binder")
    repo = work / "repo"
    # repo2docker builds from a clean checkout: copy only what git tracks (plus the working tree's edits).
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = dict(os.environ, HOME=str(work / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    env.pop("PYTHONPATH", None)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(repo / "binder" / "requirements.txt")], check=True, env=env, timeout=1200)
    subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, check=True, env=env, timeout=600)
    return repo, py, env


def test_binder_environment_imports_the_package(binder_env):
    repo, py, env = binder_env
    out = subprocess.run(
        [str(py), "-c", "import aipm_widgets, aipm_widgets.widgets.start_page as s, evidently, voila; "
         "print(aipm_widgets.__file__); from aipm_widgets.core import demo; print(len(demo.load_fraud()))"],
        cwd="/", capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "site-packages" in out.stdout, "postBuild must install the package, not rely on the source tree"
    config = json.loads((Path(env["HOME"]) / ".jupyter" / "jupyter_server_config.json").read_text())
    from aipm_widgets.cli.cmd_project import IOPUB_TIMEOUT_S

    assert config["VoilaExecutor"]["iopub_timeout"] == IOPUB_TIMEOUT_S  # a room opening pages at once (issue 13)


def test_binder_environment_runs_every_notebook(binder_env, tmp_path):
    repo, py, env = binder_env
    env = dict(env, AIPM_RECORD=str(tmp_path / "decision_record.yaml"), DO_NOT_TRACK="1")
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        out = subprocess.run(
            [str(py), "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", str(tmp_path),
             "--ExecutePreprocessor.timeout=600", str(nb)],
            cwd=nb.parent, capture_output=True, text=True, env=env, timeout=900,
        )
        assert out.returncode == 0, f"{nb.name} failed in the Binder environment:\n{out.stderr[-3000:]}"
