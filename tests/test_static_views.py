"""What a reader sees of a lesson without running it: GitHub, nbviewer, nbconvert's HTML.

No widget repr and no unfinished progress bar anywhere; every picture described (alt text) and
stored at twice its displayed size; no answer visible without a click; the kernel's
language_info and the explorations' widget state stored with the outputs.
"""

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from course_utils.tools import html

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
UNFINISHED_BAR = re.compile(r"\b0%\|")
MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)")


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda path: path.stem)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def texts(output):
    return "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))


def solution(cell):
    return cell.metadata.get("course", {}).get("role") == "solution"


def test_no_widget_repr_and_no_unfinished_progress_bar_in_the_outputs(notebook):
    _path, nb = notebook
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = texts(output)
            assert not UNFINISHED_BAR.search(text), cell.source
            assert not re.search(r"\b(interactive|HBox|FloatProgress)\(", text), cell.source
            if WIDGET_VIEW in output.get("data", {}):  # a page that cannot run it shows its picture
                assert "image/png" in output["data"], cell.source


def test_every_picture_has_alt_text_and_is_stored_at_twice_its_size(notebook):
    _path, nb = notebook
    pictures = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" not in output.get("data", {}):
                continue
            pictures += 1
            meta = output.get("metadata", {}).get("image/png", {})
            assert len(meta.get("alt", "").strip()) >= 20, cell.source
            png = base64.b64decode(output["data"]["image/png"])
            assert int.from_bytes(png[16:20], "big") in (2 * meta["width"], 2 * meta["width"] + 1)
        if cell.cell_type == "markdown":
            for alt, _target in MARKDOWN_IMAGE.findall(cell.source):
                assert len(alt.strip()) >= 20, cell.source
    assert pictures >= 1


def test_answers_are_folded_and_collapsed_in_the_notebook(notebook):
    _path, nb = notebook
    solutions = [cell for cell in nb.cells if solution(cell)]
    assert solutions or "b_" in _path.name  # an appendix (04b) has no exercises
    for cell in solutions:
        if cell.cell_type == "code":  # JupyterLab and VS Code: code and outputs collapsed
            assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
        else:  # a discussion: folded wherever Markdown is shown
            assert cell.source.startswith("<details>\n<summary>") and cell.source.endswith("</details>")


def test_language_info_and_widget_state_are_stored(notebook):
    _path, nb = notebook
    info = nb.metadata["language_info"]
    assert info["name"] == "python" and {"version", "mimetype", "file_extension"} <= set(info)
    views = [
        output["data"][WIDGET_VIEW]["model_id"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    ]
    if views:
        assert set(views) <= set(nb.metadata["widgets"][WIDGET_STATE]["state"])


class CellTexts(HTMLParser):
    """The text of each cell of an nbconvert page, split by whether it sits inside ``<details>``."""

    VOID = frozenset({"img", "br", "hr", "input", "meta", "link", "source", "wbr", "col", "area"})

    def __init__(self):
        super().__init__()
        self.stack, self.details, self.cells = [], 0, []
        self.visible, self.folded = {}, {}

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        cell = (dict(attrs).get("id") or "").removeprefix("cell-id=")
        self.stack.append((tag, bool(cell) and tag == "div" and "id" in dict(attrs)))
        if self.stack[-1][1]:
            self.cells.append(cell)
        self.details += tag == "details"

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.stack:
            return
        while self.stack:
            open_tag, is_cell = self.stack.pop()
            self.details -= open_tag == "details"
            if is_cell:
                self.cells.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.cells and data.strip():
            side = self.folded if self.details else self.visible
            side[self.cells[-1]] = side.get(self.cells[-1], "") + data


def test_nbconvert_page_shows_no_answer_without_a_click(notebook):
    path, nb = notebook
    page = html.page(path)
    assert not UNFINISHED_BAR.search(page) and "interactive(children" not in page
    parser = CellTexts()
    parser.feed(page)
    solutions = [cell for cell in nb.cells if solution(cell)]
    for cell in solutions:
        assert cell.id in parser.folded, cell.source
        assert cell.id not in parser.visible, (cell.source, parser.visible[cell.id][:200])
    lesson = [cell for cell in nb.cells if cell.cell_type == "code" and not solution(cell) and cell.outputs]
    assert any(cell.id in parser.visible for cell in lesson)  # the parser does see visible cells
    for alt in re.findall(r'<img src="data:image/png[^>]*?alt="([^"]*)"', page):
        assert len(alt) >= 20


def test_the_parser_would_see_an_answer_left_outside_details():
    parser = CellTexts()
    parser.feed(
        '<div id="cell-id=a"><p>torch.Size([2, 4, 3])</p></div>'
        "<details><summary>Solution</summary>"
        '<div id="cell-id=b"><pre>answer</pre><img src="x"></div></details>'
    )
    assert parser.visible == {"a": "torch.Size([2, 4, 3])"} and parser.folded == {"b": "answer"}
