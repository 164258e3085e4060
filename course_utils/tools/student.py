"""Write the student edition of the notebooks: solutions removed, outputs cleared.

Usage (from the repository root)::

    python -m course_utils.tools.student                   # every notebook -> student/
    python -m course_utils.tools.student --notebook 03_linear_regression.ipynb
    python -m course_utils.tools.student --out handout/ --repository my-school/handouts --ref main \
        --path week1
    python -m course_utils.tools.student ... --hub https://hub.my-school.org   # nbgitpuller links
    python -m course_utils.tools.student --format nbgrader --out course/   # an nbgrader course

Cells tagged ``solution`` are removed; every output and execution count is cleared; exercise
stubs, check cells and the setup cell stay. The "Open in Colab" badges of the full edition are
removed: with ``--repository``, ``--ref`` (a branch or tag) and ``--path``, which say where the
handout will be pushed, each notebook gets a badge that opens *its own* handout copy. The folder
it writes (``student/`` by default) is ignored by git.

``--format nbgrader`` writes an nbgrader course instead: ``source/<lesson>/<lesson>.ipynb`` with
each exercise's stub and solution in one answer cell (the solution between nbgrader's solution
markers) and each check as a graded, locked test cell worth the check's points, plus an
``nbgrader_config.py``. Run ``nbgrader generate_assignment <lesson>`` in that folder.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, ClearOutputPreprocessor
from nbformat.v4 import new_code_cell

from course_utils.tools.exercises import Exercise, exercises
from course_utils.tools.stamp import _BADGE, _OWNER_AND_NAME, colab_badge

SOLUTION_TAG = "solution"
EDITION_NOTE = (
    "*Student edition. Each exercise has a check cell: run it after your answer to see whether the "
    "answer is right, and a hint when it is not.*"
)
_KEPT_CELL_METADATA = ("tags", "jupyter", "cellView", "course")
_KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")
_REF = re.compile(r"[\w][\w.\-/]*")
_README_LINK = re.compile(r"\[([^\]]+)\]\(\.\./README\.md[^)]*\)")
_CHECK_CALL = re.compile(r"^checks\.(\w+)\(.*\)$")
NBGRADER_CONFIG = """\
c = get_config()  # noqa: F821 (nbgrader's configuration object)
# An exercise's stub stays above its answer region; the region itself becomes this line.
c.ClearSolutions.code_stub = {"python": "# your answer here"}
c.ClearSolutions.text_stub = "Your answer here."
"""


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is tagged ``solution``.

    Example:
        >>> from nbformat.v4 import new_code_cell
        >>> is_solution(new_code_cell("x = 1", metadata={"tags": ["solution"]}))
        True
    """
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def handout_link(notebook_name: str, repository: str, ref: str, path: str = "") -> str:
    """The Colab address of a handout notebook pushed to ``repository`` at ``ref``, in ``path``.

    Example:
        >>> handout_link("01_tensors.ipynb", "my-school/handouts", "main", "week1")
        'https://colab.research.google.com/github/my-school/handouts/blob/main/week1/01_tensors.ipynb'
    """
    if not _OWNER_AND_NAME.fullmatch(repository):
        raise ValueError(
            f"repository must be a GitHub OWNER/NAME such as 'my-school/handouts', got {repository!r}"
        )
    if not _REF.fullmatch(ref) or ".." in ref:
        raise ValueError(f"ref must be a branch or tag name such as 'main' or 'week1', got {ref!r}")
    folder = path.strip("/")
    return f"https://colab.research.google.com/github/{repository}/blob/{ref}/" + "/".join(
        part for part in (folder, notebook_name) if part
    )


