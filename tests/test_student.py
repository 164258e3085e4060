"""The student edition: no solutions, runs without error, every check says "not attempted yet".

Running a student edition re-executes its lesson, which nbval already does for the full edition:
so lesson 02 is run for real here (lesson 01 is, as the untouched submission of tests/test_grade.py),
and for every lesson a static test shows that no cell the student edition keeps reads a name that
only a solution cell defines. (The check cells' "not attempted yet" outputs, printed before each
solution runs, are compared by nbval.) The handout stands alone: no mention of solutions, and its
badges open the handout's own copy, never the full edition.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.tools import stamp, student

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]
SHORT = NOTEBOOKS[1:2]  # a short lesson, executed as a learner would get it


SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def parse(source):
    return ast.parse(
        "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    )


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def bound(node):
    """Names a module, function, lambda or comprehension binds in its own scope (not in nested ones)."""
    found = set()
    if isinstance(node, COMPREHENSIONS):
        stack = [generator.target for generator in node.generators]
    elif isinstance(node, ast.Lambda):
        stack = [node.body]
    else:
        stack = list(node.body)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = node.args
        found |= {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        found |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a}
    while stack:
        child = stack.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(child.name)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            found.add(child.id)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            found.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
        elif not isinstance(child, (ast.Lambda, *COMPREHENSIONS)):
            stack.extend(ast.iter_child_nodes(child))
    return found


def top_level_names(source):
    """Names a cell binds at the top level of the notebook."""
    return bound(parse(source))


def free_reads(source):
    """Names a cell reads from the notebook's top level: reads of local names do not count."""
    reads = set()

    def visit(node, local):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, *COMPREHENSIONS)):
            local = local | bound(node)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            reads.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child, local)

    visit(parse(source), frozenset())
    return reads


