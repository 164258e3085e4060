"""The release, made locally: a stamped copy, its website (read in Chromium) and the handouts.

``python -m course_utils.tools.release`` runs once for the module, with a test address; the
website it builds is then served and read in headless Chromium (Debian's ``chromium``; outside
CI the browser tests are skipped without it). ``COURSE_UPDATE_SCREENSHOT=1`` copies the
screenshot of a lesson page to ``figures/website.png``.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_utils.tools import release, site
from course_utils.tools.stamp import colab_block

pytest.importorskip("sphinx_book_theme", reason="the website needs Python 3.11+ (requirements.txt)")

ROOT = Path(__file__).parents[1]
ADDRESS = ("course-test/pytorch-course", "v0.0.1")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def fingerprint():
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in NOTEBOOKS}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    before = fingerprint(), (ROOT / "course_utils" / "__init__.py").read_text()
    out = tmp_path_factory.mktemp("release") / "release"
    release.main(["--repository", ADDRESS[0], "--revision", ADDRESS[1], "--out", str(out)])
    assert (fingerprint(), (ROOT / "course_utils" / "__init__.py").read_text()) == before  # untouched
    return out


def test_the_release_holds_a_stamped_copy_its_website_and_the_handouts(released):
    assert sorted(path.name for path in released.iterdir()) == [
        "course",
        "nbgrader-course.zip",
        "site",
        "student-edition.zip",
    ]
    init = (released / "course" / "course_utils" / "__init__.py").read_text()
    assert f'REPOSITORY = "{ADDRESS[0]}"' in init and f'REVISION = "{ADDRESS[1]}"' in init
    block = colab_block(*ADDRESS)
    for path in NOTEBOOKS:
        stamped = nbformat.read(released / "course" / "notebooks" / path.name, as_version=4)
        assert block in stamped.cells[2].source or block in stamped.cells[3].source, path.name
        assert f"blob/{ADDRESS[1]}/notebooks/{path.name}" in stamped.cells[0].source
    with zipfile.ZipFile(released / "student-edition.zip") as archive:
        handouts = [name for name in archive.namelist() if name.endswith(".ipynb")]
        assert len(handouts) == len(NOTEBOOKS)
        for name in handouts:
            handout = nbformat.reads(archive.read(name).decode(), as_version=4)
            assert not any("solution" in cell.metadata.get("tags", []) for cell in handout.cells)
            assert any(block in cell.source for cell in handout.cells)  # installs from the release
    with zipfile.ZipFile(released / "nbgrader-course.zip") as archive:
        assert "nbgrader-course/nbgrader_config.py" in archive.namelist()


def test_a_release_refuses_a_branch_and_writes_nothing(tmp_path, capsys):
    with pytest.raises(SystemExit):
        release.main(["--repository", ADDRESS[0], "--revision", "main", "--out", str(tmp_path / "out")])
    assert "branch moves" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unstamped_site_has_no_launch_buttons():
    assert site.theme_options(None, None, "https://hub.example.org")["launch_buttons"] == {}
    options = site.theme_options(*ADDRESS, "https://hub.example.org")
    assert options["launch_buttons"]["jupyterhub_url"] == "https://hub.example.org"


def test_the_release_workflow_runs_the_release_command_on_a_tag():
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert re.search(r"on:\s*\n\s*push:\s*\n\s*tags:", workflow)
    assert "course_utils.tools.release" in workflow
    for expression in ("github.repository", "github.ref_name"):
        assert "${{ " + expression + " }}" in workflow
    for action in ("actions/upload-pages-artifact", "actions/deploy-pages", "gh release create"):
        assert action in workflow
    # actionlint checks every workflow: tests/test_delivery.py


# --- the website, in a browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def website(released):
    from test_jupyterlab import BROWSER_FLAGS, chromium, free_port

    executable = chromium()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(released / "site")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            base = f"http://127.0.0.1:{port}"
            for _ in range(50):
                try:
                    page.goto(f"{base}/index.html")
                    break
                except Exception:  # the server is still starting
                    time.sleep(0.2)
            yield page, base
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_home_page_lists_the_lessons_and_the_teachers_page(website):
    page, base = website
    page.goto(f"{base}/index.html")
    links = page.locator("article a[href^='notebooks/']")
    lessons = {
        href.split("#")[0] for href in links.evaluate_all("nodes => nodes.map(n => n.getAttribute('href'))")
    }
    assert lessons == {f"notebooks/{path.stem}.html" for path in NOTEBOOKS}
    assert page.locator("nav a[href='TEACHING.html']").count() >= 1


def test_a_lesson_page_shows_a_diagram_a_plot_and_a_table_with_their_alt_text(website, tmp_path):
    page, base = website
    page.goto(f"{base}/notebooks/05_adult_classifier.html")
    diagram = page.locator("article img[src*='data_split']").first
    assert diagram.is_visible() and len(diagram.get_attribute("alt")) >= 20
    plots = page.locator("article .cell_output img")
    assert plots.count() >= 3
    assert all(len(alt or "") >= 20 for alt in plots.evaluate_all("nodes => nodes.map(n => n.alt)"))
    assert page.locator("article .cell_output table").first.is_visible()
    diagram.evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(tmp_path / "website.png"))
    if os.environ.get("COURSE_UPDATE_SCREENSHOT"):
        shutil.copy(tmp_path / "website.png", ROOT / "figures" / "website.png")


def test_search_finds_a_term_of_lesson_06(website):
    page, base = website
    page.goto(f"{base}/search.html?q=pack_padded_sequence")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hrefs = page.locator("#search-results li a").evaluate_all("nodes => nodes.map(n => n.href)")
    assert any("06_packed_gru" in href for href in hrefs)


def test_dark_mode_switches(website):
    page, base = website
    page.goto(f"{base}/notebooks/01_tensors.html")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    for mode in ("dark", "light", "dark"):
        page.locator(".theme-switch-button:visible").first.click()  # the colour-mode menu
        page.locator(f".theme-change-button[data-mode={mode}]:visible").first.click()
        assert page.evaluate("document.documentElement.dataset.theme") == mode
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark


def test_a_solution_is_hidden_until_clicked(website):
    page, base = website
    page.goto(f"{base}/notebooks/01_tensors.html")
    answer = page.get_by_text("torch.Size([2, 4, 3])").first
    assert not answer.is_visible()
    solution = page.locator("details.hide", has=page.get_by_text("torch.Size([2, 4, 3])")).first
    solution.locator("summary").first.click()  # the solution's code
    assert not answer.is_visible()  # what it prints is folded once more (cu.folded)
    solution.get_by_text("What the solution prints").first.click()
    assert answer.is_visible()
    discussion = page.locator("details", has_text="The second sum is the common trap").first
    assert not page.get_by_text("The second sum is the common trap").first.is_visible()
    discussion.locator("summary").first.click()
    assert page.get_by_text("The second sum is the common trap").first.is_visible()


def test_each_exploration_shows_a_picture_of_its_view(website):
    page, base = website
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        explorations = [
            output["metadata"]["image/png"]["alt"]
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        ]
        if not explorations:
            continue
        page.goto(f"{base}/notebooks/{path.stem}.html")
        assert "interactive(children" not in page.content()
        for alt in explorations:
            assert page.locator(f"article img[alt={alt!r}]").first.is_visible(), alt


def test_the_colab_button_opens_the_lesson_at_the_pinned_revision(website):
    page, base = website
    page.goto(f"{base}/notebooks/03_linear_regression.html")
    colab = f"https://colab.research.google.com/github/{ADDRESS[0]}/blob/{ADDRESS[1]}/notebooks/03_linear_regression.ipynb"
    assert page.locator(f"a[href='{colab}']").count() >= 1
