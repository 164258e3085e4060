"""Where each exercise sits in a notebook: its stub, check and solution cells, from cell metadata.

Each of those cells carries ``{"course": {"exercises": ["01.mean_shapes", ...], "role": ROLE}}``
in its metadata, ROLE being ``stub`` (the cell a learner fills in), ``check`` (the cell that calls
the checks) or ``solution`` (the worked answer, and any discussion of it). The tools read the
structure from there, never from the order of the cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import nbformat

ROLES = ("stub", "check", "solution")


@dataclass
class Exercise:
    """The cells of one exercise (or of several that share a check cell), by index in the notebook."""

    ids: tuple[str, ...]
    stub: int | None = None
    check: int | None = None
    solutions: list[int] = field(default_factory=list)


def role(cell: nbformat.NotebookNode) -> tuple[str, tuple[str, ...]] | None:
    """``(role, exercise ids)`` of ``cell``, or None for a cell of the lesson itself.

    Example:
        >>> from nbformat.v4 import new_code_cell
        >>> role(new_code_cell("x", metadata={"course": {"exercises": ["01.a"], "role": "check"}}))
        ('check', ('01.a',))
        >>> role(new_code_cell("x")) is None
        True
    """
    course = cell.get("metadata", {}).get("course")
    if not (
        isinstance(course, dict) and course.get("role") in ROLES and isinstance(course.get("exercises"), list)
    ):
        return None
    return course["role"], tuple(str(exercise) for exercise in course["exercises"])


def exercises(notebook: nbformat.NotebookNode) -> list[Exercise]:
    """Every exercise of ``notebook``, in the order its first cell appears."""
    found: dict[tuple[str, ...], Exercise] = {}
    for index, cell in enumerate(notebook.cells):
        declared = role(cell)
        if declared is None:
            continue
        kind, ids = declared
        exercise = found.setdefault(ids, Exercise(ids))
        if kind == "solution":
            exercise.solutions.append(index)
        else:
            setattr(exercise, kind, index)
    return list(found.values())
