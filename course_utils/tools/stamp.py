"""Write the course's repository address into every notebook's badge and setup cell.

Usage, from the repository root::

    python -m course_utils.tools.stamp --repository OWNER/NAME --revision v1.0  # record, then stamp
    python -m course_utils.tools.stamp                                          # stamp the recorded one

The address is recorded in one place: ``REPOSITORY`` and ``REVISION`` in
``course_utils/__init__.py``. While they are unset (``None``), no notebook has an "Open in Colab"
badge, and in Colab the setup cell installs nothing: it prints how to set them. Once set, the
badge opens the notebook at that revision and the setup cell installs ``course_utils`` from it.
The revision is a release tag or a full commit hash, never a branch, so what learners install is
what the teacher tested. ``tests/test_notebooks.py`` checks every notebook against the record.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from course_utils import REPOSITORY, REVISION

_OWNER_AND_NAME = re.compile(
    r"(?=[A-Za-z0-9-]{1,39}/)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*/(?!\.\.?$)[\w.-]{1,100}", re.ASCII
)
_RELEASE_TAG = re.compile(r"v?\d+(?:\.\d+)+(?:-?(?:a|b|rc)\.?\d+)?")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_BADGE = re.compile(r"\n\n\[!\[Open In Colab\]\(.*?\)\]\(.*?\)")
_DIAGRAM = re.compile(
    r"\]\((?:attachment:|https://raw\.githubusercontent\.com/[^)\s]+/figures/diagrams/)([\w-]+)\.png\)"
)
_COLAB_BLOCK = re.compile(r'^if "google\.colab" in sys\.modules:.*(?:\n(?:[ \t]+.*|(?=\n[ \t])))*', re.M)

_INSTALL = """\
if "google.colab" in sys.modules:  # Colab: install the course helpers from the repository
    import subprocess

    requirement = "course_utils @ git+https://github.com/{repository}@{revision}"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)"""
_UNSET = r"""if "google.colab" in sys.modules:  # Colab: the course helpers have no address yet
    print(
        "course_utils cannot be installed: this copy of the course names no repository.\n"
        "To set one, run this in a checkout, then commit and push the notebooks:\n"
        "python -m course_utils.tools.stamp --repository OWNER/NAME --revision TAG_OR_COMMIT"
    )"""


def _check(repository: str | None, revision: str | None) -> None:
    if (repository is None) != (revision is None):
        raise ValueError(
            "repository and revision are set together or not at all, "
            f"got repository={repository!r} and revision={revision!r}"
        )
    if repository is not None and not _OWNER_AND_NAME.fullmatch(repository):
        raise ValueError(
            f"repository must be a GitHub OWNER/NAME such as 'my-school/pytorch-course', got {repository!r}"
        )
    if revision is not None and not (_RELEASE_TAG.fullmatch(revision) or _COMMIT.fullmatch(revision)):
        raise ValueError(
            "revision must be a release tag such as 'v1.0' or '2.1.3', or a full "
            f"40-character commit hash, got {revision!r}: a branch moves, so learners "
            "would install whatever it holds on the day they run the notebook"
        )


def colab_block(repository: str | None, revision: str | None) -> str:
    """The ``if "google.colab" in sys.modules:`` block of every notebook's setup cell.

    Args:
        repository: the course's GitHub repository, ``"OWNER/NAME"``, or ``None`` while unset.
        revision: a release tag or full commit hash in it, or ``None`` while unset.

    Returns:
        The block's code: set, it pip-installs ``course_utils`` from that revision; unset, it
        installs nothing and prints how to set the address. A bad address raises ``ValueError``.

    Example:
        >>> print(colab_block("my-school/pytorch-course", "v1.0"))
        if "google.colab" in sys.modules:  # Colab: install the course helpers from the repository
            import subprocess
        <BLANKLINE>
            requirement = "course_utils @ git+https://github.com/my-school/pytorch-course@v1.0"
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)
        >>> "--repository OWNER/NAME" in colab_block(None, None)
        True
    """
    _check(repository, revision)
    if repository is None:
        return _UNSET
    return _INSTALL.format(repository=repository, revision=revision)


def colab_badge(link: str) -> str:
    """The "Open in Colab" badge, in Markdown, for the notebook at ``link``."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({link})"


def badge(notebook_name: str, repository: str | None, revision: str | None) -> str:
    """A notebook's "Open in Colab" badge in Markdown, or ``""`` while the address is unset.

    Example:
        >>> badge("01_tensors.ipynb", "me/course", "v1.0")
        '[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/me/course/blob/v1.0/notebooks/01_tensors.ipynb)'
        >>> badge("01_tensors.ipynb", None, None)
        ''
    """
    _check(repository, revision)
    if repository is None:
        return ""
    return colab_badge(
        f"https://colab.research.google.com/github/{repository}/blob/{revision}/notebooks/{notebook_name}"
    )