def reads_of_solution_only_names(notebook):
    """(name, cell source) for each kept cell that reads a name bound only in solution cells."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    kept = [cell for cell in code if not student.is_solution(cell)]
    bound_by_solutions = set().union(*(top_level_names(c.source) for c in code if student.is_solution(c)))
    only_in_solutions = bound_by_solutions - set().union(*(top_level_names(cell.source) for cell in kept))
    return [
        (name, cell.source) for cell in kept for name in sorted(free_reads(cell.source) & only_in_solutions)
    ]


def solution_only_lines(notebook):
    """Code lines that stand in a solution cell and nowhere else in the full notebook."""

    def lines(cells):
        return {
            line.strip()
            for cell in cells
            for line in cell.source.splitlines()
            if line.strip() and not line.strip().startswith("#")
        }

    solutions = [cell for cell in notebook.cells if student.is_solution(cell)]
    others = [cell for cell in notebook.cells if not student.is_solution(cell)]
    return lines(solutions) - lines(others)


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    written = student.main(["--source", str(NOTEBOOKS[0].parent), "--out", str(out)])
    return {path.name: nbformat.read(path, as_version=4) for path in written}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_edition_has_no_solution_and_no_output(editions, path):
    full = nbformat.read(path, as_version=4)
    edition = editions[path.name]
    assert not any(student.is_solution(cell) for cell in edition.cells)
    assert not any("# @title Solution" in cell.source for cell in edition.cells)
    text = "\n".join(line.strip() for cell in edition.cells for line in cell.source.splitlines())
    only_in_solutions = solution_only_lines(full)
    assert only_in_solutions or path.name[2] != "_"  # solutions hold code of their own (an appendix: none)
    leaked = [line for line in only_in_solutions if line in text.splitlines()]
    assert not leaked, f"solution code in the student edition: {leaked}"
    for cell in edition.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        # "course" says where the exercises are: the grader finds the check cells by it
        assert set(cell.metadata) <= {
            "tags",
            "jupyter",
            "cellView",
            "course",
        }  # course: where the exercises are
    assert set(edition.metadata) <= {"kernelspec", "language_info"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_edition_keeps_everything_but_the_solutions(editions, path):
    full = nbformat.read(path, as_version=4)
    kept = [cell.source for cell in full.cells if not student.is_solution(cell)]
    kept = [re.sub(r"\[([^\]]+)\]\(\.\./README\.md\)", r"\1", source) for source in kept]  # no README there
    edition = [cell.source for cell in editions[path.name].cells]
    assert edition[1:] == kept[1:]
    assert edition[0] == stamp._BADGE.sub("", kept[0]) + "\n\n" + student.EDITION_NOTE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_handout_does_not_mention_solutions_it_does_not_have(editions, path):
    for cell in editions[path.name].cells:
        if cell.cell_type == "markdown":
            text = cell.source.lower().replace("least-squares solution", "")  # the mathematical kind
            assert "solution" not in text, cell.source


def test_the_handouts_badge_opens_the_handout_never_the_full_edition(tmp_path, capsys):
    full = tmp_path / NOTEBOOKS[0].name
    full.write_bytes(NOTEBOOKS[0].read_bytes())
    stamp.stamp(full, "my-school/pytorch-course", "v1.0")  # the full edition, published with a badge
    assert "colab.research.google.com/github/my-school/pytorch-course" in full.read_text()
    (alone,) = student.write_student_edition([full], tmp_path / "plain")
    assert "colab.research.google.com" not in nbformat.read(alone, as_version=4).cells[0].source
    argv = [
        "--source",
        str(tmp_path),
        "--out",
        str(tmp_path / "handout"),
        "--repository",
        "my-school/handouts",
    ]
    student.main([*argv, "--ref", "week1", "--path", "lesson01/", "--hub", "https://hub.my-school.org"])
    top = nbformat.read(tmp_path / "handout" / full.name, as_version=4).cells[0].source
    link = f"https://colab.research.google.com/github/my-school/handouts/blob/week1/lesson01/{full.name}"
    assert top.count("colab.research.google.com/github") == 1 and f"]({link})" in top
    assert top.splitlines()[0].startswith("# 01")  # the badge goes under the title
    printed = capsys.readouterr().out
    assert (
        "https://hub.my-school.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fmy-school%2Fhandouts"
        f"&branch=week1&urlpath=lab%2Ftree%2Fhandouts%2Flesson01%2F{full.name}"
    ) in printed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--repository", "my-school/handouts"], "--repository and --ref go together"),
        (["--ref", "main"], "--repository and --ref go together"),
        (["--hub", "https://hub.my-school.org"], "--hub needs both"),
        (["--repository", "not a repository", "--ref", "main"], "repository must be a GitHub OWNER/NAME"),
        (["--repository", "me/handouts", "--ref", "main branch"], "ref must be a branch or tag"),
        (["--repository", "me/handouts", "--ref", "../main"], "ref must be a branch or tag"),
        (
            ["--repository", "me/handouts", "--ref", "main", "--hub", "hub.org"],
            "hub must be the hub's address",
        ),
    ],
)
def test_a_bad_handout_address_is_a_usage_error(tmp_path, capsys, options, message):
    with pytest.raises(SystemExit):
        student.main(
            [
                "--notebook",
                NOTEBOOKS[0].name,
                "--source",
                str(NOTEBOOKS[0].parent),
                "--out",
                str(tmp_path),
                *options,
            ]
        )
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_kept_cell_needs_a_solution(path):
    assert reads_of_solution_only_names(nbformat.read(path, as_version=4)) == []


def test_a_cell_that_needs_a_solution_is_found():
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(
        cells=[
            new_code_cell("def answer():\n    ...", metadata={}),
            new_code_cell(
                "import math\nhelper = math.tau\ndef answer():\n    return 1", metadata={"tags": ["solution"]}
            ),
            new_code_cell("print(answer(), helper)"),
        ]
    )
    assert reads_of_solution_only_names(notebook) == [("helper", "print(answer(), helper)")]
    scoped = new_notebook(
        cells=[
            new_code_cell("def fit(model):\n    return [model for model in range(2)]"),
            new_code_cell("model = 3", metadata={"tags": ["solution"]}),
            new_code_cell("print(model)"),
        ]
    )
    assert reads_of_solution_only_names(scoped) == [("model", "print(model)")]  # a parameter hides nothing


@pytest.mark.parametrize("path", SHORT, ids=[path.name for path in SHORT])
def test_student_edition_runs_and_every_check_is_not_attempted(editions, path, tmp_path):
    edition = editions[path.name]
    NotebookClient(
        edition, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    check_cells = [
        cell
        for cell in edition.cells
        if cell.cell_type == "code" and re.search(r"^checks\.\w+\(", cell.source, re.M)
    ]
    assert check_cells
    for cell in check_cells:
        printed = "".join(output.get("text", "") for output in cell.outputs)
        calls = len(re.findall(r"^checks\.\w+\(", cell.source, re.M))
        assert printed.count("not attempted yet") == calls, cell.source
        assert "✅" not in printed and "❌" not in printed
    for cell in edition.cells:  # allow_errors=False: an error stops execute(); none is stored
        if cell.cell_type == "code":
            assert not any(output.output_type == "error" for output in cell.outputs), cell.source


def test_one_notebook_with_the_option(tmp_path, capsys):
    written = student.main(
        ["--source", str(NOTEBOOKS[0].parent), "--notebook", NOTEBOOKS[0].name, "--out", str(tmp_path)]
    )
    assert [path.name for path in written] == [NOTEBOOKS[0].name]
    assert "wrote" in capsys.readouterr().out


def test_an_unknown_notebook_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit):
        student.main(
            ["--source", str(NOTEBOOKS[0].parent), "--notebook", "99_none.ipynb", "--out", str(tmp_path)]
        )


def test_student_edition_rejects_a_non_notebook():
    with pytest.raises(TypeError, match="NotebookNode"):
        student.student_edition({"cells": []})


def test_the_handout_links_to_no_readme_it_does_not_hold():
    lesson = nbformat.read(NOTEBOOKS[-1], as_version=4)  # 06, whose last line links to the README
    edition = student.student_edition(lesson)
    text = "\n".join(cell.source for cell in edition.cells if cell.cell_type == "markdown")
    assert "../README.md" not in text and "the course overview lists them all" in text
