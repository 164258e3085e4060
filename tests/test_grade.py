"""Grading a class: a folder of submissions built from the student edition, graded by the command.

One student hands in every solution, one the untouched edition, others the typical mistakes (a
forgotten ``return``, a wrong dimension, a wrong order, a sigmoid on the output, a crashing
kernel, a file that is not a notebook); a teacher adds a hidden check. Every row of the CSV is
asserted. Lesson 01 is the fast one; lesson 05 appears as a learner's notebook of just its exercise.
"""

import csv
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils import grade, student
from course_utils.checks import core

ROOT = Path(__file__).parent.parent
NOTEBOOKS = ROOT / "notebooks"
TENSORS, ADULT = "01_tensors.ipynb", "05_adult_classifier.ipynb"
HIDDEN = """
import torch

from course_utils.checks.core import Wrong, check


@check("01.hidden_cube", "a cube of ones", points=2)
def hidden_cube(cube):
    if not (isinstance(cube, torch.Tensor) and cube.shape == (3, 3, 3) and bool((cube == 1).all())):
        raise Wrong("cube should be a (3, 3, 3) tensor of ones")
"""
SIGMOID_NET = """\
import torch
from torch import nn

class TwoHiddenLayers(nn.Module):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.first = nn.Sequential(nn.Linear(input_dim, hidden[0]), nn.ReLU())
        self.second = nn.Sequential(nn.Linear(hidden[0], hidden[1]), nn.ReLU(), nn.Linear(hidden[1], 1))

    def forward(self, x):
        return torch.sigmoid(self.second(self.first(x)))   # a probability, not a logit
"""


def edit(notebook, defines, source):
    """Replace the source of the student edition's cell that contains ``defines``."""
    (cell,) = [cell for cell in notebook.cells if cell.cell_type == "code" and defines in cell.source]
    cell.source = source


def write(folder, name, notebook):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / name)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    (edition_path,) = student.write_student_edition([NOTEBOOKS / TENSORS], root / "edition")
    edition = nbformat.read(edition_path, as_version=4)
    submissions = root / "submissions"

    full = nbformat.read(NOTEBOOKS / TENSORS, as_version=4)
    full.cells.append(new_code_cell("cube = torch.ones(3, 3, 3)"))
    write(submissions / "ada", TENSORS, full)  # every solution, and the hidden exercise done
    write(submissions / "ben", TENSORS, edition)  # untouched

    cyd = nbformat.from_dict(edition)
    edit(
        cyd,
        "def pairwise_sq_distances",
        "def pairwise_sq_distances(points):\n    (points[:, None] - points) ** 2",
    )
    edit(
        cyd,
        "def standardize_columns",
        "def standardize_columns(table):\n    return (table - table.mean(dim=1, keepdim=True)) / table.std(dim=1, keepdim=True)",  # noqa: E501
    )
    cyd.cells.insert(3, new_code_cell("1 / 0   # a stray cell that raises"))
    write(submissions / "cyd", TENSORS, cyd)  # forgot return, wrong dimension, a cell that raises

    dee = nbformat.from_dict(edition)
    edit(
        dee,
        "mean_shapes = ...",
        "t = torch.rand(2, 3, 4)\nmean_shapes = [(2, 3), (2, 4), (3, 4)]\nt_6x4 = ...\nt_4x6 = ...",
    )
    write(submissions / "dee", TENSORS, dee)  # the shapes in the wrong order

    eve = new_notebook(
        cells=[
            new_code_cell(SIGMOID_NET),
            new_code_cell(
                "from course_utils.checks import adult_classifier as checks\n"
                "checks.two_hidden_layers(TwoHiddenLayers)"
            ),
        ]
    )
    write(submissions / "eve", ADULT, eve)  # a sigmoid on the output, and no lesson 01

    write(submissions / "fay", TENSORS, new_notebook(cells=[new_code_cell("import os\nos._exit(1)")]))
    (submissions / "gus").mkdir()
    (submissions / "gus" / TENSORS).write_text("{ this is not a notebook")
    (submissions / "gus" / "notes.txt").write_text("not a lesson: ignored")

    hidden = root / "hidden"
    hidden.mkdir()
    (hidden / "cube.py").write_text(HIDDEN)
    teaching = (ROOT / "TEACHING.md").read_text()
    (example,) = [block for block in teaching.split("```python\n")[1:] if "@check(" in block]
    (hidden / "standardize.py").write_text(example.split("```")[0])  # the guide's example, as printed
    out = root / "grades.csv"
    grade.main(
        [str(submissions), "--out", str(out), "--hidden", str(hidden), "--feedback", str(root / "feedback")]
    )
    for exercise in ("01.hidden_cube", "01.standardize_wide"):  # loaded by the grader from the hidden folder
        core.REGISTRY.pop(exercise)
    with open(out, newline="") as file:
        rows = list(csv.DictReader(file))
    return rows, root


