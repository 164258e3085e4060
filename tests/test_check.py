"""The exercise-check machinery: three verdicts, helpful messages, never a bare AssertionError."""

import pytest
import torch

from course_utils import check


def test_stub_answers_are_not_attempted(capsys):
    assert not check.check_close("x", ..., 1.0)
    assert not check.check_equal("x", None, 1)
    assert capsys.readouterr().out.count("not attempted yet") == 2


def test_a_wrong_number_names_expected_got_and_hint(capsys):
    assert not check.check_close("slope", 0.6, 0.5, hint="divide by n")
    out = capsys.readouterr().out
    assert "not yet right" in out and "expected: 0.5" in out and "got:      0.6" in out
    assert "hint:     divide by n" in out


def test_a_wrong_shape_is_reported_as_a_shape(capsys):
    assert not check.check_close("grad", torch.zeros(3), torch.zeros(2))
    assert "shape (2,)" in capsys.readouterr().out


def test_a_non_number_is_reported_not_raised(capsys):
    assert not check.check_close("grad", "four", 4.0)
    assert "not a number" in capsys.readouterr().out


def test_check_equal_survives_answers_that_cannot_be_compared(capsys):
    assert not check.check_equal("shape", torch.zeros(2), (2,))
    assert not check.check_equal("shape", 5, [(1,)], normalize=lambda s: [tuple(x) for x in s])
    assert capsys.readouterr().out.count("not yet right") == 2


def test_call_turns_a_learners_exception_into_a_message():
    finished, message = check.call(lambda: [][1], name="f")
    assert finished and message.startswith("f(...) raised IndexError")
    assert check.call(42, name="f") == (True, "f should be a function, but it is a int")


def test_call_treats_not_implemented_as_not_attempted():
    def stub():
        raise NotImplementedError

    assert check.call(stub, name="f") == (False, ...)


def test_verdict_is_truthy_only_when_correct_and_silent_in_a_notebook(capsys):
    right, wrong = check.verdict("a", True), check.verdict("b", False, expected=1, got=2)
    assert bool(right) and not bool(wrong)
    assert repr(right) == "True" and right._ipython_display_() is None


def test_check_close_rejects_a_non_numeric_reference():
    with pytest.raises(TypeError, match="expected must be numeric"):
        check.check_close("x", 1.0, "one")
