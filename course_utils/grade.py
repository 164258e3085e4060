"""Grade a class's submitted notebooks: run each one, collect every check's result, write a CSV.

Usage (from the repository root)::

    python -m course_utils.grade SUBMISSIONS --out grades.csv
    python -m course_utils.grade SUBMISSIONS --out grades.csv --feedback feedback/ --timeout 300
    python -m course_utils.grade SUBMISSIONS --out grades.csv --hidden hidden_checks/ --lessons 01 02

``SUBMISSIONS`` holds one folder per student, each with any of that student's notebooks under
the course's names (``SUBMISSIONS/ada/01_tensors.ipynb``). Each notebook runs top to bottom in a
fresh kernel, in a temporary folder, with a time limit; a cell that raises does not stop it, so
each exercise is graded on its own check. The CSV has one row per student and exercise
(``student, notebook, exercise, status, points, max_points, feedback``) and one ``total`` row per
student. Besides a check's own statuses (``correct``, ``wrong``, ``raised``, ``not attempted``),
an exercise can be ``not run`` (its check never ran), ``missing`` (no such notebook), ``invalid``
(not a notebook), ``timed out`` or ``crashed`` (the kernel died): all score zero, with the reason.

Hidden checks: ``--hidden DIR`` names a folder of ``.py`` files whose functions are decorated with
:func:`course_utils.checks.core.check`. Each runs at the end of the notebook of its lesson (the
number of its id), and each of its parameters receives the learner's variable of that name
(``...`` when the learner has none). They count like the lesson's own checks.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell
from tqdm.auto import tqdm

from course_utils import checks
from course_utils.checks import core

# Runs one submission: ``python -c _RUN SOURCE EXECUTED TIMEOUT``, in the submission's folder. The
# kernel's own stderr (its warnings, a dying kernel's traceback) is not the learner's: dropped.
_TIMED_OUT = 3
_RUN = """
import asyncio, subprocess, sys, time
import nbformat
from nbclient import NotebookClient
source, executed, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
notebook = nbformat.read(source, as_version=4)
client = NotebookClient(notebook, timeout=timeout + 60, kernel_name="python3", allow_errors=True,
                        record_timing=False, resources={"metadata": {"path": "."}})
start = time.monotonic()
try:
    asyncio.run(asyncio.wait_for(client.async_execute(stderr=subprocess.DEVNULL), timeout))
except Exception:  # stopping a run at its time limit may also lose the kernel
    if time.monotonic() - start >= timeout:
        sys.exit(3)
    raise
nbformat.write(notebook, executed)
"""
COLUMNS = ("student", "notebook", "exercise", "status", "points", "max_points", "feedback")
NOT_RUN, MISSING, INVALID, TIMED_OUT, CRASHED = "not run", "missing", "invalid", "timed out", "crashed"


@dataclass
class Lesson:
    """A notebook of the course and its checks, by exercise id, in the order they are defined."""

    notebook: str
    exercises: dict[str, Callable[..., core.Result]] = field(default_factory=dict)


def course_lessons() -> dict[str, Lesson]:
    """Every lesson with checks, by number ("01"), from the modules of :mod:`course_utils.checks`.

    Example:
        >>> lessons = course_lessons()
        >>> lessons["01"].notebook, next(iter(lessons["01"].exercises)).startswith("01.")
        ('01_tensors.ipynb', True)
    """
    for found in pkgutil.iter_modules(checks.__path__):
        if found.name != "core":
            importlib.import_module(f"{checks.__name__}.{found.name}")
    lessons: dict[str, Lesson] = {}
    for exercise, function in core.REGISTRY.items():
        module = function.__module__.rsplit(".", 1)[-1]
        number = exercise[:2]
        if function.__module__.startswith(checks.__name__ + "."):
            lessons.setdefault(number, Lesson(f"{number}_{module}.ipynb")).exercises[exercise] = function
    return dict(sorted(lessons.items()))


def load_hidden(folder: str | Path) -> dict[str, Callable[..., core.Result]]:
    """Import every ``.py`` file in ``folder``; return the checks they define, by exercise id."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"load_hidden: no folder {folder}")
    before = set(core.REGISTRY)
    for path in sorted(folder.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"hidden_checks.{path.stem}", path)
        assert spec is not None and spec.loader is not None
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    return {exercise: core.REGISTRY[exercise] for exercise in core.REGISTRY if exercise not in before}


