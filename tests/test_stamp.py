"""Stamping the repository address into the notebooks: pinned when set, nothing to install when
unset, bad addresses refused, and the same result however often it runs."""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.tools import stamp as stamping
from course_utils.tools.stamp import badge, colab_block, stamp

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def copies(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in NOTEBOOKS:
        shutil.copy(path, folder)
    return sorted(folder.iterdir())


def top_and_setup(path):
    cells = nbformat.read(path, as_version=4).cells
    top = next(cell for cell in cells if cell.cell_type == "markdown")
    return top.source, next(cell for cell in cells if cell.cell_type == "code").source


def pip_calls_in_colab(block, monkeypatch):
    """Run a Colab block as Colab would (``google.colab`` imported); return the pip calls."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda command, check: calls.append(command))
    exec(block, {"sys": SimpleNamespace(modules={"google.colab": None}, executable=sys.executable)})
    return calls


@pytest.mark.parametrize("revision", ["v1.2.0", COMMIT])
def test_an_address_gives_every_notebook_a_pinned_install_and_a_badge(copies, revision, monkeypatch):
    block = colab_block("my-school/pytorch-course", revision)
    for path in copies:
        top_before, setup_before = top_and_setup(path)
        assert stamp(path, "my-school/pytorch-course", revision)
        top, setup = top_and_setup(path)
        link = badge(path.name, "my-school/pytorch-course", revision)
        assert f"/blob/{revision}/notebooks/{path.name})" in link
        assert top == re.sub(r"\n\n\[!\[Open In Colab\].*", "", top_before).replace(
            "\n", f"\n\n{link}\n", 1
        )  # the badge under the title, and nothing else changed
        assert setup.startswith(f"import sys\n\n{block}\n\nimport ")
        assert setup.partition("\n\nimport ")[2] == setup_before.partition("\n\nimport ")[2]
    requirement = f"course_utils @ git+https://github.com/my-school/pytorch-course@{revision}"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", requirement]
    assert pip_calls_in_colab(block, monkeypatch) == [pip]


def test_unset_there_is_no_badge_and_colab_installs_nothing_but_says_how_to_set_it(
    copies, monkeypatch, capsys
):
    for path in copies:
        stamp(path, "my-school/pytorch-course", "v1.0")
        assert stamp(path, None, None)
        top, setup = top_and_setup(path)
        assert "Open In Colab" not in top and "github" not in top + setup
        assert colab_block(None, None) in setup and "pip" not in setup
    assert pip_calls_in_colab(colab_block(None, None), monkeypatch) == []
    assert (
        "python -m course_utils.tools.stamp --repository OWNER/NAME --revision TAG_OR_COMMIT"
        in capsys.readouterr().out
    )


def test_stamping_again_changes_nothing(copies):
    for repository, revision in [("my-school/pytorch-course", "v1.0"), (None, None)]:
        for path in copies:
            stamp(path, repository, revision)
            text = path.read_text()
            assert not stamp(path, repository, revision)
            assert path.read_text() == text


def test_a_new_address_replaces_the_old_one_everywhere(copies):
    for path in copies:
        stamp(path, "old-owner/course", "v1.0")
        stamp(path, "new-owner/course.v2", "2.0.1")
        text = "\n".join(top_and_setup(path))
        assert "old-owner" not in text and "v1.0" not in text
        assert text.count("new-owner/course.v2") == 2 and text.count("2.0.1") == 2


@pytest.mark.parametrize(
    "repository",
    [
        "my-school",
        "my-school/course/extra",
        "-school/course",
        "school-/course",
        "my--school/course",
        "a" * 40 + "/course",
        "school/..",
        "school/my course",
        "school/course@v1",
        "https://github.com/school/course",
        "",
    ],
)
def test_a_bad_repository_is_refused(copies, repository):
    before = copies[0].read_text()
    with pytest.raises(ValueError, match=r"repository must be a GitHub OWNER/NAME .*got '"):
        stamp(copies[0], repository, "v1.0")
    assert copies[0].read_text() == before


@pytest.mark.parametrize(
    "revision",
    [
        "main",
        "master",
        "HEAD",
        "v1",
        "1",
        "0123abc",
        COMMIT[:-1],
        COMMIT + "0",
        "v1.0 --index-url=x",
        "v1.0\n",
        "",
    ],
)
def test_a_branch_or_a_malformed_revision_is_refused(copies, revision):
    with pytest.raises(ValueError, match=r"revision must be a release tag .* a branch moves"):
        stamp(copies[0], "my-school/course", revision)


def test_repository_and_revision_are_set_together(copies):
    with pytest.raises(ValueError, match="set together or not at all"):
        stamp(copies[0], "my-school/course", None)
    with pytest.raises(ValueError, match="set together or not at all"):
        badge("01_tensors.ipynb", None, "v1.0")


@pytest.mark.parametrize(
    "repository, revision",
    [
        ("a" * 39 + "/" + "b" * 100, "v10.2.3rc1"),
        ("My-School-2/course_2.x", "2024.1"),
        ("me/course", "v1.0.0-b.2"),
        ("me/c", COMMIT),
    ],
)
def test_good_addresses_are_accepted(repository, revision):
    assert f"{repository}@{revision}" in colab_block(repository, revision)


def test_the_command_records_the_address_and_stamps_every_notebook(copies, monkeypatch, capsys):
    monkeypatch.chdir(copies[0].parents[1])
    Path("course_utils").mkdir()
    shutil.copy(ROOT / "course_utils" / "__init__.py", "course_utils")
    stamping.main(["--repository", "my-school/course", "--revision", "v1.0"])
    init = Path("course_utils/__init__.py").read_text()
    assert 'REPOSITORY = "my-school/course"\nREVISION = "v1.0"\n' in init
    assert capsys.readouterr().out.count(": stamped") == len(copies)
    for path in copies:
        assert "git+https://github.com/my-school/course@v1.0" in top_and_setup(path)[1]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--repository", "my-school/course", "--revision", "main"], "revision must be a release tag"),
        (["--repository", "my-school/course"], "set together or not at all"),
        (["--repository", "my-school", "--revision", "v1.0"], "repository must be a GitHub OWNER/NAME"),
    ],
)
def test_the_command_refuses_a_bad_address(copies, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(copies[0].parents[1])
    before = copies[0].read_text()
    with pytest.raises(SystemExit) as exit_info:
        stamping.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert copies[0].read_text() == before


@pytest.mark.parametrize("repository, revision", [("a" * 39 + "/" + "b" * 100, COMMIT), (None, None)])
def test_the_stamped_setup_cell_passes_ruff(copies, repository, revision):
    stamp(copies[0], repository, revision)
    path = copies[0].with_name("setup.ipynb")
    nbformat.write(new_notebook(cells=[new_code_cell(top_and_setup(copies[0])[1])]), path)
    for command in (["check", "--ignore=F401"], ["format", "--check"]):  # F401: used in later cells
        ruff = [sys.executable, "-m", "ruff", *command, "--config", str(ROOT / "pyproject.toml"), str(path)]
        result = subprocess.run(ruff, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def cells_index(path):
    return next(i for i, c in enumerate(nbformat.read(path, as_version=4).cells) if "packing.png" in c.source)


def test_a_release_links_each_diagram_to_its_file_at_the_tag_and_unsetting_restores_it(copies):
    from course_utils.diagrams import markdown_image

    path = next(path for path in copies if path.name.startswith("06_"))
    stamp(path, "me/course", "v1.0")
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if "packing.png" in cell.source]
    assert len(cells) == 1 and "attachments" not in cells[0]  # Colab does not render attachments
    assert (
        "](https://raw.githubusercontent.com/me/course/v1.0/figures/diagrams/packing.png)" in cells[0].source
    )
    stamp(path, "me/course", "v2.0")
    assert (
        "/me/course/v2.0/figures/diagrams/packing.png)"
        in nbformat.read(path, as_version=4).cells[cells_index(path)].source
    )
    stamp(path, None, None)
    (cell,) = [cell for cell in nbformat.read(path, as_version=4).cells if "packing.png" in cell.source]
    assert "](attachment:packing.png)" in cell.source and cell.attachments == markdown_image("packing")[1]