def nbgitpuller_link(hub: str, notebook_name: str, repository: str, ref: str, path: str = "") -> str:
    """A JupyterHub link that pulls the handout into the learner's home and opens the notebook.

    Example:
        >>> print(nbgitpuller_link("https://hub.example.org", "01_a.ipynb", "me/handouts", "main", "w1"))
        https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fme%2Fhandouts&branch=main&urlpath=lab%2Ftree%2Fhandouts%2Fw1%2F01_a.ipynb
    """
    handout_link(notebook_name, repository, ref, path)  # validates the address
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", hub):
        raise ValueError(f"hub must be the hub's address such as 'https://hub.my-school.org', got {hub!r}")
    folder = "/".join(part for part in (repository.split("/")[1], path.strip("/"), notebook_name) if part)
    return (
        f"{hub.rstrip('/')}/hub/user-redirect/git-pull"
        f"?repo={quote('https://github.com/' + repository, safe='')}"
        f"&branch={quote(ref, safe='')}&urlpath={quote('lab/tree/' + folder, safe='')}"
    )


def _clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    resources: dict = {}
    notebook, _ = ClearOutputPreprocessor().preprocess(notebook, resources)
    notebook, _ = ClearMetadataPreprocessor(
        preserve_cell_metadata_mask=set(_KEPT_CELL_METADATA) | {"nbgrader"},
        preserve_nb_metadata_mask=set(_KEPT_NOTEBOOK_METADATA),
    ).preprocess(notebook, resources)
    return notebook


