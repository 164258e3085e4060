"""The check machinery: four statuses, the learner's line, staged hints, no answer shown, no side effects."""

import random
import re

import numpy as np
import pytest
import torch

from course_utils.checks import core
from course_utils.checks.core import Wrong, check, compare, run


@pytest.fixture
def double():
    """A check of ``double(x) == 2 * x`` with a nudge, then a fuller hint."""

    @check("00.double", "double", points=2)
    def double(function):
        if run(function, 3, name="double") != 6:
            raise Wrong("double(3) is not right", "multiply", "use x * 2, not x + 2")

    yield double
    core.REGISTRY.pop("00.double")
    core._wrong_tries.pop("00.double", None)


def test_the_four_statuses(double, verdict_of):
    def stub(x):
        raise NotImplementedError

    right = double(lambda x: 2 * x)
    assert (right.status, right.points, right.max_points, bool(right)) == ("correct", 2, 2, True)
    for answer in (..., stub):
        result = double(answer)
        assert (result.status, result.points, bool(result)) == ("not attempted", 0, False)
    assert double(lambda x: x + 2).status == "wrong"
    assert double(lambda x: x / "two").status == "raised"


def test_the_verdict_is_printed_once_and_the_result_shows_nothing_more(double, capsys):
    result = double(lambda x: 2 * x)
    assert capsys.readouterr().out == "✅ double: correct\n"
    assert result._ipython_display_() is None


def test_hints_come_in_stages_and_the_last_one_stays(double, capsys):
    hints = []
    for _ in range(3):
        double(lambda x: x + 2)
        hints.append(capsys.readouterr().out.splitlines()[-1])
    assert hints == ["   hint: multiply", "   hint: use x * 2, not x + 2", "   hint: use x * 2, not x + 2"]


def test_a_forgotten_return_is_named(double, capsys):
    def forgot(x):
        2 * x

    result = double(forgot)
    assert result.status == "wrong" and "returned None: did you forget `return`?" in result.feedback


def test_none_as_an_answer_is_not_a_stub():
    assert core.is_stub(...) and not core.is_stub(None)


def test_the_learners_exception_names_their_line(double):
    def twice(x):
        y = x * 2
        return y[0]  # a number has no index

    result = double(twice)
    assert result.status == "raised"
    assert "double(...) raised TypeError" in result.feedback
    line = twice.__code__.co_firstlineno + 2  # in a notebook, the line within the cell
    assert f"at line {line} of your code (in twice): return y[0]  # a number has no index" in result.feedback


def test_an_exception_inside_torch_points_at_the_learners_line_not_torch(double):
    result = double(lambda x: torch.ones(2) @ torch.ones(3))
    assert result.status == "raised" and "of your code (in <lambda>)" in result.feedback
    assert "site-packages" not in result.feedback


def test_not_a_function(double):
    result = double(6)
    assert result.status == "wrong" and "should be a function or class, but it is a int" in result.feedback


def test_the_learners_random_state_is_left_as_it_was():
    @check("00.draws", "draws")
    def draws(answer):
        torch.manual_seed(123)
        torch.rand(5), random.random(), np.random.rand()

    torch.manual_seed(0), random.seed(0), np.random.seed(0)
    expected = torch.rand(1), random.random(), np.random.rand()
    torch.manual_seed(0), random.seed(0), np.random.seed(0)
    draws(1)
    assert (torch.rand(1), random.random(), np.random.rand()) == expected
    core.REGISTRY.pop("00.draws")


@pytest.mark.parametrize("exercise", ["double", "0.double", "00double", "00."])
def test_an_exercise_id_must_look_like_nn_dot_name(exercise):
    with pytest.raises(ValueError, match=r"looks like '04\.skip_block'"):
        check(exercise, "x")


@pytest.mark.parametrize("points", [0, 1.5, -1])
def test_points_are_whole_and_positive(points):
    with pytest.raises(ValueError, match="points"):
        check("00.x", "x", points=points)


def test_compare_shows_the_learners_value_and_the_largest_difference_not_the_expected_one():
    with pytest.raises(Wrong) as wrong:
        compare("slope", 0.75, 0.5367, "divide by n")
    assert (
        wrong.value.message == "slope: 0.75 is off by about 1e-01"
    )  # not 0.2133: 0.75 - 0.2133 is the answer
    assert wrong.value.hints == ("divide by n",)
    with pytest.raises(Wrong) as wrong:
        compare("weights", [0.75, 2.0, 3.0], [0.5367, 2.0, 3.0])
    assert (
        wrong.value.message == "weights: tensor([0.7500, 2.0000, 3.0000]); 1 of 3 entries are off, "
        "the largest difference from the right values is about 1e-01"
    )


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (torch.zeros(3), "has shape (3,); it should have shape (2,)"),
        ("four", "should be a number or tensor, but it is 'four'"),
        (torch.tensor([True, False]), "should hold real numbers"),
        (torch.tensor([float("nan"), 1.0]), "the largest difference from the right values is about inf"),
        (float("nan"), "grad: nan is off by about inf"),
    ],
)
def test_compare_explains_answers_that_are_not_close(got, message):
    with pytest.raises(Wrong, match=re.escape(message)):
        compare("grad", got, 1.0 if isinstance(got, float) else torch.tensor([1.0, 1.0]))


def test_an_exercise_id_belongs_to_one_check(double):
    with pytest.raises(ValueError, match="is taken by"):

        @check("00.double", "another")
        def another(answer):
            pass


@pytest.fixture
def pair():
    @check("00.pair", "a pair", context=("table",))
    def pair(table, first, second):
        if (first, second) != (table[0], table[1]):
            raise Wrong("not the first two entries")

    yield pair
    core.REGISTRY.pop("00.pair")


def test_an_answer_in_several_parts_is_wrong_while_only_some_are_filled_in(pair):
    assert pair([1, 2], ..., ...).status == "not attempted"  # the lesson's table is no answer
    partial = pair([1, 2], 1, ...)
    assert partial.status == "wrong" and partial.feedback.startswith("1 of your 2 answers are still `...`")
    assert pair([1, 2], 1, 2).status == "correct"


def test_context_must_name_parameters():
    with pytest.raises(ValueError, match=r"context names \['tabel'\]"):

        @check("00.typo", "typo", context=("tabel",))
        def typo(table, answer):
            pass


def test_reset_hints_starts_the_hints_again(double, capsys):
    double(lambda x: x + 2), double(lambda x: x + 2)
    core.reset_hints()
    double(lambda x: x + 2)
    assert capsys.readouterr().out.splitlines()[-1] == "   hint: multiply"


def test_a_not_implemented_error_from_torch_is_an_error_not_a_stub(double, capsys):
    def uses_an_operation_torch_lacks(x):
        return torch.empty(2, device="meta").item()  # torch raises NotImplementedError here

    result = double(uses_an_operation_torch_lacks)
    assert result.status == core.RAISED and "NotImplementedError" in result.feedback
