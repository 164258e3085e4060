"""Write the student edition of the notebooks: solutions removed, outputs cleared.

Usage (from the repository root)::

    python -m course_utils.student                          # every notebook -> student/
    python -m course_utils.student --notebook 03_linear_regression.ipynb
    python -m course_utils.student --out handout/

Cells tagged ``solution`` are removed; every output and execution count is
cleared; exercise stubs, check cells, the setup cell and the badge stay as they
are. The folder it writes (``student/`` by default) is ignored by git.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, ClearOutputPreprocessor

SOLUTION_TAG = "solution"
EDITION_NOTE = (
    "*Student edition: the solutions are not included. Each exercise's check cell tells you "
    "whether your answer is right, and gives a hint when it is not.*"
)
_KEPT_CELL_METADATA = ("tags", "jupyter", "cellView")
_KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is tagged ``solution``.

    Example:
        >>> from nbformat.v4 import new_code_cell
        >>> is_solution(new_code_cell("x = 1", metadata={"tags": ["solution"]}))
        True
    """
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` without solutions, outputs or stray metadata.

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
    if edition.cells and edition.cells[0].cell_type == "markdown":
        edition.cells[0].source += "\n\n" + EDITION_NOTE
    resources: dict = {}
    edition, _ = ClearOutputPreprocessor().preprocess(edition, resources)
    edition, _ = ClearMetadataPreprocessor(
        preserve_cell_metadata_mask=set(_KEPT_CELL_METADATA),
        preserve_nb_metadata_mask=set(_KEPT_NOTEBOOK_METADATA),
    ).preprocess(edition, resources)
    return edition


def write_student_edition(notebooks: list[Path], out_dir: str | Path) -> list[Path]:
    """Write the student edition of each notebook into ``out_dir``; return the new paths.

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
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"write_student_edition: no notebook at {path}")
        edition = student_edition(nbformat.read(path, as_version=4))
        target = out_dir / path.name
        nbformat.write(edition, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    """The command line: ``python -m course_utils.student [--notebook NAME] [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.student",
        description="Write the student edition (no solutions, no outputs) of the notebooks.",
    )
    parser.add_argument("--notebook", help="one notebook's file name, e.g. 01_tensors.ipynb")
    parser.add_argument("--source", default="notebooks", help="folder of the full notebooks")
    parser.add_argument("--out", default="student", help="folder to write (default: student)")
    args = parser.parse_args(argv)
    source = Path(args.source)
    if args.notebook:
        notebooks = [source / Path(args.notebook).name]
    else:
        notebooks = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks or not all(path.is_file() for path in notebooks):
        parser.error(f"no such notebook(s) in {source}: {args.notebook or '[0-9][0-9]_*.ipynb'}")
    written = write_student_edition(notebooks, args.out)
    for path in written:
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main()
