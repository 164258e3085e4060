"""Every check of notebook 02: its stub, its right answer, and plausible wrong answers.

The wrong answers are the slips a learner makes (a gradient as if nothing were detached, a
forgotten term, a forward difference). For every prediction and numeric check, the tests also show
that what is printed names the problem and never shows the expected value.
"""

import math
import re

import pytest
import torch

from course_utils.checks import autograd as checks
from course_utils.checks import core

A, B = 1.5, -2.0
U = A * B + math.sin(A)
DF_DA = 2 * U * (B + math.cos(A)) / B  # -3.86336...
DF_DB = 2 * U * A / B - U**2 / B**2  # 2.00125...
REQUIRES_GRAD = dict(zip(checks.REQUIRES_GRAD_CASES, [True, True, False, False, True, False], strict=True))
LEAVES = dict(zip(checks.LEAF_CASES, [False, True, False, True], strict=True))


@pytest.fixture(autouse=True)
def first_try(monkeypatch):
    """Every test starts at the first wrong try, so the first hint shown is the nudge."""
    monkeypatch.setattr(core, "_wrong_tries", {})


def shows(number, text):
    """Whether ``text`` prints ``number`` (as 4, 4.0 or 4.00, not as part of 14 or 0.4)."""
    return re.search(rf"(?<![\d.]){re.escape(str(number))}(\.0*)?(?![\d])", text) is not None


def test_shows_finds_a_number_and_only_that_number():
    assert shows(4, "x.grad = 4.0 here") and shows(4, "is 4")
    assert not shows(4, "14 and 0.4 and 41") and not shows(18, "2.18")


# --- 02.accumulated_gradient (in-lesson, section 4) ----------------------------------------------


def accumulated_by_running_the_loop():
    x = torch.tensor(3.0, requires_grad=True)
    for step in range(3):
        (x**2).backward()
    return x.grad.item()


def test_accumulated_gradient(verdict_of):
    assert checks.accumulated_gradient(...).status == "not attempted"
    assert checks.accumulated_gradient(accumulated_by_running_the_loop()).status == "correct"
    assert checks.accumulated_gradient(torch.tensor(18.0)).status == "correct"
    # as if backward() overwrote .grad: one call's gradient
    ok, out = verdict_of(checks.accumulated_gradient(6.0))
    assert not ok and "first sentence" in out and not shows(18, out)
    # the old message added "the loop makes three": times 6, the answer
    assert "x.grad = 6 is what one backward() call leaves; what happens to .grad on the next calls?" in out
    assert "three" not in out and not shows(3, out)
    # a second wrong try: the fuller hint, still without the value or the number of calls
    ok, out = verdict_of(checks.accumulated_gradient(54))
    assert not ok and "adds to .grad rather than overwriting it" in out and not shows(18, out)
    assert "three" not in out and not shows(3, out)
    ok, out = verdict_of(checks.accumulated_gradient("18"))
    assert not ok and "should be a number" in out


# --- 02.leaf_predictions (in-lesson, section 5) --------------------------------------------------


def test_leaf_predictions(verdict_of):
    assert checks.leaf_predictions(...).status == "not attempted"
    assert checks.leaf_predictions(dict.fromkeys(LEAVES, ...)).status == "not attempted"
    assert checks.leaf_predictions(LEAVES).status == "correct"
    # "made by an operation, so not a leaf", though nothing required grad
    ok, out = verdict_of(checks.leaf_predictions({**LEAVES, "torch.ones(3) * 2": False}))
    assert not ok and "1 of your 4 predictions is wrong" in out and "wrong: 'torch.ones(3) * 2'" not in out
    assert "section 1 defines a leaf" in out and "True" not in out and "False" not in out
    # "requires grad, so not a leaf"; the second try shows the clue for each wrong item
    ok, out = verdict_of(checks.leaf_predictions({**LEAVES, "torch.ones(3).requires_grad_()": False}))
    assert not ok and "'torch.ones(3).requires_grad_()': requires_grad_() sets a flag" in out
    assert "True" not in out and "False" not in out
    # half filled in, one of them wrong: both are said
    half = {**dict.fromkeys(LEAVES, ...), "loss": True, "torch.ones(3) * 2": True}
    ok, out = verdict_of(checks.leaf_predictions(half))
    assert not ok and "1 of your 2 predictions is wrong\n" in out and "2 entries are still `...`" in out


