"""Code health: lint, format and types are clean, and notebooks import only what the package declares."""

import ast
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest brings tomli to Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
DEPENDENCIES = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def run_tool(*command):
    """Run ``python -m COMMAND`` from this environment in the repository root; fail with its output."""
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"


def test_ruff_finds_nothing():
    run_tool("ruff", "check", "course_utils", "tests", "notebooks")


def test_ruff_format_changes_nothing():
    run_tool("ruff", "format", "--check", "course_utils", "tests", "notebooks")


def test_mypy_finds_nothing():
    run_tool("mypy", "course_utils")


def imported_modules(notebook):
    """The top-level modules the code cells import (lines of IPython's ``%`` and ``!`` skipped)."""
    modules = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def undeclared_imports(notebook):
    """The modules ``notebook`` imports that are neither stdlib, course_utils, nor a dependency."""
    declared = {canonicalize_name(Requirement(line).name) for line in DEPENDENCIES}
    distributions = packages_distributions()  # import name -> distributions, e.g. sklearn -> scikit-learn
    return sorted(
        module
        for module in imported_modules(notebook) - set(sys.stdlib_module_names) - {"course_utils"}
        if not {canonicalize_name(name) for name in distributions.get(module, [module])} & declared
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_import_only_declared_packages(path):
    missing = undeclared_imports(nbformat.read(path, as_version=4))
    assert not missing, f"{path.name} imports {missing}: add them to [project] dependencies in pyproject.toml"


def test_undeclared_imports_catches_a_package_missing_from_pyproject():
    notebook = new_notebook(
        cells=[
            new_markdown_cell("import markdown_is_not_code"),
            new_code_cell("%matplotlib inline\n!pip install something\nimport os.path, sys"),
            new_code_cell("import sklearn.linear_model\nfrom course_utils.checks import tensors"),
            new_code_cell("from scipy import stats\nfrom . import local"),
        ]
    )
    assert imported_modules(notebook) == {"os", "sys", "sklearn", "course_utils", "scipy"}
    assert undeclared_imports(notebook) == ["scipy"]


def test_dependencies_are_lower_bounds_so_colab_is_never_downgraded():
    for line in DEPENDENCIES:
        assert {spec.operator for spec in Requirement(line).specifier} == {">="}, line