def stamp(path: str | Path, repository: str | None, revision: str | None) -> bool:
    """Write the address into a notebook's badge and setup cell; return whether it changed.

    The badge goes under the title in the first Markdown cell; the Colab block of the first code
    cell is replaced with :func:`colab_block`. The rest of both cells stays as it is. Diagrams
    (Markdown attachments, which Colab does not show) become links to ``figures/diagrams/`` at the
    address, or attachments again when it is unset.

    Example:
        >>> import tempfile
        >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
        >>> setup = 'import sys\\n\\nif "google.colab" in sys.modules:\\n    pass\\n\\nimport torch'
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "01_demo.ipynb"
        ...     cells = [new_markdown_cell("# 01 · Demo\\n\\nText."), new_code_cell(setup)]
        ...     nbformat.write(new_notebook(cells=cells), path)
        ...     changed = stamp(path, "me/course", "v1.0"), stamp(path, "me/course", "v1.0")
        ...     top, setup = nbformat.read(path, as_version=4).cells
        >>> changed, "blob/v1.0/notebooks/01_demo.ipynb" in top.source, "@v1.0" in setup.source
        ((True, False), True, True)
    """
    path = Path(path)
    block = colab_block(repository, revision)
    notebook = nbformat.read(path, as_version=4)
    top = next((cell for cell in notebook.cells if cell.cell_type == "markdown"), None)
    setup = next((cell for cell in notebook.cells if cell.cell_type == "code"), None)
    if top is None or setup is None or not _COLAB_BLOCK.search(setup.source):
        raise ValueError(
            f"stamp: {path} needs a Markdown cell with its title, then a setup code "
            "cell with an 'if \"google.colab\" in sys.modules:' block"
        )
    title, newline, rest = _BADGE.sub("", top.source).partition("\n")
    link = badge(path.name, repository, revision)
    sources = (
        f"{title}\n\n{link}{newline}{rest}" if link else title + newline + rest,
        _COLAB_BLOCK.sub(lambda match: block, setup.source, count=1),
    )
    diagrams = _link_diagrams(notebook, repository, revision)
    if sources == (top.source, setup.source) and not diagrams:
        return False
    top.source, setup.source = sources
    nbformat.write(notebook, path)
    return True


def _link_diagrams(notebook: nbformat.NotebookNode, repository: str | None, revision: str | None) -> bool:
    """Point each diagram of ``notebook`` at its file at the address, or back at its attachment.

    Colab does not render Markdown attachments; a released notebook links each diagram to
    ``figures/diagrams/NAME.png`` at its revision on GitHub instead. Unset, the attachment is
    drawn again (``course_utils.diagrams``). Returns whether a cell changed.
    """
    from course_utils import diagrams

    changed = False
    for cell in notebook.cells:
        names = _DIAGRAM.findall(cell.source) if cell.cell_type == "markdown" else []
        for name in names:
            attachments: dict[str, dict[str, str]]
            if repository is None and f"](attachment:{name}.png)" in cell.source:
                continue  # already an attachment
            if repository is None:
                target, attachments = f"attachment:{name}.png", diagrams.markdown_image(name)[1]
            else:
                target = (
                    f"https://raw.githubusercontent.com/{repository}/{revision}/figures/diagrams/{name}.png"
                )
                attachments = {}
            source = cell.source
            for match in _DIAGRAM.finditer(cell.source):
                if match[1] == name:
                    source = source.replace(match[0], f"]({target})")
            if source != cell.source or cell.get("attachments", {}) != attachments:
                cell.source, changed = source, True
                if attachments:
                    cell.attachments = attachments
                else:
                    cell.pop("attachments", None)
    return changed


def record(repository: str, revision: str, init: Path) -> None:
    """Write the address into ``init`` (a ``course_utils/__init__.py``): its REPOSITORY and REVISION."""
    text = init.read_text()
    for name, value in (("REPOSITORY", repository), ("REVISION", revision)):
        text, count = re.subn(rf"^{name} = .*$", f'{name} = "{value}"', text, count=1, flags=re.M)
        if count != 1:
            raise ValueError(f"stamp: {init} has no line '{name} = ...' to record the address in")
    init.write_text(text)


def main(argv: list[str] | None = None) -> None:
    """The command line, run from the repository root (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.stamp", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repository", help="the course's GitHub repository, OWNER/NAME")
    parser.add_argument("--revision", help="a release tag (such as v1.0) or full commit hash in it")
    args = parser.parse_args(argv)
    given = args.repository is not None or args.revision is not None
    repository, revision = (args.repository, args.revision) if given else (REPOSITORY, REVISION)
    try:
        colab_block(repository, revision)
    except ValueError as error:
        parser.error(str(error))
    if not Path("notebooks").is_dir():
        parser.error("run it from the repository root: there is no notebooks/ folder here")
    if given:
        record(args.repository, args.revision, Path("course_utils") / "__init__.py")
    for path in sorted(Path("notebooks").glob("[0-9][0-9]*_*.ipynb")):
        print(f"{path}: {'stamped' if stamp(path, repository, revision) else 'already up to date'}")
    print(
        f"address: {repository}@{revision}"
        if repository
        else "address: unset, so no Colab badges, and in Colab the setup cells install nothing"
    )


if __name__ == "__main__":
    main()
