"""A lesson in a real JupyterLab, driven in headless Chromium: solutions and their outputs collapsed,
discussions folded, the lesson not marked modified on opening, run all, no error; and an
exploration whose slider, moved, redraws its output; every diagram shown at its 1x width. One
JupyterLab server serves the three.

Needs Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it). Outside CI the test is
skipped when no browser is found; in CI (``CI=true``) a missing browser is a failure.
Set ``COURSE_UPDATE_SCREENSHOT=1`` to copy the screenshot to ``figures/jupyterlab.png``.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from test_diagrams import NAMES, picture_cell

from course_utils import diagrams

ROOT = Path(__file__).parents[1]
LESSON = "02_autograd.ipynb"
EXPLORATION = "exploration.ipynb"  # the lesson 03 exploration's widget cell, on its own
DIAGRAMS = "diagrams.ipynb"  # every diagram's Markdown cell
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NOTEBOOK_STATE = """() => {
  if (!window.jupyterapp) return null;  // the page is still loading
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext.session) return null;
  const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
  const outputs = cells.map(cell => cell.model.outputs.toJSON());
  const isSolution = cell => (cell.model.getMetadata('tags') || []).includes('solution');
  return {
    kernel: panel.sessionContext.session.kernel ? panel.sessionContext.session.kernel.status : null,
    code_cells: cells.length,
    executed: cells.filter(cell => cell.model.executionCount !== null).length,
    hidden_solutions: cells.filter(c => c.inputHidden && c.outputHidden && isSolution(c)).length,
    hidden_code: cells.filter(c => c.inputHidden && isSolution(c)).length,
    // what a solution shows without a click: its output, less closed <details> and its check's verdict
    visible_answers: cells.filter(isSolution).map(cell => {
      const area = cell.node.querySelector('.jp-OutputArea');
      if (!area) return '';
      const copy = area.cloneNode(true);
      copy.querySelectorAll('details:not([open])').forEach(node => node.remove());
      document.body.appendChild(copy);
      const text = copy.innerText;
      copy.remove();
      return text.split('\\n').filter(line => line.trim() && !line.trim().startsWith('✅')).join('\\n');
    }).filter(text => text),
    discussions: panel.content.node.querySelectorAll('.jp-MarkdownCell details').length,
    open_discussions: panel.content.node.querySelectorAll('.jp-MarkdownCell details[open]').length,
    dirty: panel.model.dirty,
    solutions: cells.filter(isSolution).length,
    errors: outputs.flat().filter(o => o.output_type === 'error'
                                       || (o.output_type === 'stream' && o.name === 'stderr')).length,
    passed_checks: outputs.flat().map(o => o.text || '').join('').split('✅').length - 1,
  };
}"""


def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return executable


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    (tmp_path / "lab").mkdir()
    shutil.copy(ROOT / "notebooks" / LESSON, tmp_path / "lab" / LESSON)
    widget = "from course_utils import explore\n\nexplore.descent_path_widget()"
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(
        new_notebook(cells=[new_code_cell(widget)], metadata=kernel), tmp_path / "lab" / EXPLORATION
    )
    pictures = [picture_cell(name) for name in NAMES]
    nbformat.write(new_notebook(cells=pictures, metadata=kernel), tmp_path / "lab" / DIAGRAMS)
    port, token = free_port(), secrets.token_hex(16)
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    environment = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path / 'lab'}",
            "--LabApp.expose_app_in_browser=True",
            "--allow-root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield lambda notebook: f"{url}/lab/tree/{notebook}?token={token}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for(page, condition, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_STATE)
        if state and condition(state):
            return state
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not reach the expected state in {timeout_s} s: {state}")


def test_lesson_runs_in_jupyterlab_with_solutions_collapsed(jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(jupyterlab(LESSON))
        state = wait_for(page, lambda s: s["kernel"] == "idle" and s["code_cells"] > 0, 90)
        assert state["solutions"] >= 2
        assert state["hidden_solutions"] == state["solutions"]  # code and outputs collapsed, as stored
        assert state["discussions"] >= 1 and state["open_discussions"] == 0
        time.sleep(1.5)  # the kernel has answered: its language_info is the one stored
        assert page.evaluate(NOTEBOOK_STATE)["dirty"] is False  # opening a lesson changes nothing

        page.evaluate("() => window.jupyterapp.commands.execute('editmenu:clear-all')")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        state = wait_for(page, lambda s: s["kernel"] == "idle" and s["executed"] == s["code_cells"], 180)
        assert state["errors"] == 0
        assert state["passed_checks"] >= state["solutions"]
        # JupyterLab shows a cell's outputs again when it runs; its code stays collapsed, and what a
        # solution prints is folded inside its output (cu.folded)
        assert state["hidden_code"] == state["solutions"]
        assert state["visible_answers"] == []

        page.evaluate("""() => {
          const cells = window.jupyterapp.shell.currentWidget.content.widgets;
          const solutions = cells.filter(c => (c.model.getMetadata('tags') || []).includes('solution'));
          solutions[0].node.scrollIntoView({block: 'center'});
        }""")
        time.sleep(1)
        screenshot = tmp_path / "jupyterlab.png"
        page.screenshot(path=str(screenshot))
        browser.close()
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("COURSE_UPDATE_SCREENSHOT"):
        shutil.copy(screenshot, ROOT / "figures" / "jupyterlab.png")


WIDGET_TEXT = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
  .map(node => node.innerText).join('\\n')"""


def test_moving_a_slider_redraws_the_exploration(jupyterlab):
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(jupyterlab(EXPLORATION))
        wait_for(page, lambda s: s["kernel"] == "idle" and s["code_cells"] == 1, 90)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        readout = page.locator(".widget-readout").first
        readout.wait_for(timeout=60_000)
        page.wait_for_function(f"() => ({WIDGET_TEXT})().includes('learning rate')", timeout=60_000)
        before = page.evaluate(WIDGET_TEXT)
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("0.035")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => ({WIDGET_TEXT})().includes('learning rate 0.035')", timeout=60_000)
        after = page.evaluate(WIDGET_TEXT)
        browser.close()
    assert "converges" in before and "learning rate 0.035" not in before
    assert "diverges" in after  # above the stability limit the path runs away


def test_jupyterlab_shows_each_diagram_at_its_1x_width(jupyterlab):
    from playwright.sync_api import sync_playwright

    executable = chromium()
    panel = "((window.jupyterapp || {}).shell || {}).currentWidget"  # null while the page loads
    images = f"Array.from({panel} ? {panel}.node.querySelectorAll('.jp-RenderedMarkdown img') : [])"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900}, device_scale_factor=2)
        page.goto(jupyterlab(DIAGRAMS))
        page.wait_for_function(
            f"() => {images}.length === {len(NAMES)} && {images}.every(i => i.complete && i.naturalWidth)",
            timeout=90_000,
        )
        shown = page.evaluate(f"() => {images}.map(i => [i.alt, i.naturalWidth, i.clientWidth])")
        browser.close()
    expected = []
    for name in NAMES:
        width = diagrams.display_width(name)
        expected.append([diagrams.ALT_TEXT[name], 2 * width, width])
    assert shown == expected