def run_hidden(folder: str, namespace: dict[str, Any], lesson: str) -> None:
    """Run the hidden checks of ``lesson`` on the learner's ``namespace`` (the last cell of a run)."""
    for exercise, hidden in load_hidden(folder).items():
        if exercise.startswith(lesson + "."):
            names = inspect.signature(hidden).parameters
            hidden(*(namespace.get(name, ...) for name in names))


def execute(path: Path, lesson: str, *, timeout: float, hidden: str | None = None) -> tuple[dict, str]:
    """Run the notebook at ``path``; return (the last result of each exercise, the problem or "").

    The problem is ``"invalid: ..."``, ``"timed out: ..."``, ``"crashed: ..."`` (then no results)
    or, for a run that finished, the first error a cell raised (or ``""``).
    """
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # not JSON, not a notebook, or a broken one
        return {}, f"{INVALID}: not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
    if hidden:
        notebook.cells.append(
            new_code_cell(
                f"from course_utils.grade import run_hidden\nrun_hidden({hidden!r}, globals(), {lesson!r})"
            )
        )
    with tempfile.TemporaryDirectory() as folder:
        source, executed = Path(folder) / "submission.ipynb", Path(folder) / "executed.ipynb"
        nbformat.write(notebook, source)
        results_file = Path(folder) / "results.jsonl"
        # Each run in a process of its own: nothing of one submission (nor of this process) reaches
        # the next, and a run that hangs can be stopped without leaving its kernel behind.
        try:
            done = subprocess.run(
                [sys.executable, "-c", _RUN, str(source), str(executed), str(timeout)],
                cwd=folder,
                env={**os.environ, core.RESULTS_FILE: str(results_file)},
                capture_output=True,
                text=True,
                timeout=timeout + 60,
            )
        except subprocess.TimeoutExpired:
            done = None
        if done is None or done.returncode == _TIMED_OUT:
            return {}, f"{TIMED_OUT}: the notebook ran longer than {timeout:g} s"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            reason = "the kernel died" if "DeadKernelError" in done.stderr else last
            return {}, f"{CRASHED}: {reason}"
        notebook = nbformat.read(executed, as_version=4)
        lines = results_file.read_text(encoding="utf-8").splitlines() if results_file.exists() else []
    results = {}
    for line in lines:
        result = json.loads(line)
        results[result["exercise"]] = result  # the last run of a check counts
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return results, f"cell {index + 1} raised {output.ename}: {output.evalue}"
    return results, ""