def student_edition(notebook: nbformat.NotebookNode, badge_link: str = "") -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` without solutions, outputs, stray metadata or the full edition's badge.

    ``badge_link``, when given, is the Colab address of the handout copy: its badge goes under
    the title.

    Example:
        >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
        >>> stub = new_code_cell("answer = ...", execution_count=1,
        ...                      outputs=[new_output("stream", text="hi")])
        >>> solved = new_code_cell("answer = 42", metadata={"tags": ["solution"]})
        >>> edition = student_edition(new_notebook(cells=[stub, solved]))
        >>> [cell.source for cell in edition.cells], edition.cells[0].outputs
        (['answer = ...'], [])
    """
    if not isinstance(notebook, nbformat.NotebookNode) or "cells" not in notebook:
        raise TypeError(
            f"student_edition: notebook must be an nbformat NotebookNode, got {type(notebook).__name__}"
        )
    edition = copy.deepcopy(notebook)
    edition.cells = [cell for cell in edition.cells if not is_solution(cell)]
    for cell in edition.cells:
        if cell.cell_type == "markdown":  # the handout holds the notebooks alone: no README to link to
            cell.source = _README_LINK.sub(r"\1", cell.source)
    if edition.cells and edition.cells[0].cell_type == "markdown":
        title, newline, rest = _BADGE.sub("", edition.cells[0].source).partition("\n")
        badge = f"\n\n{colab_badge(badge_link)}" if badge_link else ""
        edition.cells[0].source = title + badge + newline + rest + "\n\n" + EDITION_NOTE
    return _clean(edition)


def _solution_code(cells: list[nbformat.NotebookNode], exercise: Exercise) -> str:
    """The code of an exercise's solution cells, without their title line and their check calls."""
    assert exercise.check is not None
    calls = {line for line in cells[exercise.check].source.splitlines() if _CHECK_CALL.match(line)}
    lines = [
        line
        for solution in exercise.solutions
        if cells[solution].cell_type == "code"
        for line in cells[solution].source.splitlines()
        if line not in calls and not line.startswith("# @title")
    ]
    return "\n".join(lines).strip()


def solved_copy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition of ``notebook`` with each stub followed by its solution, as a learner solves it.

    Used to time grading on a class that did everything (``grade --benchmark``).
    """
    solved = copy.deepcopy(notebook)
    for exercise in exercises(notebook):
        if exercise.stub is not None and exercise.check is not None:
            stub = solved.cells[exercise.stub]
            stub.source = (
                f"{stub.source.rstrip()}\n{_solution_code(notebook.cells, exercise)}"  # stub, then answer
            )
    return student_edition(solved)


def _exercise_check(module: str, call: str) -> Any:
    """The check that a check cell's line ``checks.<name>(...)`` calls."""
    name = call.split("(")[0].removeprefix("checks.")
    function = getattr(importlib.import_module(f"course_utils.checks.{module}"), name, None)
    if function is None or not hasattr(function, "exercise"):
        raise ValueError(f"nbgrader_source: checks.{name} is not a check of course_utils.checks.{module}")
    return function


def nbgrader_source(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``notebook`` as an nbgrader source notebook.

    Each exercise (its stub, check and solution cells, as their metadata declares them:
    :mod:`course_utils.tools.exercises`) becomes an answer cell (the stub, then the solution
    between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) and one graded, locked test cell per
    check (``assert checks.<name>(...)``, worth the check's points). Markdown cells tagged
    ``solution`` are dropped.
    """
    cells = notebook.cells
    imports = [re.search(r"from course_utils\.checks import (\w+) as checks", cell.source) for cell in cells]
    found = [match.group(1) for match in imports if match]
    if not found:
        raise ValueError("nbgrader_source: the notebook imports no course_utils.checks module as checks")
    module = found[0]
    by_stub = {exercise.stub: exercise for exercise in exercises(notebook) if exercise.stub is not None}
    skipped = {index for exercise in by_stub.values() for index in [exercise.check, *exercise.solutions]}
    out = []
    for index, cell in enumerate(cells):
        if index in skipped or (is_solution(cell) and cell.cell_type == "markdown"):
            continue  # a check cell or a solution: both are rebuilt around the stub
        exercise = by_stub.get(index)
        if exercise is None or exercise.check is None:
            out.append(copy.deepcopy(cell))
            continue
        check_cell = cells[exercise.check]
        calls = [line for line in check_cell.source.splitlines() if _CHECK_CALL.match(line)]
        setup = [line for line in check_cell.source.splitlines() if line.strip() and line not in calls]
        body = _solution_code(cells, exercise)
        checks = [_exercise_check(module, call) for call in calls]
        grade_id = checks[0].exercise.replace(".", "_")
        answer_source = f"{cell.source.rstrip()}\n### BEGIN SOLUTION\n{body}\n### END SOLUTION"
        out.append(new_code_cell(answer_source, metadata=_nbgrader(f"answer_{grade_id}", solution=True)))
        if setup:
            out.append(new_code_cell("\n".join(setup), metadata=_nbgrader(f"setup_{grade_id}", locked=True)))
        for call, check in zip(calls, checks, strict=True):
            metadata = _nbgrader(check.exercise.replace(".", "_"), locked=True, points=check.points)
            out.append(
                new_code_cell(f"assert {call}, 'not yet right: see the message above'", metadata=metadata)
            )
    exported = copy.deepcopy(notebook)
    exported.cells = out
    return _clean(exported)


def _nbgrader(
    grade_id: str, *, solution: bool = False, locked: bool = False, points: int | None = None
) -> dict:
    fields = {"grade": points is not None, "grade_id": grade_id, "locked": locked, "schema_version": 3}
    fields |= {"solution": solution, "task": False} | ({"points": points} if points is not None else {})
    return {"nbgrader": fields}


def write_student_edition(
    notebooks: list[Path],
    out_dir: str | Path,
    *,
    repository: str | None = None,
    ref: str | None = None,
    path: str = "",
) -> list[Path]:
    """Write the student edition of each notebook into ``out_dir``; return the new paths.

    ``repository``, ``ref`` and ``path`` say where the handout will be pushed; when given, each
    notebook's badge opens that copy.

    Example:
        >>> import tempfile
        >>> from nbformat.v4 import new_code_cell, new_notebook
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     source = Path(folder) / "01_demo.ipynb"
        ...     solved = new_code_cell("answer = 42", metadata={"tags": ["solution"]})
        ...     nbformat.write(new_notebook(cells=[new_code_cell("answer = ..."), solved]), source)
        ...     written = write_student_edition([source], Path(folder) / "student")
        ...     cells = nbformat.read(written[0], as_version=4).cells
        >>> written[0].name, [cell.source for cell in cells]
        ('01_demo.ipynb', ['answer = ...'])
    """
    if (repository is None) != (ref is None):
        raise ValueError("write_student_edition: give the handout's repository and ref together")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook_path in notebooks:
        notebook_path = Path(notebook_path)
        if not notebook_path.is_file():
            raise FileNotFoundError(f"write_student_edition: no notebook at {notebook_path}")
        link = handout_link(notebook_path.name, repository, ref, path) if repository and ref else ""
        edition = student_edition(nbformat.read(notebook_path, as_version=4), link)
        target = out_dir / notebook_path.name
        nbformat.write(edition, target)
        written.append(target)
    return written


def write_nbgrader_course(notebooks: list[Path], course_dir: str | Path) -> list[Path]:
    """Write ``course_dir/source/<lesson>/<lesson>.ipynb`` for each notebook, and a config file."""
    course_dir = Path(course_dir)
    written = []
    for notebook_path in notebooks:
        notebook_path = Path(notebook_path)
        target = course_dir / "source" / notebook_path.stem / notebook_path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbgrader_source(nbformat.read(notebook_path, as_version=4)), target)
        written.append(target)
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG)
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.student",
        description="Write the student edition (no solutions, no outputs) of the notebooks.",
    )
    parser.add_argument("--notebook", help="one notebook's file name, e.g. 01_tensors.ipynb")
    parser.add_argument("--source", default="notebooks", help="folder of the full notebooks")
    parser.add_argument("--out", default="student", help="folder to write (default: student)")
    parser.add_argument("--format", choices=("notebooks", "nbgrader"), default="notebooks")
    parser.add_argument("--repository", help="the GitHub OWNER/NAME the handout will be pushed to")
    parser.add_argument("--ref", help="the branch or tag of that repository that will hold it")
    parser.add_argument("--path", default="", help="the folder inside that repository (default: its root)")
    parser.add_argument("--hub", help="a JupyterHub address: print an nbgitpuller link per notebook")
    args = parser.parse_args(argv)
    source = Path(args.source)
    if args.notebook:
        notebooks = [source / Path(args.notebook).name]
    else:
        notebooks = sorted(
            source.glob("[0-9][0-9]_*.ipynb" if args.format == "nbgrader" else "[0-9][0-9]*_*.ipynb")
        )
    if not notebooks or not all(path.is_file() for path in notebooks):
        parser.error(f"no such notebook(s) in {source}: {args.notebook or '[0-9][0-9]_*.ipynb'}")
    if (args.repository is None) != (args.ref is None) or (args.hub and not args.repository):
        parser.error("--repository and --ref go together, and --hub needs both")
    if args.format == "nbgrader" and (args.repository or args.hub):
        parser.error("--format nbgrader takes no --repository, --ref or --hub: nbgrader hands it out")
    try:
        links = (
            [nbgitpuller_link(args.hub, p.name, args.repository, args.ref, args.path) for p in notebooks]
            if args.hub
            else []
        )
        if args.repository and not args.hub:
            handout_link(notebooks[0].name, args.repository, args.ref, args.path)  # validates it
        if args.format == "nbgrader":
            written = write_nbgrader_course(notebooks, args.out)
        else:
            written = write_student_edition(
                notebooks, args.out, repository=args.repository, ref=args.ref, path=args.path
            )
    except ValueError as error:
        parser.error(str(error))
    for path in written:
        print(f"wrote {path}")
    if args.repository:
        print(
            f"push {args.out} to {args.repository} at {args.ref}, in '{args.path or '/'}': "
            "its badges open it there"
        )
    for link in links:
        print(link)
    return written


if __name__ == "__main__":
    main()