# --- 02.several_ops (exercise 1) -----------------------------------------------------------------


def test_several_ops_half_done():
    half = checks.several_ops(..., DF_DB)
    assert half.status == "wrong" and "1 of your 2 answers are still `...`" in half.feedback


def test_several_ops(verdict_of):
    assert checks.several_ops(..., ...).status == "not attempted"
    assert checks.several_ops(DF_DA, DF_DB).status == "correct"
    assert checks.several_ops(torch.tensor(DF_DA), torch.tensor(DF_DB)).status == "correct"
    # forgetting that b also sits in the denominator: the learner's value and how far off, roughly
    ok, out = verdict_of(checks.several_ops(DF_DA, 2 * U * A / B))
    assert not ok and f"df_db: {2 * U * A / B:.6g} is off by about 1e+00" in out
    assert "df_da" not in out and "only the b inside u" in out
    # sin instead of cos, and only the division differentiated: both are named, with hints
    ok, out = verdict_of(checks.several_ops(2 * U * (B + math.sin(A)) / B, -(U**2) / B**2))
    assert not ok and "df_da: " in out and "df_db: " in out and "du/da" in out and "product rule" in out
    ok, out = verdict_of(checks.several_ops("x", DF_DB))
    assert not ok and "df_da should be a number or tensor" in out
    ok, out = verdict_of(checks.several_ops(-DF_DA, DF_DB))  # a sign slip: the learner's own value
    assert not ok and f"df_da: {-DF_DA:.6g} is off by about 1e+01" in out and "df_db" not in out


def test_several_ops_shows_no_exact_difference(verdict_of):
    ok, out = verdict_of(checks.several_ops(DF_DA + 0.371, DF_DB))
    assert not ok and f"df_da: {DF_DA + 0.371:.6g} is off by about 1e+00" in out
    assert "0.371" not in out and "3.863" not in out


def test_several_ops_never_shows_the_right_values(verdict_of):
    for answer in [(0.0, 0.0), (1.0, -1.0), (DF_DA + 1, 2 * DF_DB), (2 * U * A / B, 2 * U * A / B)]:
        ok, out = verdict_of(checks.several_ops(*answer))
        assert not ok and "df_da: " in out and "df_db: " in out
        assert "3.863" not in out and "2.001" not in out


# --- 02.requires_grad_predictions (exercise 2a) --------------------------------------------------


def test_requires_grad_predictions(verdict_of):
    assert checks.requires_grad_predictions(...).status == "not attempted"
    assert checks.requires_grad_predictions(dict.fromkeys(REQUIRES_GRAD, ...)).status == "not attempted"
    assert checks.requires_grad_predictions(REQUIRES_GRAD).status == "correct"
    # no_grad() forgotten, and .grad thought to be tracked: how many, not which, no expected values
    wrong = {**REQUIRES_GRAD, "w * 2 inside torch.no_grad()": True, "w.grad after loss.backward()": True}
    ok, out = verdict_of(checks.requires_grad_predictions(wrong))
    assert not ok and "2 of your 6 predictions are wrong" in out
    assert "'w * 2 inside torch.no_grad()'" not in out and "'w.grad after loss.backward()'" not in out
    assert "(w * 2).sum()" not in out and "True" not in out and "False" not in out
    # detach() thought to keep the history; second wrong try: the clue for that item
    ok, out = verdict_of(checks.requires_grad_predictions({**REQUIRES_GRAD, "w.detach() * 2": True}))
    assert not ok and "'w.detach() * 2': what does detach() return" in out
    assert "True" not in out and "False" not in out
    ok, out = verdict_of(checks.requires_grad_predictions([True] * 6))
    assert not ok and "should be a dict" in out
    ok, out = verdict_of(checks.requires_grad_predictions({**REQUIRES_GRAD, "w * 2": "True"}))
    assert not ok and "should be True or False" in out
    ok, out = verdict_of(checks.requires_grad_predictions({"w * 2": True}))
    assert not ok and "missing" in out