def grade_notebook(
    student: str,
    lesson: Lesson,
    exercises: dict[str, Callable],
    folder: Path,
    *,
    timeout: float,
    hidden: str | None,
) -> list[dict[str, Any]]:
    """The rows of one student's notebook: one per exercise."""
    path = folder / lesson.notebook
    results: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        problem = f"{MISSING}: no {lesson.notebook} in the submission"
    else:
        results, problem = execute(path, lesson.notebook[:2], timeout=timeout, hidden=hidden)
    rows = []
    for exercise, function in exercises.items():
        row: dict[str, Any] = {"student": student, "notebook": lesson.notebook, "exercise": exercise}
        if exercise in results:
            result = results[exercise]
            row.update(status=result["status"], points=result["points"], feedback=result["feedback"])
        elif problem.split(":")[0] in (MISSING, INVALID, TIMED_OUT, CRASHED):
            status, reason = problem.split(": ", 1)
            row.update(status=status, points=0, feedback=reason)
        else:
            reason = "its check did not run" + (f" ({problem})" if problem else "")
            row.update(status=NOT_RUN, points=0, feedback=reason)
        row["max_points"] = function.points  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def grade(
    submissions: str | Path,
    *,
    lessons: list[str] | None = None,
    timeout: float = 300,
    hidden: str | Path | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Grade every student folder in ``submissions``; return the rows of the CSV, totals included.

    ``lessons`` (numbers such as ``"01"``) defaults to every lesson that some student submitted.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"grade: no folder {submissions}")
    course = course_lessons()
    hidden_checks = load_hidden(hidden) if hidden else {}
    hidden_folder = str(Path(hidden).resolve()) if hidden else None
    students = sorted(path for path in submissions.iterdir() if path.is_dir())
    if lessons is None:
        lessons = [n for n, lesson in course.items() if any((s / lesson.notebook).exists() for s in students)]
    unknown = [number for number in lessons if number not in course]
    if unknown:
        raise ValueError(f"grade: no lesson {unknown}; the course has {list(course)}")
    jobs = [(student, course[number]) for student in students for number in lessons]
    rows: list[dict[str, Any]] = []
    for student, lesson in tqdm(jobs, desc="grading", unit="notebook", disable=not progress):
        number = lesson.notebook[:2]
        exercises = lesson.exercises | {e: f for e, f in hidden_checks.items() if e.startswith(number + ".")}
        with_hidden = hidden_folder if any(e.startswith(number + ".") for e in hidden_checks) else None
        rows += grade_notebook(student.name, lesson, exercises, student, timeout=timeout, hidden=with_hidden)
        if lesson is course[lessons[-1]]:
            own = [row for row in rows if row["student"] == student.name]
            rows.append(
                {
                    "student": student.name,
                    "notebook": "",
                    "exercise": "total",
                    "status": "",
                    "points": sum(row["points"] for row in own),
                    "max_points": sum(row["max_points"] for row in own),
                    "feedback": "",
                }
            )
    return rows


def write_feedback(rows: list[dict[str, Any]], folder: str | Path) -> list[Path]:
    """Write one Markdown file per student into ``folder``: each exercise's status and feedback."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student in dict.fromkeys(row["student"] for row in rows):
        own = [row for row in rows if row["student"] == student]
        total = own[-1]
        lines = [
            f"# Feedback for {student}",
            "",
            f"Total: {total['points']} of {total['max_points']} points.",
        ]
        for row in own[:-1]:
            lines.append(
                f"\n## {row['notebook']} · {row['exercise']}: {row['status']}, "
                f"{row['points']}/{row['max_points']} points"
            )
            if row["feedback"]:
                lines += ["", "```", row["feedback"], "```"]
        path = folder / f"{student}.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """The command line: ``python -m course_utils.grade SUBMISSIONS --out grades.csv [options]``."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.grade", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", help="a folder with one folder of notebooks per student")
    parser.add_argument("--out", required=True, help="the CSV file to write")
    parser.add_argument(
        "--lessons", nargs="+", help="lesson numbers to grade, e.g. 01 02 (default: all submitted)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds one notebook may run (default 300)"
    )
    parser.add_argument("--hidden", help="a folder of extra check files (.py) that learners do not see")
    parser.add_argument("--feedback", help="a folder to write one feedback file per student into")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not Path(args.submissions).is_dir():
        parser.error(f"no folder {args.submissions}")
    if args.hidden and not Path(args.hidden).is_dir():
        parser.error(f"no folder {args.hidden}")
    lessons = [number.zfill(2) for number in args.lessons] if args.lessons else None
    try:
        rows = grade(args.submissions, lessons=lessons, timeout=args.timeout, hidden=args.hidden)
    except ValueError as error:
        parser.error(str(error))
    with open(args.out, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out}: {len({row['student'] for row in rows})} students, {len(rows)} rows")
    if args.feedback:
        print(f"wrote {len(write_feedback(rows, args.feedback))} feedback files into {args.feedback}")
    return rows


if __name__ == "__main__":
    main()
