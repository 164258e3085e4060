"""The nbgrader export, graded by nbgrader's own commands: full points solved, zero untouched.

Lesson 01 (the fast one) is exported with ``python -m course_utils.tools.student --format nbgrader``;
``nbgrader generate_assignment`` makes the release, and ``nbgrader autograde`` grades the source
notebook (every solution) and the released one (nothing done) as two students' submissions.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_utils.tools import exercises, grade, student

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
LESSON = "01_tensors"


def nbgrader(*args, cwd):
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from the same environment
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    command = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbgrader")
    student.main(["--format", "nbgrader", "--notebook", f"{LESSON}.ipynb", "--out", str(root)])
    return root


def test_the_export_is_an_nbgrader_source_notebook(course):
    source = nbformat.read(course / "source" / LESSON / f"{LESSON}.ipynb", as_version=4)
    graded = [cell for cell in source.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    answers = [cell for cell in source.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    exercises = grade.course_lessons()["01"].exercises
    assert [cell.metadata.nbgrader.grade_id for cell in graded] == [e.replace(".", "_") for e in exercises]
    assert [cell.metadata.nbgrader.points for cell in graded] == [f.points for f in exercises.values()]
    assert all(cell.source.startswith("assert checks.") and cell.metadata.nbgrader.locked for cell in graded)
    assert answers and all("### BEGIN SOLUTION\n" in cell.source for cell in answers)
    assert not any(student.is_solution(cell) for cell in source.cells)
    assert not any(cell.get("outputs") for cell in source.cells)
    assert (course / "nbgrader_config.py").exists()


def test_nbgrader_grades_the_solved_copy_full_and_the_untouched_copy_zero(course):
    nbgrader("generate_assignment", LESSON, "--force", cwd=course)
    release = course / "release" / LESSON / f"{LESSON}.ipynb"
    assert "### BEGIN SOLUTION" not in release.read_text()
    solved = course / "source" / LESSON / f"{LESSON}.ipynb"
    for name, notebook in (("solved", solved), ("untouched", release)):
        target = course / "submitted" / name / LESSON
        target.mkdir(parents=True)
        shutil.copy(notebook, target)
    nbgrader("autograde", LESSON, "--create", "--force", cwd=course)
    total = sum(function.points for function in grade.course_lessons()["01"].exercises.values())
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {name: gradebook.find_submission(LESSON, name) for name in ("solved", "untouched")}
        assert (scores["solved"].score, scores["solved"].max_score) == (total, total)
        assert (scores["untouched"].score, scores["untouched"].max_score) == (0, total)


def test_a_notebook_without_checks_cannot_be_exported():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match=r"imports no course_utils\.checks module"):
        student.nbgrader_source(notebook)


def test_a_note_between_a_check_and_its_solution_changes_nothing():
    notebook = nbformat.read(NOTEBOOKS / f"{LESSON}.ipynb", as_version=4)
    before = student.nbgrader_source(notebook)
    check = next(
        index
        for index, cell in enumerate(notebook.cells)
        if exercises.role(cell) == ("check", ("01.view_or_copy",))
    )
    notebook.cells.insert(check + 1, nbformat.v4.new_markdown_cell("A note from the teacher."))
    after = student.nbgrader_source(notebook)
    graded = [cell.metadata["nbgrader"]["grade_id"] for cell in after.cells if "nbgrader" in cell.metadata]
    assert graded == [
        cell.metadata["nbgrader"]["grade_id"] for cell in before.cells if "nbgrader" in cell.metadata
    ]
    assert "A note from the teacher." in [cell.source for cell in after.cells]
