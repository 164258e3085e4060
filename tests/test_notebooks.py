"""Hygiene of every notebook: the conventions of CONTRIBUTING.md, checked."""

import ast
import itertools
import re
from pathlib import Path

import nbformat
import pytest

from course_utils import REPOSITORY, REVISION
from course_utils.tools.stamp import badge, colab_block

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]


def is_appendix(path):
    """Whether ``path`` is a lesson's appendix (``04b_...``): a reference, without exercises."""
    return path.name[2] != "_"


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


def test_file_names_are_ordered_and_numbered_from_01():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS if not is_appendix(path)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(int(path.name[:2]) in numbers for path in NOTEBOOKS if is_appendix(path))  # of a lesson


def test_valid_with_the_python3_kernel(notebook):
    _path, nb = notebook
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"


def test_top_has_title_badge_objectives_and_time(notebook):
    path, nb = notebook
    top = nb.cells[0]
    assert top.cell_type == "markdown" and top.source.startswith("# ")
    link = badge(path.name, REPOSITORY, REVISION)  # "" while the address is unset: no badge
    badges = re.findall(r"\[!\[Open In Colab\].*", top.source)
    assert badges == ([link] if link else []), "run python -m course_utils.tools.stamp"
    assert "**Learning objectives.**" in top.source and "**Estimated time:**" in top.source


def test_setup_cell_installs_from_the_repository_in_colab(notebook):
    _path, nb = notebook
    setup, report = code_cells(nb)[:2]
    block = colab_block(REPOSITORY, REVISION)  # while unset: installs nothing, says how to set it
    assert setup.source.startswith(f"import sys\n\n{block}\n\n"), "run python -m course_utils.tools.stamp"
    assert "cu.get_device()" in setup.source and "cu.seed_everything(" in setup.source
    assert "cu.report_environment(device)" in report.source


def test_every_repository_address_is_the_stamped_one(notebook):
    _path, nb = notebook
    text = "\n".join(cell.source for cell in nb.cells)
    addresses = set(re.findall(r"github(?:\.com)?/([\w.-]+/[\w.-]+)", text))
    assert addresses == ({REPOSITORY} if REPOSITORY else set()), "run python -m course_utils.tools.stamp"


def test_ends_with_a_summary(notebook):
    _path, nb = notebook
    assert nb.cells[-1].cell_type == "markdown" and nb.cells[-1].source.startswith("## Summary")


def test_executed_top_to_bottom_in_one_fresh_kernel(notebook):
    _path, nb = notebook
    counts = [cell.execution_count for cell in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), "run python -m course_utils.tools.execute"


def test_no_cell_raises(notebook):
    """Colab and VS Code stop "Run All" at the first error, whatever a cell's tags say.

    With no cell tagged raises-exception, nbval fails on any error, so its run is a "Run All"
    that must reach the end; a lesson shows an error with ``cu.expect_error``.
    """
    _path, nb = notebook
    for cell in code_cells(nb):
        assert "raises-exception" not in cell.metadata.get("tags", []), cell.source
        assert not any(output.output_type == "error" for output in cell.outputs), cell.source


GLOBAL_CHANGES = (
    r"^\s*%xmode",
    r"\bset_num_threads\(",
    r"\bset_default_(dtype|device)\(",
    r"\bset_printoptions\(",
    r"\bset_option\(",
    r"rcParams\b",
    r"\bstyle\.use\(",
    r"^\s*torch\.set_grad_enabled\(",  # as a statement, not as `with torch.set_grad_enabled(...)`
    r"^\s*warnings\.(filterwarnings|simplefilter)\(",  # allowed only inside `with catch_warnings`
)


def global_changes(source):
    """The patterns of GLOBAL_CHANGES that ``source`` matches, outside ``with warnings.catch_warnings``."""
    lines, inside = [], None
    for line in source.splitlines():
        indent = len(line) - len(line.lstrip())
        if inside is not None and line.strip() and indent <= inside:
            inside = None
        if "catch_warnings(" in line and line.lstrip().startswith("with "):
            inside = indent
        elif inside is None:
            lines.append(line)
    text = "\n".join(lines)
    return [pattern for pattern in GLOBAL_CHANGES if re.search(pattern, text, re.MULTILINE)]


def test_global_changes_are_found():
    assert global_changes("%xmode Minimal\nx = 1") and global_changes("torch.set_num_threads(1)")
    assert global_changes("plt.rcParams.update({})") and global_changes("pd.set_option('x', 1)")
    assert global_changes("warnings.filterwarnings('ignore')")
    assert not global_changes("with warnings.catch_warnings():\n    warnings.simplefilter('always')\nx = 1")
    assert not global_changes("with cu.num_threads(1):\n    fit()")
    assert not global_changes("with torch.set_grad_enabled(False):\n    y = f(x)")


def test_no_cell_changes_global_state_for_the_cells_after_it(notebook):
    _path, nb = notebook
    for cell in code_cells(nb):
        assert not global_changes(cell.source), cell.source


TIMED = re.compile(r"second|time|timing|elapsed|duration|latency")