def test_requires_grad_predictions_partly_filled_in_is_judged(verdict_of):
    """Five of the six filled in used to say "not attempted yet"."""
    five_right = {**REQUIRES_GRAD, "w.grad after loss.backward()": ...}
    ok, out = verdict_of(checks.requires_grad_predictions(five_right))
    assert not ok and "not attempted" not in out
    assert "the 5 predictions you made are right; 1 entry is still `...`" in out
    five_one_wrong = {**five_right, "w.detach() * 2": True}
    ok, out = verdict_of(checks.requires_grad_predictions(five_one_wrong))
    assert not ok and "1 of your 5 predictions is wrong\n" in out
    assert "1 entry is still `...`: 'w.grad after loss.backward()'" in out


# --- 02.detached_gradient (exercise 2b) ----------------------------------------------------------


def detached_by_running_it():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    z = y.detach() * x
    z.backward()
    return x.grad.item()


def test_detached_gradient(verdict_of):
    assert checks.detached_gradient(...).status == "not attempted"
    assert checks.detached_gradient(detached_by_running_it()).status == "correct"
    assert checks.detached_gradient(torch.tensor(4.0)).status == "correct"
    # as if nothing were detached: the old hint said "its value is 4"
    ok, out = verdict_of(checks.detached_gradient(12.0))
    assert not ok and "as if nothing were detached" in out and "plain number" in out and not shows(4, out)
    # the detached factor differentiated instead of the other one; the fuller hint on a second try
    ok, out = verdict_of(checks.detached_gradient(8))
    assert not ok and "detach() cut off" in out and "constant c" in out and not shows(4, out)
    ok, out = verdict_of(checks.detached_gradient(0.0))
    assert not ok and "x.grad = 0 is not right" in out and not shows(4, out)
    ok, out = verdict_of(checks.detached_gradient(torch.tensor([4.0, 4.0])))
    assert not ok and "one number" in out


# --- 02.central_difference (exercise 3) ----------------------------------------------------------


