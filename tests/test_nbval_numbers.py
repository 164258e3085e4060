"""The comparison of notebook outputs: numbers as numbers, everything else exactly."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbval_numbers import Tolerance, deviation, unit

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize(
    ("stored", "new"),
    [
        ("loss 0.8517", "loss 0.8518"),  # one unit of the last digit
        ("tensor([0.1234, 2.5000])", "tensor([0.1235, 2.4999])"),
        ("MSE  2697.3, truth 2758.2", "MSE  2697.4, truth 2758.3"),
        ("p = 2.50e-04", "p = 2.51e-04"),
        ("a    0.85\nb   -0.12", "a    0.86\nb   -0.11"),  # table columns may realign
    ],
)
def test_numbers_within_one_unit_of_the_last_digit_agree(stored, new):
    assert deviation(stored, new, Tolerance()) <= 1


@pytest.mark.parametrize(
    ("stored", "new"),
    [
        ("loss 0.8517", "loss 0.8519"),  # two units
        ("[[6989  490]\n [ 807 1483]]", "[[6989  490]\n [ 806 1484]]"),  # integers are exact
        ("torch.Size([64, 5])", "torch.Size([64, 6])"),
    ],
)
def test_numbers_further_apart_do_not(stored, new):
    assert deviation(stored, new, Tolerance()) > 1


@pytest.mark.parametrize(
    ("stored", "new"),
    [
        ("identical: True", "identical: False"),
        ("loss 0.85 after 5 epochs", "loss 0.85 after 5 steps"),
        ("0.85 0.86", "0.85"),  # a number went missing
        ("accuracy 0.85", "accuracy 1"),  # a decimal became an integer
    ],
)
def test_other_text_must_be_identical(stored, new):
    assert deviation(stored, new, Tolerance()) is None


def test_a_widened_tolerance_accepts_what_it_says_and_no_more():
    widened = Tolerance(units=5, integers=2)
    assert deviation("val 0.8517", "val 0.8522", widened) <= 1
    assert deviation("val 0.8517", "val 0.8523", widened) > 1
    assert deviation("[ 806 1484]", "[ 808 1482]", widened) <= 1
    assert deviation("[ 806 1484]", "[ 809 1481]", widened) > 1


def test_unit_is_one_of_the_last_printed_digit():
    assert unit("0.8517") == 1e-4 and unit("-3.") == 1 and unit("7e3") == 1000
    assert unit("12") is None


def test_a_tolerance_needs_a_reason_and_known_keys():
    def cell(tolerance):
        return new_code_cell("print(1)", metadata={"tolerance": tolerance})

    assert Tolerance.of(cell({"units": 3, "reason": "trained: last digits vary"})) == Tolerance(3)
    with pytest.raises(ValueError, match="reason"):
        Tolerance.of(cell({"units": 3}))
    with pytest.raises(ValueError, match="unknown"):
        Tolerance.of(cell({"relative": 0.1, "reason": "why not"}))


def test_nbval_compares_numbers_with_this_plugin(tmp_path):
    """One notebook run by nbval: a number moved by one unit passes, by three fails unless widened."""
    widened = {"units": 3, "reason": "a trained model: the last digit varies by CPU"}
    cells = [
        ("val accuracy 0.8517", "val accuracy 0.8518", {}),
        ("val accuracy 0.8517", "val accuracy 0.8520", {"tolerance": widened}),
        ("val accuracy 0.8517", "val accuracy 0.8520", {}),
    ]
    notebook = new_notebook(
        cells=[
            new_code_cell(
                f"print({printed!r})",
                metadata=metadata,
                execution_count=count,
                outputs=[new_output("stream", name="stdout", text=stored + "\n")],
            )
            for count, (stored, printed, metadata) in enumerate(cells, start=1)
        ]
    )
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(path),
        "-q",
        "-n",
        "0",
        "-rf",
        f"--rootdir={ROOT}",
        "-c",
        str(ROOT / "pyproject.toml"),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert "1 failed, 2 passed" in result.stdout, result.stdout[-3000:]
    assert "::Cell 2 " in result.stdout and "0.8520" in result.stdout
