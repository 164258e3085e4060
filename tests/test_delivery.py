"""What ships with the course: the README's commands, CI, the workflow, the figures."""

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.tools import execute, figures

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def quick_start_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [
        line.strip()
        for block in re.findall(r"```bash\n(.*?)```", section, re.S)
        for line in block.splitlines()
        if line.strip()
    ]


def test_quick_start_is_two_commands_install_and_test():
    install, test = quick_start_commands()
    assert "pip install -r requirements.txt" in install and "jupyter lab" in install
    assert test == ".venv/bin/python -m pytest"


def test_ci_runs_the_readmes_test_command_in_a_fresh_environment():
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script
    assert "python3 -m venv .venv" in script and "-r requirements.txt" in script
    assert script.rstrip().endswith(quick_start_commands()[1])


def test_requirements_pin_every_package_exactly():
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "torch==2.13.0" in lines and "-e ." in lines
    assert all(
        re.fullmatch(r'[\w.-]+==[\w.]+(; python_version [<>]=? "3\.\d+")?', line)
        for line in lines
        if line != "-e ."
    )


def test_the_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    result = subprocess.run([actionlint, "-color=false"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert "python -m pytest" in workflow and "self-hosted" in workflow and "cache: pip" in workflow


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    (broken / "bad.yml").write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    result = subprocess.run([actionlint, "-color=false"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0


def test_every_image_the_readme_shows_exists():
    images = re.findall(r"!\[[^\]]*\]\((figures/[^)\s]+)\)", README)
    assert len(images) >= 3
    for image in images:
        assert (ROOT / image).is_file(), image


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_figures_match_the_notebooks_stored_outputs(path):
    key = figures.key_figures(nbformat.read(path, as_version=4))
    assert key, f"{path.name} has no cell tagged figure:NAME"
    for name, png in key.items():
        assert name.startswith(path.name[:2])
        stored = ROOT / "figures" / f"{name}.png"
        assert stored.read_bytes() == png, "run python -m course_utils.tools.figures"
        assert f"figures/{name}.png" in README


def test_key_figures_rejects_a_tagged_cell_without_a_picture():
    cell = nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["figure:x"]})
    with pytest.raises(ValueError, match="exactly one PNG"):
        figures.key_figures(nbformat.v4.new_notebook(cells=[cell]))


def test_benchmark_table_in_the_readme_lists_every_notebook():
    table = README.split("## Benchmark", 1)[1]
    for path in NOTEBOOKS:
        assert re.search(rf"\| {re.escape(path.name)} \| [\d.]+ \| \d+ \|", table), path.name


def test_execute_refuses_a_missing_notebook(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"existing \.ipynb"):
        execute.run(tmp_path / "none.ipynb", save=False)


def run_peak_memory_probe(setup):
    """Run the probe that ends every executed notebook in a fresh Python after ``setup``."""
    result = subprocess.run(
        [sys.executable, "-c", setup + "\n" + execute._PEAK_MEMORY], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    return result.stdout.strip()


def test_peak_memory_probe_prints_bytes():
    assert int(run_peak_memory_probe("")) > 2**20


def test_peak_memory_probe_without_resource_asks_psutil_like_on_windows():
    fake_psutil = (
        "import sys, types\n"
        "sys.modules['resource'] = None\n"
        "memory = types.SimpleNamespace(peak_wset=123456789)\n"
        "sys.modules['psutil'] = types.SimpleNamespace(Process=lambda: types.SimpleNamespace("
        "memory_info=lambda: memory))"
    )
    assert run_peak_memory_probe(fake_psutil) == "123456789"


@pytest.mark.parametrize(
    "setup",
    ["import sys\nsys.modules['psutil'] = None", "import sys, psutil  # Linux's psutil has no peak_wset"],
    ids=["no psutil", "psutil without peak"],
)
def test_peak_memory_probe_without_resource_prints_nothing_when_it_cannot_tell(setup):
    assert run_peak_memory_probe(setup + "\nsys.modules['resource'] = None") == ""


def test_execute_reports_nan_peak_memory_when_the_kernel_cannot_tell(tmp_path, monkeypatch):
    windows_like = "import sys\nsys.modules['resource'] = sys.modules['psutil'] = None\n"
    monkeypatch.setattr(execute, "_PEAK_MEMORY", windows_like + execute._PEAK_MEMORY)
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), path)
    result = execute.run(path, save=False)
    assert result["seconds"] > 0 and math.isnan(result["peak_mib"])


def test_teaching_guide_gives_each_lessons_measured_run_time():
    guide = (ROOT / "TEACHING.md").read_text()
    for path in NOTEBOOKS:
        row = re.search(rf"\(notebooks/{re.escape(path.name)}\) \| (\d+) min \| ([\d.]+) s \|", guide)
        assert row, path.name
        benchmark = re.search(rf"\| {re.escape(path.name)} \| ([\d.]+) \|", README)
        assert row.group(2) == benchmark.group(1), "TEACHING.md and the README disagree"
        header = nbformat.read(path, as_version=4).cells[0].source
        estimate = re.search(r"\*\*Estimated time:\*\* (?:about )?(\d+) (minutes|hours?)", header)
        amount, unit = estimate.groups()
        assert int(row.group(1)) == int(amount) * (60 if unit.startswith("hour") else 1), "class time"