def right_central_difference(f, x, eps=1e-3):
    gradient = torch.zeros_like(x)
    for i in range(len(x)):
        step = torch.zeros_like(x)
        step[i] = eps
        gradient[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


def test_central_difference(verdict_of):
    def stub(f, x, eps=1e-3):
        raise NotImplementedError

    def without_the_2(f, x, eps=1e-3):  # forgets the 2 of 2*eps
        steps = torch.eye(len(x), dtype=x.dtype) * eps
        return torch.stack([(f(x + s) - f(x - s)) / eps for s in steps])

    def forward_difference(f, x, eps=1e-3):  # one-sided: an error of order eps
        steps = torch.eye(len(x), dtype=x.dtype) * eps
        return torch.stack([(f(x + s) - f(x)) / eps for s in steps])

    def nudges_everything(f, x, eps=1e-3):  # one directional derivative, not a gradient
        return (f(x + eps) - f(x - eps)) / (2 * eps)

    def nudges_x_in_place(f, x, eps=1e-3):  # leaves x moved by -eps in each element
        gradient = torch.zeros_like(x)
        for i in range(len(x)):
            x[i] += eps
            up = f(x)
            x[i] -= 2 * eps
            gradient[i] = (up - f(x)) / (2 * eps)
        return gradient

    def forgets_return(f, x, eps=1e-3):
        gradient = torch.zeros_like(x)
        for i in range(len(x)):
            step = torch.zeros_like(x)
            step[i] = eps
            gradient[i] = (f(x + step) - f(x - step)) / (2 * eps)

    def indexes_past_the_end(f, x, eps=1e-3):
        return torch.stack([f(x) - f(x) for i in range(len(x) + 1) if x[i] is not None])

    assert checks.central_difference(stub).status == "not attempted"
    assert checks.central_difference(...).status == "not attempted"
    assert checks.central_difference(right_central_difference).status == "correct"
    ok, out = verdict_of(checks.central_difference(without_the_2))
    assert not ok and "largest difference" in out and "2*eps" in out
    expected = right_central_difference(lambda x: (x**3).sum() + x.prod(), torch.tensor([0.5, -1.0, 2.0]))
    assert all(f"{value:.4f}" not in out for value in expected.tolist())
    ok, out = verdict_of(checks.central_difference(forward_difference))
    assert not ok and "largest difference" in out
    ok, out = verdict_of(checks.central_difference(nudges_everything))
    assert not ok and "shape (3,)" in out
    ok, out = verdict_of(checks.central_difference(nudges_x_in_place))
    assert not ok and "changed x in place" in out
    ok, out = verdict_of(checks.central_difference(forgets_return))
    assert not ok and "did you forget `return`?" in out
    result = checks.central_difference(indexes_past_the_end)
    assert result.status == "raised" and "IndexError" in result.feedback


def test_central_difference_must_use_its_eps(verdict_of):
    def ignores_eps(f, x, eps=1e-3):  # right with the default eps, whatever eps it is given
        eps = 1e-6
        return right_central_difference(f, x, eps)

    def caps_eps(f, x, eps=1e-3):  # uses eps, but never more than 0.1: not the estimate at eps=0.5
        return right_central_difference(f, x, min(eps, 0.1))

    def no_eps(f, x):
        return right_central_difference(f, x)

    def vectorised(f, x, eps=1e-3):  # another right way
        return torch.stack([(f(x + step) - f(x - step)) / (2 * eps) for step in torch.eye(len(x)) * eps])

    # the default call alone could not tell: its eps is far too small to matter
    assert verdict_of(checks.central_difference(vectorised))[0]
    # at eps=0.5, for 4 * (x**3).sum() + x.prod() at x = (0.5, -1, 2): 12x**2 + 1 + d(prod)
    at_large_eps = [2.0, 14.0, 48.5]
    ok, out = verdict_of(checks.central_difference(ignores_eps))
    assert not ok and "eps=0.5" in out and "it does not use the eps it is called with" in out
    assert "do not set eps inside the function" in out
    assert not shows(14, out) and "48.5" not in out
    ok, out = verdict_of(checks.central_difference(caps_eps))  # second try: the fuller hint
    assert not ok and "central_difference(f, x, eps=0.5) for f(x) = 4 * (x**3).sum() + x.prod()" in out
    assert "3 of 3 entries are off, the largest difference from the right values is about 1e+00" in out
    assert "steps of 0.5" in out and not shows(14, out) and "48.5" not in out
    steep, x = lambda x: 4 * (x**3).sum() + x.prod(), torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    assert right_central_difference(steep, x, 0.5).tolist() == pytest.approx(at_large_eps)
    ok, out = verdict_of(checks.central_difference(no_eps))
    assert not ok and "should take eps as its third argument" in out


def test_central_difference_shows_no_exact_difference(verdict_of):
    def one_entry_off(f, x, eps=1e-3):
        return right_central_difference(f, x, eps) + torch.tensor([0.0, 0.0, 0.123456], dtype=x.dtype)

    ok, out = verdict_of(checks.central_difference(one_entry_off))
    assert not ok and "1 of 3 entries are off, the largest difference" in out and "is about 1e-01" in out
    # the learner's own value is shown, but neither the difference nor the right value (12.5)
    assert "0.123" not in out and "0.1235" not in out and not shows(12.5, out)


def test_every_check_is_registered_with_its_points():
    points = {
        name: getattr(checks, name).points
        for name in (
            "accumulated_gradient",
            "leaf_predictions",
            "several_ops",
            "requires_grad_predictions",
            "detached_gradient",
            "central_difference",
        )
    }
    assert points == {
        "accumulated_gradient": 1,
        "leaf_predictions": 1,
        "several_ops": 2,
        "requires_grad_predictions": 1,
        "detached_gradient": 1,
        "central_difference": 2,
    }
    assert all(f"02.{name}" in core.REGISTRY for name in points)
