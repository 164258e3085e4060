"""Each notebook's setup cell in a simulated Google Colab: course_utils installs and imports, and
nothing already installed is downgraded or replaced.

The simulation: a fresh virtual environment with Colab-like packages (torch and friends, at other
versions than requirements.txt pins), a stand-in ``google.colab`` module imported before the setup
cell (as Colab's runtime does), and the install source pointed at this checkout instead of the
repository on GitHub. Building the environment takes a minute or two and needs the package
index; outside CI (``CI=true``) the test is skipped when the index cannot be reached.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.stamp import install_source

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
COLAB_LIKE = ["torch==2.13.0", "numpy==2.0.2", "pandas==2.2.2", "scikit-learn==1.6.1",
              "matplotlib==3.10.0", "seaborn==0.13.2", "tqdm==4.67.1", "ipykernel", "ipywidgets"]


def installed(python):
    listing = subprocess.run([str(python), "-m", "pip", "list", "--format=json"],
                             check=True, capture_output=True, text=True).stdout
    return {row["name"].lower().replace("_", "-"): row["version"] for row in json.loads(listing)}


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    home = tmp_path_factory.mktemp("colab")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *COLAB_LIKE],
                             capture_output=True, text=True)
    if install.returncode != 0:  # e.g. offline: the simulated Colab needs the package index
        message = f"could not install the Colab-like packages:\n{install.stderr[-2000:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(venv),
                    "--name", "colab-sim"], check=True, capture_output=True)
    stub = home / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub.parent / "__init__.py").write_text("")
    (stub / "__init__.py").write_text('"""A stand-in for Colab\'s google.colab module."""\n')
    spec_file = venv / "share" / "jupyter" / "kernels" / "colab-sim" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec["env"] = {"PYTHONPATH": str(home / "stub")}
    spec_file.write_text(json.dumps(spec))
    return {"python": python, "jupyter_path": venv / "share" / "jupyter", "before": installed(python)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_setup_cell_installs_course_utils_in_colab_without_downgrades(colab, path, tmp_path,
                                                                     monkeypatch):
    setup, report = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"][:2]
    assert install_source() in setup.source
    local_setup = setup.source.replace(install_source(), ROOT.resolve().as_uri())
    notebook = new_notebook(cells=[
        new_code_cell("import google.colab  # Colab's runtime has imported it"),
        new_code_cell(local_setup),
        new_code_cell(report.source),
        new_code_cell("print(cu.__file__)"),
    ])
    monkeypatch.setenv("JUPYTER_PATH", str(colab["jupyter_path"]))
    NotebookClient(notebook, timeout=600, kernel_name="colab-sim",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    module_file = notebook.cells[-1].outputs[0]["text"]
    assert "site-packages" in module_file  # imported from the installed package, not the checkout
    report_text = notebook.cells[2].outputs[0]["text"]
    assert re.search(r"numpy\s+2\.0\.2", report_text)  # Colab's numpy, not requirements.txt's

    after = installed(colab["python"])
    changed = {name: (version, after.get(name)) for name, version in colab["before"].items()
               if after.get(name) != version}
    assert not changed, f"the install changed packages Colab already had: {changed}"
    assert set(after) - set(colab["before"]) == {"course-utils"}
