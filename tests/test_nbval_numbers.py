"""The comparison of notebook outputs: numbers as numbers, everything else exactly."""

import subprocess
import sys
from pathlib import Path

import nbformat
import nbval_numbers
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
        ("loss:10.00", "loss: 9.99"),  # a fixed-width field loses a digit
        ("0.0000", "0.0001"),  # zero is a measurement, not a setting
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
        ("tensor([ 4., -8., 12.])", "tensor([ 5., -8., 12.])"),  # integers printed by a float tensor
        ("seed 9007199254740993", "seed 9007199254740992"),  # beyond a float's precision
        ("accuracy 0.8517", "accuracy 0.9"),  # fewer digits printed: the stored unit counts
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
        ("at 1e-2 each step", "at 1e-3 each step"),  # a setting: one significant digit
        ("momentum 0.9, lr 1e-5", "momentum 0.8, lr 1e-5"),
    ],
)
def test_other_text_must_be_identical(stored, new):
    assert deviation(stored, new, Tolerance()) is None


def test_a_widened_tolerance_accepts_what_it_says_and_no_more():
    widened = Tolerance(units=5, integers=2)
    assert deviation("threshold 0.2: 0.3854", "threshold 0.9: 0.3854", widened) is None
    assert deviation("val 0.8517", "val 0.8522", widened) <= 1
    assert deviation("val 0.8517", "val 0.8523", widened) > 1
    assert deviation("[ 806 1484]", "[ 808 1482]", widened) <= 1
    assert deviation("[ 806 1484]", "[ 809 1481]", widened) > 1


def test_unit_is_one_of_the_last_printed_digit():
    assert unit("0.8517") == 1e-4 and unit("7e3") == 1000 and unit("2.50e-04") == 1e-6
    assert unit("12") is None and unit("-3.") is None  # "3." is how a tensor prints an integer


def test_a_tolerance_needs_a_reason_and_known_keys():
    def cell(tolerance):
        return new_code_cell("print(1)", metadata={"tolerance": tolerance})

    assert Tolerance.of(cell({"units": 3, "reason": "trained: last digits vary"})) == Tolerance(3)
    with pytest.raises(ValueError, match="reason"):
        Tolerance.of(cell({"units": 3}))
    with pytest.raises(ValueError, match="unknown"):
        Tolerance.of(cell({"relative": 0.1, "reason": "why not"}))
    for bad in ({"units": 0}, {"units": "3"}, {"integers": -1}, {"units": 2.5}):
        with pytest.raises(ValueError, match="units"):
            Tolerance.of(cell({**bad, "reason": "a trained model"}))


def test_outputs_pair_by_kind_not_position():
    """nbval groups outputs by stream or MIME type; a progress bar on stderr may come first or last."""
    from nbval.plugin import IPyNbCell

    class Cell:
        cell = new_code_cell("print(x)")

        def sanitize(self, text):
            return text

    stored = [
        new_output("stream", name="stderr", text="bar"),
        new_output("stream", name="stdout", text="0.8517"),
    ]
    fresh = [
        new_output("stream", name="stdout", text="0.8518"),
        new_output("stream", name="stderr", text="bar"),
    ]
    seen = {}
    original = nbval_numbers._compare_outputs
    nbval_numbers._compare_outputs = lambda self, test, ref, skip=None: seen.setdefault("test", test)
    try:
        IPyNbCell.compare_outputs(Cell(), fresh, stored)
    finally:
        nbval_numbers._compare_outputs = original
    assert seen["test"][0]["text"] == "0.8517"  # reconciled with the stored stdout


def test_a_widget_cell_is_compared_on_its_view_alone(monkeypatch):
    """What the widget's Output captures in a browser arrives as plain outputs under nbval: dropped."""
    from nbval.plugin import IPyNbCell

    class Cell:
        cell = new_code_cell("explore.padding_widget()")

        def sanitize(self, text):
            return text

    view = {
        "text/plain": "interactive(children=(FloatSlider(value=0.8),))",
        nbval_numbers.WIDGET: {"model_id": "a"},
    }
    stored = [new_output("execute_result", data=view, execution_count=1)]
    fresh = [
        new_output("stream", name="stdout", text="padding share 0.6220"),
        new_output("display_data", data={"text/plain": "<Figure>", "image/png": "iVBOR"}),
        new_output("execute_result", data=dict(view), execution_count=1),
    ]
    seen = {}
    monkeypatch.setattr(
        nbval_numbers, "_compare_outputs", lambda self, test, ref, skip=None: seen.update(test=test)
    )
    IPyNbCell.compare_outputs(Cell(), fresh, stored)
    assert seen["test"] == fresh[2:]  # the view, and its text, are still compared
    plain = [new_output("stream", name="stdout", text="0.6220")]
    IPyNbCell.compare_outputs(Cell(), plain, plain)
    assert seen["test"] == plain  # a cell without a widget keeps every output
    progress = [new_output("display_data", data=dict(view)), new_output("stream", name="stdout", text="done")]
    IPyNbCell.compare_outputs(Cell(), progress, progress)
    assert seen["test"] == progress  # a progress bar's cell keeps the text it stored


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
