"""Make a release of the course: a stamped copy, its website, the student edition and nbgrader export.

Usage, from the repository root::

    python -m course_utils.tools.release --repository OWNER/NAME --revision v1.0 --out release/

writes into ``release/`` (replaced if it exists):

- ``course/``: a copy of the course's tracked files with its address recorded and every
  notebook stamped (``course_utils.tools.stamp``): the Colab badges open the notebooks at
  ``v1.0`` and the setup cells install ``course_utils`` from it;
- ``site/``: the website of that copy (``course_utils.tools.site``), its launch buttons pinned to
  ``v1.0``;
- ``student-edition.zip`` and ``nbgrader-course.zip``: the handouts of that copy
  (``course_utils.tools.student``); the nbgrader course holds the lessons with exercises.

The repository itself is not changed. ``.github/workflows/release.yml`` runs this command when a
tag is pushed, with the repository it runs in and that tag, then points the tag at a commit of
the stamped copy (so that the badges and installs find stamped notebooks at the tag), publishes
``site/`` to GitHub Pages and attaches the two archives to the GitHub release.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat

from course_utils.tools import site, stamp, student
from course_utils.tools.exercises import exercises

ROOT = site.ROOT
_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    "build",
    "_site",
    "student",
    ".*_cache",
    ".ipynb_checkpoints",
)


def stamped_copy(out: str | Path, repository: str, revision: str, *, root: Path = ROOT) -> Path:
    """Copy the course in ``root`` to ``out`` (its tracked files, where git can list them) and stamp it.

    Returns:
        ``out``, whose ``course_utils/__init__.py`` records the address and whose notebooks carry
        its Colab badges and install blocks. A bad address raises ``ValueError``, before any copy.
    """
    stamp.colab_block(repository, revision)  # validates the address
    out = Path(out)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True)
    if listed.returncode == 0 and listed.stdout:
        for name in filter(None, listed.stdout.split("\0")):
            if (root / name).is_file():
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, out / name)
    else:  # not a git checkout (e.g. an unpacked archive): everything but caches and environments
        shutil.copytree(root, out, ignore=_NOT_COPIED)
    stamp.record(repository, revision, out / "course_utils" / "__init__.py")
    for path in sorted((out / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        stamp.stamp(path, repository, revision)
    return out


def release(out: str | Path, repository: str, revision: str, *, jupyterhub: str | None = None) -> Path:
    """Write the release of ``repository`` at ``revision`` into ``out`` (see the module's docstring)."""
    out = Path(out).resolve()
    stamp.colab_block(repository, revision)
    if out.exists():
        shutil.rmtree(out)
    course = stamped_copy(out / "course", repository, revision)
    site.build(out / "site", root=course, jupyterhub=jupyterhub)
    notebooks = sorted((course / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    with tempfile.TemporaryDirectory() as folder:
        handout, nbgrader = Path(folder) / "student-edition", Path(folder) / "nbgrader-course"
        student.write_student_edition(notebooks, handout)
        graded = [path for path in notebooks if exercises(nbformat.read(path, as_version=4))]
        student.write_nbgrader_course(graded, nbgrader)  # the lessons with exercises
        for archive in (handout, nbgrader):
            shutil.make_archive(str(out / archive.name), "zip", archive.parent, archive.name)
    return out


def main(argv: list[str] | None = None) -> Path:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.release", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--repository", required=True, help="the course's GitHub repository, OWNER/NAME")
    parser.add_argument(
        "--revision", required=True, help="the release tag (such as v1.0) or a full commit hash"
    )
    parser.add_argument("--out", default="release", help="the folder to write (default: release)")
    parser.add_argument("--jupyterhub", help="a JupyterHub's address, for the site's launch button")
    args = parser.parse_args(argv)
    try:
        out = release(args.out, args.repository, args.revision, jupyterhub=args.jupyterhub)
    except ValueError as error:
        parser.error(str(error))
    for path in sorted(out.iterdir()):
        print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
