"""Build the course website from the notebooks as they are stored: nothing is re-executed.

Usage, from the repository root::

    python -m course_utils.tools.site                      # into _site/
    python -m course_utils.tools.site --out public --jupyterhub https://hub.my-school.org

The site is Sphinx with MyST-NB, which renders a notebook's stored outputs, and the Sphinx Book
Theme, which gives each lesson page launch buttons, search and a light/dark switch. The home page
is README.md (its gallery and lesson table); TEACHING.md is the teachers' page. On the pages:

- solution cells are collapsed, with their outputs, behind a click ("Show code cell ..."); the
  discussions are already collapsed in the notebooks themselves (``<details>``);
- each exploration shows the picture it stored of its view (a page cannot run its sliders);
- every plot carries the alt text stored with it.

The launch buttons (Colab, Binder and, with ``--jupyterhub``, a JupyterHub through nbgitpuller)
appear once the course's address is recorded (``python -m course_utils.tools.stamp``); they open
the notebooks at the recorded revision. ``python -m http.server -d _site`` serves the result.
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

import course_utils
from course_utils.tools.exercises import role

ROOT = Path(__file__).resolve().parents[2]
_RELEASED_DIAGRAM = re.compile(r"https://raw\.githubusercontent\.com/[^)\s]+/(figures/diagrams/[\w-]+\.png)")
_CONF = """\
project = "PyTorch, hands-on"
author = "the course's authors"
extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build"]
nb_execution_mode = "off"  # the stored outputs, as the tests checked them
# A page cannot run an exploration's sliders: show the picture the exploration stored instead.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]
html_title = "PyTorch, hands-on"
html_theme = "sphinx_book_theme"
html_theme_options = {options!r}
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]


def setup(app):
    # MyST-NB gives an image output only its width and height: add the alt text stored with it.
    from myst_nb.core.render import NbElementRenderer

    render_image = NbElementRenderer.render_image

    def render_image_with_alt(self, data):
        nodes = render_image(self, data)
        alt = data.output_metadata.get(data.mime_type, {{}}).get("alt")
        if alt:
            nodes[0]["alt"] = alt
        return nodes

    NbElementRenderer.render_image = render_image_with_alt
