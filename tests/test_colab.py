"""The setup cells in a simulated Google Colab: course_utils installs and imports, and nothing
already installed is downgraded or replaced; with no address set, nothing is installed.

The simulation: a fresh virtual environment with Colab-like packages (torch and friends, at other
versions than requirements.txt pins), built once per test process by uv from its cache, and a
stand-in ``google.colab`` module imported before the setup cells (as Colab's runtime does). The
notebooks are those of a release's stamped copy (``release.stamped_copy``) with a test address,
whose install source is then pointed at that copy instead of GitHub. Every notebook's Colab block
is the same, so it runs once; then each notebook's remaining setup code runs in that kernel, with
the names of the one before cleared. Building the environment needs the package index the first
time; outside CI (``CI=true``) the tests are skipped when it cannot be reached.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.tools import release
from course_utils.tools.stamp import colab_block, stamp

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
COLAB_LIKE = [
    "torch==2.13.0",
    "numpy==2.0.2",
    "pandas==2.2.2",
    "scikit-learn==1.6.1",
    "matplotlib==3.10.0",
    "seaborn==0.13.2",
    "tqdm==4.67.1",
    "ipykernel",
    "ipywidgets==7.7.1",  # what Colab ships: the explorations must not need a newer one
]
ADDRESS = ("course-test/pytorch-course", "v0.0.1")
UV = [sys.executable, "-m", "uv", "--quiet"]


def installed(python):
    listing = subprocess.run(
        [*UV, "pip", "list", "--python", str(python), "--format=json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {row["name"].lower().replace("_", "-"): row["version"] for row in json.loads(listing)}


def setup_cells(folder, repository, revision):
    """Each notebook's setup and report cell, as a release stamps them (unset: as shipped).

    With an address, the notebooks are those of ``release.stamped_copy``, the copy that
    ``python -m course_utils.tools.release`` and the release workflow publish.
    """
    if repository is None:
        paths = [Path(shutil.copy(path, folder)) for path in NOTEBOOKS]
        for path in paths:
            stamp(path, None, None)
    else:
        course = release.stamped_copy(folder / "course", repository, revision)
        paths = [course / "notebooks" / path.name for path in NOTEBOOKS]
    cells = {}
    for path in paths:
        code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
        cells[path.name] = code[0].source, code[1].source
    return cells


def run_in_colab(colab, sources, folder):
    """Run ``sources`` in a fresh kernel of the simulated Colab; return what each printed."""
    notebook = new_notebook(
        cells=[new_code_cell("import google.colab  # as Colab's runtime does"), *map(new_code_cell, sources)]
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(colab["jupyter_path"]))
        NotebookClient(
            notebook, timeout=600, kernel_name="colab-sim", resources={"metadata": {"path": str(folder)}}
        ).execute()
    return ["".join(output.get("text", "") for output in cell.outputs) for cell in notebook.cells[1:]]


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    home = tmp_path_factory.mktemp("colab")
    venv = home / "venv"
    python = venv / "bin" / "python"
    for command in (
        ["venv", "--seed", "--python", sys.executable, str(venv)],
        ["pip", "install", "--python", str(python), *COLAB_LIKE],
    ):
        done = subprocess.run([*UV, *command], capture_output=True, text=True)
        if done.returncode != 0:  # e.g. offline: the simulated Colab needs the package index
            message = f"could not build the simulated Colab:\n{done.stderr[-2000:]}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", "colab-sim"],
        check=True,
        capture_output=True,
    )
    stub = home / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub.parent / "__init__.py").write_text("")
    (stub / "__init__.py").write_text('"""A stand-in for Colab\'s google.colab module."""\n')
    spec_file = venv / "share" / "jupyter" / "kernels" / "colab-sim" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec["env"] = {"PYTHONPATH": str(home / "stub")}
    spec_file.write_text(json.dumps(spec))
    return {"python": python, "jupyter_path": venv / "share" / "jupyter", "home": home}


def test_setup_cells_install_course_utils_in_colab_without_touching_its_packages(colab, tmp_path):
    stamped = setup_cells(tmp_path, *ADDRESS)
    block = colab_block(*ADDRESS)
    assert all(setup.count(block) == 1 for setup, _ in stamped.values())  # so it runs once for all
    course = (tmp_path / "course").resolve()  # the stamped copy: what the tag would hold
    local_block = block.replace(f"git+https://github.com/{'@'.join(ADDRESS)}", course.as_uri())
    sources = [
        "import sys\n\n" + local_block,
        "import importlib.metadata\n"
        "print(importlib.metadata.distribution('course_utils').read_text('direct_url.json'))",
    ]
    for setup, report in stamped.values():  # each notebook's rest, the names of the one before cleared
        sources += ["%reset -f\n" + setup.replace(block, "") + "\nprint(cu.__file__)", report]
    before = installed(colab["python"])
    printed = run_in_colab(colab, sources, tmp_path)
    after = installed(colab["python"])

    assert json.loads(printed[1])["url"] == course.as_uri()  # the release's copy, not GitHub
    changed = {
        name: (version, after.get(name)) for name, version in before.items() if after.get(name) != version
    }
    assert not changed, f"the install changed packages Colab already had: {changed}"
    assert set(after) - set(before) == {"course-utils"}
    for name, module_file, report in zip(stamped, printed[2::2], printed[3::2], strict=True):
        assert module_file.startswith(str(colab["home"])) and "site-packages" in module_file, name
        assert re.search(r"numpy\s+2\.0\.2", report), name  # Colab's numpy, not requirements.txt's


def test_with_no_address_colab_installs_nothing_and_says_how_to_set_it(colab, tmp_path):
    block = colab_block(None, None)
    assert all(setup.count(block) == 1 for setup, _ in setup_cells(tmp_path, None, None).values())
    before = installed(colab["python"])
    printed = run_in_colab(colab, ["import sys\n\n" + block], tmp_path)
    assert "python -m course_utils.tools.stamp --repository OWNER/NAME --revision" in printed[0]
    assert installed(colab["python"]) == before
