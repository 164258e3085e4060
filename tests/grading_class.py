"""A class of lesson 01 notebooks for the grading tests: its exercises alone, answered or not.

Each notebook holds the answer cell and the course's own check cells, so that one runs in a few
seconds in its sandbox.
"""

import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.tools import exercises

ROOT = Path(__file__).parent.parent
TENSORS = "01_tensors.ipynb"
LESSON = nbformat.read(ROOT / "notebooks" / TENSORS, as_version=4)
#: The course's check cells of lesson 01, each with the metadata that names its exercises.
CHECK_CELLS = [LESSON.cells[exercise.check] for exercise in exercises.exercises(LESSON)]
STUBS = """\
import torch
t = torch.arange(24.0).reshape(2, 3, 4)
broadcast_shapes = [..., ..., ...]
changes_a = [..., ..., ...]
mean_shapes = [..., ..., ...]
t_6x4 = t_4x6 = ...
def pairwise_sq_distances(points):
    raise NotImplementedError
def standardize_columns(table):
    raise NotImplementedError
"""
SOLVED = (
    STUBS
    + """\
broadcast_shapes = [(2, 4, 3), None, (5, 3)]
changes_a = [True, False, True]
mean_shapes = [(3, 4), (2, 4), (2, 3)]
t_6x4, t_4x6 = t.reshape(6, 4), t.reshape(4, 6)
def pairwise_sq_distances(points):
    return ((points[:, None] - points[None]) ** 2).sum(-1)
def standardize_columns(table):
    return (table - table.mean(dim=0)) / table.std(dim=0)
"""
)
# Half right: the two questions, and nothing else.
HALF = STUBS + "broadcast_shapes = [(2, 4, 3), None, (5, 3)]\nchanges_a = [True, False, True]\n"


def notebook(answers, before="", after="", check_cells=None):
    """Lesson 01's exercises: the answers, the check cells (the course's by default), cells around them.

    ``check_cells`` are sources, as a learner who retyped them would have them: without metadata.
    """
    checks = (
        [new_code_cell(c) for c in check_cells] if check_cells else [copy.deepcopy(c) for c in CHECK_CELLS]
    )
    cells = [new_code_cell(before), new_code_cell(answers), *checks]
    return new_notebook(cells=[*cells, new_code_cell(after)])


def write(folder, student, nb, name=TENSORS):
    (folder / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / student / name)
    return folder / student / name


def totals(rows):
    return {row["student"]: row["points"] for row in rows if row["exercise"] == "total"}
