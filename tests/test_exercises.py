"""The exercises of every lesson: enough of them, one inside the lesson, ids that match, no answers."""

import ast
import importlib
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.tools import exercises, grade

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
LESSON_NOTEBOOKS = [path for path in NOTEBOOKS if path.name[2] == "_"]  # not an appendix (04b_...)
LESSONS = grade.course_lessons()
CHECK_CALL = re.compile(r"^checks\.(\w+)\(", re.M)


def check_cells(notebook):
    """(index, names of the checks called) of each check cell, solutions left out."""
    return [
        (index, CHECK_CALL.findall(cell.source))
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and "solution" not in cell.metadata.get("tags", [])
        and CHECK_CALL.search(cell.source)
    ]


def test_every_notebook_is_a_lesson_with_checks_and_every_lesson_a_notebook():
    assert [lesson.notebook for lesson in LESSONS.values()] == [path.name for path in LESSON_NOTEBOOKS]
    for path in set(NOTEBOOKS) - set(LESSON_NOTEBOOKS):  # an appendix: no exercise, no check
        notebook = nbformat.read(path, as_version=4)
        assert not check_cells(notebook) and not exercises.exercises(notebook), path.name


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=[path.name for path in LESSON_NOTEBOOKS])
def test_at_least_four_exercises_one_of_them_inside_the_lesson_and_every_check_used(path):
    notebook = nbformat.read(path, as_version=4)
    lesson = LESSONS[path.name[:2]]
    module = importlib.import_module(f"course_utils.checks.{path.stem[3:]}")
    called = [name for _, names in check_cells(notebook) for name in names]
    assert len(called) == len(set(called)), "each check is called by one check cell"
    assert sorted(getattr(module, name).exercise for name in called) == sorted(lesson.exercises)
    assert len(lesson.exercises) >= 4
    (exercises_heading,) = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and re.search(r"^## \d+\. Exercises", cell.source, re.M)
    ]
    assert any(index < exercises_heading for index, _ in check_cells(notebook)), (
        "no question inside the lesson"
    )


@pytest.mark.parametrize("number", list(LESSONS))
def test_ids_points_and_titles(number):
    for exercise, function in LESSONS[number].exercises.items():
        assert exercise == f"{number}.{function.__name__}"
        assert 1 <= function.points <= 3 and function.title


@pytest.mark.parametrize(
    "path", sorted((ROOT / "course_utils" / "checks").glob("*.py")), ids=lambda p: p.name
)
def test_no_check_module_ships_a_solution_in_a_docstring(path):
    if path.name == "core.py":  # the machinery's examples are about a made-up exercise
        return
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node) or ""
            assert ">>>" not in docstring, f"{path.name}: {getattr(node, 'name', 'module')} has an example"


def sections_of_checks(path):
    """{exercise id: the number of the section whose check cell calls it}."""
    module = importlib.import_module(f"course_utils.checks.{path.stem[3:]}")
    notebook, section, found = nbformat.read(path, as_version=4), None, {}
    for index, cell in enumerate(notebook.cells):
        heading = re.search(r"^## (\d+)\.", cell.source, re.M) if cell.cell_type == "markdown" else None
        section = heading.group(1) if heading else section
        for called_index, names in check_cells(notebook):
            if called_index == index:
                found |= {getattr(module, name).exercise: section for name in names}
    return found


def test_the_teachers_table_lists_every_exercise_with_its_title_points_and_section():
    text = (ROOT / "TEACHING.md").read_text()
    places = dict(re.findall(r"^\| \d\d \| `(\d\d\.\w+)` \|.*\| §(\d+)[,|]", text, re.M))
    sections = {}
    for path in LESSON_NOTEBOOKS:
        sections |= sections_of_checks(path)
    assert places == sections


def test_the_teachers_table_lists_every_exercise_with_its_title_and_points():
    table = re.findall(
        r"^\| (\d\d) \| `(\d\d\.\w+)` \| (.+?) \| (\d) \| (easy|medium|hard) \| (\d+) \|",
        (ROOT / "TEACHING.md").read_text(),
        re.M,
    )
    listed = [(exercise, title, int(points)) for _, exercise, title, points, _, _ in table]
    assert listed == [
        (exercise, function.title, function.points)
        for lesson in LESSONS.values()
        for exercise, function in lesson.exercises.items()
    ]


@pytest.mark.parametrize("number", list(LESSONS))
def test_every_exercise_declares_its_stub_check_and_solution_cells(number):
    notebook = nbformat.read(ROOT / "notebooks" / LESSONS[number].notebook, as_version=4)
    found = exercises.exercises(notebook)
    assert sorted(exercise for cells in found for exercise in cells.ids) == sorted(LESSONS[number].exercises)
    for cells in found:
        assert cells.stub is not None and cells.check is not None and cells.solutions, cells
        assert cells.stub < cells.check < min(cells.solutions)
        assert all("solution" in notebook.cells[index].metadata.get("tags", []) for index in cells.solutions)