def test_every_row_of_the_grades(graded):
    rows, _ = graded
    lessons = grade.course_lessons()
    tensors, adult = lessons["01"].exercises, lessons["05"].exercises
    assert list(rows[0]) == list(grade.COLUMNS)
    by_key = {(row["student"], row["exercise"]): row for row in rows}
    students = ["ada", "ben", "cyd", "dee", "eve", "fay", "gus"]
    exercises = [*tensors, "01.hidden_cube", "01.standardize_wide", *adult]
    assert [(row["student"], row["exercise"]) for row in rows] == [
        (name, exercise) for name in students for exercise in [*exercises, "total"]
    ]
    points = {exercise: function.points for exercise, function in tensors.items()} | {
        "01.hidden_cube": 2,
        "01.standardize_wide": 2,
    }
    points |= {exercise: function.points for exercise, function in adult.items()}

    asserted = set()

    def expect(name, exercise, status, feedback=""):
        asserted.add((name, exercise))
        row = by_key[name, exercise]
        assert row["status"] == status, (name, exercise, row)
        assert int(row["points"]) == (points[exercise] if status == "correct" else 0)
        assert int(row["max_points"]) == points[exercise]
        assert feedback in row["feedback"], (name, exercise, row["feedback"])

    for exercise in adult:
        for name in ("ada", "ben", "cyd", "dee", "fay", "gus"):
            expect(name, exercise, "missing", "no 05_adult_classifier.ipynb in the submission")
    for exercise in tensors:
        expect("ada", exercise, "correct")
        expect("ben", exercise, "not attempted")
        expect("eve", exercise, "missing", "no 01_tensors.ipynb")
        expect("fay", exercise, "crashed", "the kernel died")
        expect("gus", exercise, "invalid", "not a readable notebook")
    for hidden in ("01.hidden_cube", "01.standardize_wide"):
        expect("ada", hidden, "correct")
        expect("ben", hidden, "not attempted")
        expect("dee", hidden, "not attempted")
        expect("eve", hidden, "missing")
        expect("fay", hidden, "crashed")
        expect("gus", hidden, "invalid")
    expect("cyd", "01.hidden_cube", "not attempted")
    expect("cyd", "01.standardize_wide", "wrong", "do not end with standard deviation 1")
    expect("cyd", "01.pairwise_sq_distances", "wrong", "did you forget `return`?")
    expect("cyd", "01.standardize_columns", "wrong", "dim=0")
    expect("dee", "01.mean_shapes", "wrong", "dim=0")
    assert "(3, 4)" not in by_key["dee", "01.mean_shapes"]["feedback"]  # the answer is not given away
    expect("eve", "05.two_hidden_layers", "wrong", "logit")
    for exercise in set(adult) - {"05.two_hidden_layers"}:
        expect("eve", exercise, "not run", "its check did not run")
    for name in ("cyd", "dee"):  # the rest of their lesson is untouched
        done = {"cyd": {"01.pairwise_sq_distances", "01.standardize_columns"}, "dee": {"01.mean_shapes"}}[
            name
        ]
        for exercise in set(tensors) - done:
            expect(name, exercise, "not attempted")
    for name in students:
        asserted.add((name, "total"))
        own = [row for row in rows if row["student"] == name]
        total = own[-1]
        assert int(total["points"]) == sum(int(row["points"]) for row in own[:-1])
        assert int(total["max_points"]) == sum(points.values())
    assert asserted == set(by_key)  # every row


def test_a_student_gets_a_feedback_file(graded):
    _, root = graded
    text = (root / "feedback" / "cyd.md").read_text()
    assert text.startswith("# Feedback for cyd\n\nTotal: 0 of ")
    assert "01.pairwise_sq_distances: wrong, 0/" in text and "did you forget `return`?" in text
    assert sorted(path.name for path in (root / "feedback").iterdir()) == [
        f"{name}.md" for name in ("ada", "ben", "cyd", "dee", "eve", "fay", "gus")
    ]


def test_a_notebook_that_runs_too_long_scores_zero_and_the_run_goes_on(tmp_path):
    write(tmp_path / "zed", TENSORS, new_notebook(cells=[new_code_cell("import time\ntime.sleep(60)")]))
    write(tmp_path / "amy", TENSORS, new_notebook(cells=[new_code_cell("print('nothing done')")]))
    rows = grade.grade(tmp_path, timeout=3, progress=False)
    statuses = {(row["student"], row["status"]) for row in rows if row["exercise"] != "total"}
    assert statuses == {("zed", "timed out"), ("amy", "not run")}
    assert all("longer than 3 s" in row["feedback"] for row in rows if row["status"] == "timed out")


def test_bad_arguments_are_refused(tmp_path, capsys):
    for argv, message in [
        ([str(tmp_path / "nowhere"), "--out", "x.csv"], "no folder"),
        ([str(tmp_path), "--out", "x.csv", "--lessons", "42"], "no lesson ['42']"),
        ([str(tmp_path), "--out", "x.csv", "--hidden", str(tmp_path / "nowhere")], "no folder"),
    ]:
        (tmp_path / "amy").mkdir(exist_ok=True)
        with pytest.raises(SystemExit):
            grade.main(argv)
        assert message in capsys.readouterr().err
    shutil.rmtree(tmp_path / "amy")


def test_a_hidden_check_may_not_take_a_lesson_checks_id(tmp_path):
    (tmp_path / "clash.py").write_text(HIDDEN.replace("01.hidden_cube", "01.mean_shapes"))
    grade.course_lessons()
    with pytest.raises(ValueError, match="is taken by"):
        grade.load_hidden(tmp_path)