def timing_comparisons(source):
    """Comparisons in assert statements between a time and anything but zero.

    A time is a name, attribute or string key that mentions seconds, time, elapsed, duration and
    the like. Each pair of a chained comparison (``0 < a < b``) is judged on its own.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
            sides = [compare.left, *compare.comparators]
            for left, right in itertools.pairwise(sides):
                words = set()
                for side in (left, right):
                    for n in ast.walk(side):
                        if isinstance(n, ast.Name):
                            words.add(n.id)
                        elif isinstance(n, ast.Attribute):
                            words.add(n.attr)
                        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
                            words.add(n.value)
                timed = any(TIMED.search(word) for word in words)
                against_zero = any(
                    isinstance(side, ast.Constant) and side.value == 0 for side in (left, right)
                )
                if timed and not against_zero:
                    found.append(f"{ast.unparse(left)} vs {ast.unparse(right)}")
    return found


def test_timing_comparisons_are_found():
    assert timing_comparisons("assert fast_seconds < 15 and x == 1") == ["fast_seconds vs 15"]
    assert timing_comparisons("assert 0 < fast_seconds < slow_seconds") == ["fast_seconds vs slow_seconds"]
    assert timing_comparisons("assert result.seconds < 15") and timing_comparisons("assert elapsed < 15")
    assert not timing_comparisons('assert speed["steps"].sum() == len(X_fit_t)')
    assert timing_comparisons('assert speed["seconds"].iloc[3] < speed["seconds"].iloc[1]')
    assert timing_comparisons("assert seconds > 0 and math.isfinite(seconds)") == []
    assert timing_comparisons("assert steps.sum() == sample.sum()") == []


def test_no_timing_assertions(notebook):
    """A speed comparison on a busy machine is a flaky test: speed is measured by the benchmark."""
    _path, nb = notebook
    for cell in code_cells(nb):
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
        assert not timing_comparisons(source), cell.source


def test_tolerances_are_few_and_explained(notebook):
    _path, nb = notebook
    widened = [cell for cell in code_cells(nb) if "tolerance" in cell.metadata]
    assert len(widened) <= len(code_cells(nb)) // 4
    for cell in widened:
        tolerance = dict(cell.metadata["tolerance"])
        assert len(tolerance.pop("reason", "")) >= 20, cell.source
        assert set(tolerance) <= {"units", "integers"} and tolerance, cell.source
        assert tolerance.get("units", 1) >= 1 and tolerance.get("integers", 0) >= 0, cell.source


def test_no_stderr_and_no_warnings_in_outputs(notebook):
    _path, nb = notebook
    for cell in code_cells(nb):
        for output in cell.outputs:
            assert not (output.output_type == "stream" and output.name == "stderr"), cell.source
            assert "Warning" not in str(output.get("text", "")), cell.source


def test_no_absolute_paths(notebook):
    path, _nb = notebook
    text = path.read_text()
    for pattern in (r"/home/", r"/Users/", r"/root/", r"/tmp/", r"/work/", r"[A-Z]:\\\\"):
        assert not re.search(pattern, text), pattern


def test_solution_cells_are_collapsed_in_jupyterlab_and_colab(notebook):
    path, nb = notebook
    solutions = [cell for cell in code_cells(nb) if "solution" in cell.metadata.get("tags", [])]
    assert len(solutions) >= 2 or (is_appendix(path) and not solutions)
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert cell.metadata.get("cellView") == "form"
        assert cell.source.startswith("# @title Solution\n")


def test_each_exercise_is_stub_then_check_then_solution_ending_with_the_check(notebook):
    _path, nb = notebook
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
    _path, nb = notebook
    ignored = [c for c in code_cells(nb) if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert all("assert " in cell.source for cell in ignored)
    assert not any("nbval-skip" in c.metadata.get("tags", []) for c in code_cells(nb))


def test_a_picture_of_an_idea_with_alt_text(notebook):
    path, notebook = notebook
    if path.name == "03_linear_regression.ipynb":  # its picture is a plot: descent on the loss surface
        plots = [cell for cell in code_cells(notebook) if ".contour" in cell.source]
        assert plots and all(any("image/png" in o.get("data", {}) for o in cell.outputs) for cell in plots)
        return
    pictures = [
        (match.group(1), name, cell.attachments[name])
        for cell in notebook.cells
        if cell.cell_type == "markdown" and cell.get("attachments")
        for match in re.finditer(r"!\[([^\]]*)\]\(attachment:([^)]+)\)", cell.source)
        for name in [match.group(2)]
    ]
    assert pictures, "each lesson teaches at least one idea with a diagram"
    for alt, name, attachment in pictures:
        assert len(alt.split()) >= 8, f"{name}: the alt text must say what the picture shows"
        assert set(attachment) == {"image/png"} and len(attachment["image/png"]) > 1000


def test_source_notes_and_asides_have_one_form(notebook):
    _, notebook = notebook
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if "source note" in line.lower():
                assert line.startswith("> **Source note.**"), line
        if cell.source.startswith("### Going deeper"):
            assert re.match(r"### Going deeper: .+\n+\*Optional: .+\*", cell.source), cell.source


def test_at_least_four_explorations_each_with_a_static_call():
    explorations = []
    for path in NOTEBOOKS:
        cells = code_cells(nbformat.read(path, as_version=4))
        for before, cell in itertools.pairwise(cells):
            widget = re.search(r"^explore\.(\w+)_widget\(", cell.source, re.M)
            if widget:
                explorations.append(path.name)
                assert re.search(r"^explore\.\w+\(", before.source, re.M), "the static call comes first"
                assert any(output.get("text") for output in before.outputs), "and prints what it found"
    assert len(explorations) >= 4
