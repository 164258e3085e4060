"""Write the repository address (``course_utils.REPOSITORY``) into every notebook.

Usage, after changing ``REPOSITORY`` in ``course_utils/__init__.py``::

    python -m course_utils.stamp

It rewrites each notebook's "Open in Colab" badge (which also names the
notebook's own file) and the ``git+https://github.com/...`` address in its setup
cell. ``tests/test_notebooks.py`` checks that they agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from course_utils import REPOSITORY

_BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+")
_INSTALL = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+")


def badge_url(notebook_name: str, repository: str = REPOSITORY) -> str:
    """The Colab address of a notebook of the course.

    Example:
        >>> badge_url("01_tensors.ipynb", "me/course")
        'https://colab.research.google.com/github/me/course/blob/main/notebooks/01_tensors.ipynb'
    """
    return f"https://colab.research.google.com/github/{repository}/blob/main/notebooks/{notebook_name}"


def install_source(repository: str = REPOSITORY) -> str:
    """The pip source of ``course_utils`` used by the setup cells in Colab.

    Example:
        >>> install_source("me/course")
        'git+https://github.com/me/course'
    """
    return f"git+https://github.com/{repository}"


def stamp(path: str | Path, repository: str = REPOSITORY) -> bool:
    """Stamp ``repository`` into the notebook at ``path``; return whether it changed.

    Example:
        >>> import tempfile
        >>> from nbformat.v4 import new_code_cell, new_notebook
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "01_demo.ipynb"
        ...     cell = new_code_cell('pip install "course_utils @ git+https://github.com/old/name"')
        ...     nbformat.write(new_notebook(cells=[cell]), path)
        ...     changed = stamp(path, "new/name"), stamp(path, "new/name")
        ...     source = nbformat.read(path, as_version=4).cells[0].source
        >>> changed, source
        ((True, False), 'pip install "course_utils @ git+https://github.com/new/name"')
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        source = _BADGE.sub(badge_url(path.name, repository), cell.source)
        source = _INSTALL.sub(install_source(repository), source)
        if source != cell.source:
            cell.source, changed = source, True
    if changed:
        nbformat.write(notebook, path)
    return changed


def main() -> None:
    """The command line: ``python -m course_utils.stamp``, run from the repository root."""
    for path in sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"{path}: {'stamped' if stamp(path) else 'already up to date'}")


if __name__ == "__main__":
    main()
