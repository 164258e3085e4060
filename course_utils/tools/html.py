"""Write a static HTML page of each notebook, with the answers folded away.

Usage, from the repository root::

    python -m course_utils.tools.html                          # every notebook -> html/
    python -m course_utils.tools.html notebooks/01_tensors.ipynb --out pages/

nbconvert's "lab" template with three changes (``templates/course``): a solution cell, its code
and outputs, sits in a closed ``<details>`` element that opens on a click; every image carries the
alt text stored with it; an exploration shows the picture it stored of its view instead of a
slider that a static page cannot run. The lessons' discussions are folded in the notebooks
themselves. The website (``course_utils.tools.site``) folds solutions the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nbconvert import HTMLExporter

TEMPLATES = Path(__file__).parent / "templates"


def page(path: str | Path) -> str:
    """The HTML page of the notebook at ``path``."""
    exporter = HTMLExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES)])
    body, _resources = exporter.from_filename(str(path))
    return body


def main(argv: list[str] | None = None) -> list[Path]:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.html", description=__doc__.split("\n")[0]
    )
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9][0-9]*_*.ipynb")
    parser.add_argument("--out", default="html", help="the folder to write (default: html)")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted(Path("notebooks").glob("[0-9][0-9]*_*.ipynb"))
    if not paths or not all(p.suffix == ".ipynb" and p.is_file() for p in paths):
        parser.error(f"no such notebook(s): {' '.join(map(str, paths)) or 'notebooks/[0-9][0-9]*_*.ipynb'}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = out / path.with_suffix(".html").name
        target.write_text(page(path), encoding="utf-8")
        print(f"wrote {target}")
        written.append(target)
    return written


if __name__ == "__main__":
    main()