"""


def theme_options(repository: str | None, revision: str | None, jupyterhub: str | None) -> dict:
    """The Sphinx Book Theme's options: launch buttons only where the course has an address.

    Example:
        >>> theme_options(None, None, None)["launch_buttons"]
        {}
        >>> options = theme_options("my-school/pytorch-course", "v1.0", None)
        >>> options["repository_url"], options["repository_branch"], sorted(options["launch_buttons"])
        ('https://github.com/my-school/pytorch-course', 'v1.0', ['binderhub_url', 'colab_url'])
    """
    options: dict = {"home_page_in_toc": True, "show_toc_level": 2, "launch_buttons": {}}
    if repository is None or revision is None:
        return options
    buttons = {"colab_url": "https://colab.research.google.com", "binderhub_url": "https://mybinder.org"}
    if jupyterhub:
        buttons["jupyterhub_url"] = jupyterhub
    options.update(
        repository_url=f"https://github.com/{repository}",
        repository_branch=revision,
        path_to_docs="",
        use_repository_button=True,
        launch_buttons=buttons,
    )
    return options


def page_notebook(notebook: nbformat.NotebookNode, images: Path, prefix: str) -> nbformat.NotebookNode:
    """A copy of ``notebook`` as its page shows it: attachments as files, solutions collapsed.

    Markdown attachments (the diagrams) are written to ``images`` as ``PREFIX_NAME`` and linked
    from there, since MyST-NB does not read attachments; solution code cells get MyST-NB's
    ``hide-cell`` tag, which folds the code and its outputs behind a click.
    """
    page = nbformat.from_dict(notebook)
    for cell in page.cells:
        for name, bundle in cell.pop("attachments", {}).items():
            (_mime, data), *_ = bundle.items()
            (images / f"{prefix}_{name}").write_bytes(base64.b64decode(data))
            cell.source = cell.source.replace(f"attachment:{name}", f"{images.name}/{prefix}_{name}")
        if cell.cell_type == "markdown":  # the home page is README.md's copy, index.md
            cell.source = cell.source.replace("](../README.md", "](../index.md")
            # a released notebook links its diagrams on GitHub (for Colab); the site has them
            cell.source = _RELEASED_DIAGRAM.sub(r"../\1", cell.source)
        if cell.cell_type == "code" and (role(cell) or ("",))[0] == "solution":
            cell.metadata.setdefault("tags", []).append("hide-cell")
    return page


def write_sources(source: Path, root: Path = ROOT) -> list[str]:
    """Write the site's sources into ``source``: the home page, the lessons and the teachers' page.

    Returns:
        The lesson pages, in order (e.g. ``notebooks/01_tensors``).
    """
    (source / "notebooks" / "images").mkdir(parents=True)
    lessons = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        page = page_notebook(notebook, source / "notebooks" / "images", path.stem)
        nbformat.write(page, source / "notebooks" / path.name)
        lessons.append(f"notebooks/{path.stem}")
    shutil.copytree(root / "figures", source / "figures")
    for name in ("TEACHING.md", "CONTRIBUTING.md", "LICENSE"):
        if (root / name).exists():
            shutil.copy(root / name, source / name)
    toctree = "\n".join(["", "```{toctree}", ":hidden:", ":caption: Lessons", "", *lessons, "```", ""])
    teachers = "\n".join(
        ["```{toctree}", ":hidden:", ":caption: Teaching", "", "TEACHING", "CONTRIBUTING", "```", ""]
    )
    (source / "index.md").write_text((root / "README.md").read_text() + toctree + "\n" + teachers)
    return lessons


def build(out: str | Path, *, root: Path = ROOT, jupyterhub: str | None = None, quiet: bool = True) -> Path:
    """Build the website of the course in ``root`` into ``out`` (replaced if it exists).

    The address comes from ``root``'s ``course_utils/__init__.py`` when it is not this package's own
    (a stamped copy of the course), so a release builds the site of the copy it stamped.
    """
    out = Path(out).resolve()
    repository, revision = _address(root)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source"
        source.mkdir()
        write_sources(source, root)
        options = theme_options(repository, revision, jupyterhub)
        (source / "conf.py").write_text(_CONF.format(options=options))
        html = Path(folder) / "build" / "html"  # MyST-NB also writes build/jupyter_execute
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-j", "auto", str(source), str(html)]
        subprocess.run([*command, *(["-q"] if quiet else [])], check=True)
        shutil.rmtree(html / ".doctrees", ignore_errors=True)
        if out.exists():
            shutil.rmtree(out)
        shutil.move(html, out)
    return out


def _address(root: Path) -> tuple[str | None, str | None]:
    """``REPOSITORY`` and ``REVISION`` as recorded in ``root``'s ``course_utils/__init__.py``."""
    if root.resolve() == ROOT:
        return course_utils.REPOSITORY, course_utils.REVISION
    text = (root / "course_utils" / "__init__.py").read_text()
    values = {}
    for name in ("REPOSITORY", "REVISION"):
        match = re.search(rf"^{name} = (None|\"[^\"]*\")$", text, re.M)
        if match is None:
            raise ValueError(f"{root}: course_utils/__init__.py records no {name}")
        values[name] = None if match[1] == "None" else match[1].strip('"')
    return values["REPOSITORY"], values["REVISION"]


def main(argv: list[str] | None = None) -> Path:
    """The command line: ``python -m course_utils.tools.site [--out DIR] [--jupyterhub URL]``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.site", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", default="_site", help="the folder to build into (default: _site)")
    parser.add_argument(
        "--jupyterhub", help="a JupyterHub's address, for a launch button through nbgitpuller"
    )
    args = parser.parse_args(argv)
    out = build(args.out, jupyterhub=args.jupyterhub)
    print(f"built {out}: python -m http.server -d {args.out}")
    return out


if __name__ == "__main__":
    main()
