"""Hygiene of every notebook: the conventions of CONTRIBUTING.md, checked."""

import re
from pathlib import Path

import nbformat
import pytest

from course_utils import REPOSITORY
from course_utils.stamp import badge_url, install_source

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


def test_file_names_are_ordered_and_numbered_from_01():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


def test_valid_with_the_python3_kernel(notebook):
    path, nb = notebook
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"


def test_top_has_title_badge_objectives_and_time(notebook):
    path, nb = notebook
    top = nb.cells[0]
    assert top.cell_type == "markdown" and top.source.startswith("# ")
    assert f"({badge_url(path.name)})" in top.source, "run python -m course_utils.stamp"
    assert "**Learning objectives.**" in top.source and "**Estimated time:**" in top.source


def test_setup_cell_installs_from_the_repository_in_colab(notebook):
    path, nb = notebook
    setup, report = code_cells(nb)[:2]
    assert '"google.colab" in sys.modules' in setup.source
    assert f"course_utils @ {install_source()}" in setup.source, "run python -m course_utils.stamp"
    assert "cu.get_device()" in setup.source and "cu.seed_everything(" in setup.source
    assert "cu.report_environment(device)" in report.source


def test_every_repository_address_is_the_stamped_one(notebook):
    path, nb = notebook
    text = "\n".join(cell.source for cell in nb.cells)
    for owner_and_name in re.findall(r"github(?:\.com)?/([\w.-]+/[\w.-]+)", text):
        assert owner_and_name == REPOSITORY


def test_ends_with_a_summary(notebook):
    path, nb = notebook
    assert nb.cells[-1].cell_type == "markdown" and nb.cells[-1].source.startswith("## Summary")


def test_executed_top_to_bottom_in_one_fresh_kernel(notebook):
    path, nb = notebook
    counts = [cell.execution_count for cell in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), "run python -m course_utils.execute"


def test_errors_only_where_tagged_raises_exception(notebook):
    path, nb = notebook
    for cell in code_cells(nb):
        has_error = any(output.output_type == "error" for output in cell.outputs)
        assert has_error == ("raises-exception" in cell.metadata.get("tags", [])), cell.source


def test_no_stderr_and_no_warnings_in_outputs(notebook):
    path, nb = notebook
    for cell in code_cells(nb):
        for output in cell.outputs:
            assert not (output.output_type == "stream" and output.name == "stderr"), cell.source
            assert "Warning" not in str(output.get("text", "")), cell.source


def test_no_absolute_paths(notebook):
    path, nb = notebook
    text = path.read_text()
    for pattern in (r"/home/", r"/Users/", r"/root/", r"/tmp/", r"/work/", r"[A-Z]:\\\\"):
        assert not re.search(pattern, text), pattern


def test_solution_cells_are_collapsed_in_jupyterlab_and_colab(notebook):
    path, nb = notebook
    solutions = [cell for cell in code_cells(nb) if "solution" in cell.metadata.get("tags", [])]
    assert len(solutions) >= 2
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert cell.metadata.get("cellView") == "form"
        assert cell.source.startswith("# @title Solution\n")


def test_each_exercise_is_stub_then_check_then_solution_ending_with_the_check(notebook):
    path, nb = notebook
    cells = code_cells(nb)
    for index, cell in enumerate(cells):
        if "solution" not in cell.metadata.get("tags", []):
            continue
        check_cell = cells[index - 1]
        check_calls = re.findall(r"^checks\.\w+\(.*\)$", check_cell.source, re.MULTILINE)
        assert check_calls, f"the cell before a solution must call the checks:\n{check_cell.source}"
        assert cell.source.rstrip().endswith(check_calls[-1])
        assert all(call in cell.source for call in check_calls)
        assert "not attempted yet" in "".join(o.get("text", "") for o in check_cell.outputs)
        assert "✅" in "".join(o.get("text", "") for o in cell.outputs)
        assert "❌" not in "".join(o.get("text", "") for o in cell.outputs)


def test_ignored_outputs_are_few_and_asserted(notebook):
    path, nb = notebook
    ignored = [c for c in code_cells(nb) if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert all("assert " in cell.source for cell in ignored)
    assert not any("nbval-skip" in c.metadata.get("tags", []) for c in code_cells(nb))
