"""Every check of notebook 01: its stub, its solution, and wrong answers, named but never answered."""

import numpy as np
import pytest
import torch

from course_utils.checks import core
from course_utils.checks import tensors as checks

T = torch.arange(24.0).view(2, 3, 4)
POINTS = torch.rand(5, 2, generator=torch.Generator().manual_seed(1))  # the points the check uses
TABLE = torch.tensor([[1.0, 10.0, 5.0], [2.0, 20.0, 5.5], [3.0, 60.0, 4.0], [6.0, 30.0, 4.5]])


@pytest.fixture(autouse=True)
def first_try():
    """Each test starts at the first wrong try, so the first hint shown is the nudge."""
    for exercise in list(core._wrong_tries):
        if exercise.startswith("01."):
            core._wrong_tries.pop(exercise)


def stub(*args):
    raise NotImplementedError


def shown(values):
    """The ways a tensor's values could be printed: each entry to 4 decimals, and the whole tensor."""
    return [f"{value:.4f}" for value in values.flatten().tolist() if value != 0] + [str(values)]


def assert_hidden(out, values):
    """None of ``values`` (a tensor) appears in the printed text ``out``."""
    leaked = [text for text in shown(values) if text in out]
    assert not leaked, f"the expected values {leaked} were printed:\n{out}"


# --- in-lesson question, section 7 -------------------------------------------------------------------


def test_broadcast_shapes(verdict_of):
    assert checks.broadcast_shapes(...).status == "not attempted"
    assert checks.broadcast_shapes([..., ..., ...]).status == "not attempted"
    assert verdict_of(checks.broadcast_shapes([(2, 4, 3), None, (5, 3)]))[0]
    assert verdict_of(checks.broadcast_shapes([torch.Size([2, 4, 3]), None, [5, 3]]))[0]


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ([(2, 4, 3), (5, 3), (5, 3)], "1 of your 3 answers is wrong"),  # 5 matched with the rows
        (  # lined up from the left
            [(4, 2, 3), None, None],
            "2 of your 3 answers are wrong",
        ),
    ],
)
def test_broadcast_shapes_counts_the_wrong_sums_without_the_answer(verdict_of, answer, named):
    ok, out = verdict_of(checks.broadcast_shapes(answer))
    assert not ok and named in out and "line the two shapes up from the right" in out
    assert "(2, 4, 3)" not in out and "None" not in out


def test_broadcast_shapes_second_hint_does_not_answer_either(verdict_of):
    verdict_of(checks.broadcast_shapes([(2, 4, 3), (5, 3), (5, 3)]))
    ok, out = verdict_of(checks.broadcast_shapes([(2, 4, 3), (5, 5), (5, 3)]))
    assert not ok and "pair by pair" in out and "None" not in out and "error" in out


def test_broadcast_shapes_partly_filled_and_unreadable(verdict_of):
    ok, out = verdict_of(checks.broadcast_shapes([(2, 4, 3), ..., ...]))
    assert not ok and "2 of the 3 items of broadcast_shapes are still `...`" in out
    ok, out = verdict_of(checks.broadcast_shapes([(2, 4, 3), "error", (5, 3)]))
    assert not ok and "or None for an error; one is 'error'" in out
    ok, out = verdict_of(checks.broadcast_shapes((2, 4, 3)))
    assert not ok and "should be a list of 3 shapes (or None), not one shape (2, 4, 3)" in out


# --- in-lesson question, section 10 ------------------------------------------------------------------


def test_view_or_copy(verdict_of):
    assert checks.view_or_copy(...).status == "not attempted"
    assert checks.view_or_copy([..., ..., ...]).status == "not attempted"
    assert verdict_of(checks.view_or_copy([True, False, True]))[0]


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ([True, True, True], "1 of your 3 answers is wrong"),  # every indexing a view
        ([True, False, False], "1 of your 3 answers is wrong"),  # a new shape taken for a copy
    ],
)
def test_view_or_copy_counts_the_wrong_items_without_the_answer(verdict_of, answer, named):
    ok, out = verdict_of(checks.view_or_copy(answer))
    assert not ok and named in out and "hint: a view reads a's own memory" in out
    assert "True" not in out and "False" not in out


def test_view_or_copy_needs_booleans_and_all_items(verdict_of):
    ok, out = verdict_of(checks.view_or_copy(["view", "copy", "view"]))
    assert not ok and "True (a changes) or False" in out
    ok, out = verdict_of(checks.view_or_copy([True, ..., True]))
    assert not ok and "1 of the 3 items of changes_a is still `...`" in out


# --- exercise 1 --------------------------------------------------------------------------------------


def test_mean_shapes(verdict_of):
    assert checks.mean_shapes(...).status == "not attempted"
    assert checks.mean_shapes([..., ..., ...]).status == "not attempted"
    assert verdict_of(checks.mean_shapes([(3, 4), (2, 4), (2, 3)]))[0]
    assert verdict_of(checks.mean_shapes([torch.Size([3, 4]), [2, 4], (2, 3)]))[0]


def test_mean_shapes_counts_the_wrong_dims_without_the_answer(verdict_of):
    ok, out = verdict_of(checks.mean_shapes([(2, 3), (2, 4), (3, 4)]))  # reversed: dim d kept, not removed
    assert not ok and "2 of your 3 shapes are wrong" in out and "dim=0" not in out
    assert "hint: t has shape (2, 3, 4): which of its sizes" in out
    assert "(3, 4)" not in out.replace("(2, 3, 4)", "") and "expected" not in out
    ok, out = verdict_of(checks.mean_shapes([(3, 4), (2, 3), (2, 3)]))  # second try: the fuller hint
    assert not ok and "1 of your 3 shapes is wrong" in out and "removes dimension d" in out
    assert "(2, 4)" not in out


def test_mean_shapes_recognises_keepdim(verdict_of):
    ok, out = verdict_of(checks.mean_shapes([(1, 3, 4), (2, 4), (2, 3)]))
    assert not ok and "1 of your 3 shapes is wrong" in out and "keepdim=True" in out
    assert "(3, 4)" not in out.replace("(2, 3, 4)", "")


def test_mean_shapes_unreadable_or_partly_filled(verdict_of):
    ok, out = verdict_of(checks.mean_shapes(3))
    assert not ok and "should be a list of 3 shapes, but it is of type int" in out
    ok, out = verdict_of(checks.mean_shapes([3, 4, 5]))
    assert not ok and "should be a list of 3 shapes, not one shape (3, 4, 5)" in out
    ok, out = verdict_of(checks.mean_shapes([3, 4, (2, 3)]))
    assert not ok and "each shape should be a tuple of sizes" in out
    ok, out = verdict_of(checks.mean_shapes([(3, 4), ..., ...]))
    assert not ok and "2 of the 3 items of mean_shapes are still `...`" in out


def test_reshaped(verdict_of):
    assert checks.reshaped(T, ..., ...).status == "not attempted"
    half = checks.reshaped(T, T.reshape(6, 4), ...)  # half done is not "not attempted"
    assert half.status == "wrong" and "1 of your 2 answers are still `...`" in half.feedback
    assert verdict_of(checks.reshaped(T, T.reshape(6, 4), T.reshape(4, 6)))[0]
    assert verdict_of(checks.reshaped(T, T.view(6, 4), T.view(6, 4).view(4, 6)))[0]


def test_reshaped_wrong(verdict_of):
    ok, out = verdict_of(checks.reshaped(T, T.reshape(4, 6), T.reshape(6, 4)))  # the two swapped
    assert not ok and "t_6x4 has shape (4, 6); it should have shape (6, 4)" in out
    ok, out = verdict_of(checks.reshaped(T, T.reshape(6, 4), T.reshape(6, 4).T))  # right shape, wrong order
    assert not ok and "t_4x6 holds t's numbers, but in another order" in out and "transpose" in out
    ok, out = verdict_of(checks.reshaped(T, T.reshape(6, 4), torch.zeros(4, 6)))
    assert not ok and "t_4x6 does not hold t's numbers" in out
    ok, out = verdict_of(checks.reshaped(T, T.reshape(6, 4), [[0] * 6] * 4))
    assert not ok and "t_4x6 should be a tensor, but it is a list" in out


# --- exercise 2 --------------------------------------------------------------------------------------

EXPECTED_DISTANCES = ((POINTS[:, None] - POINTS[None]) ** 2).sum(-1)


def pairwise_right(points):
    differences = points[:, None, :] - points[None, :, :]  # (n, 1, 2) - (1, n, 2) -> (n, n, 2)
    return (differences**2).sum(dim=-1)


def test_pairwise_sq_distances(verdict_of):
    assert checks.pairwise_sq_distances(stub).status == "not attempted"
    assert checks.pairwise_sq_distances(...).status == "not attempted"
    assert verdict_of(checks.pairwise_sq_distances(pairwise_right))[0]
    assert verdict_of(checks.pairwise_sq_distances(lambda p: torch.cdist(p, p) ** 2))[0]


def test_pairwise_sq_distances_not_squared(verdict_of):
    ok, out = verdict_of(checks.pairwise_sq_distances(lambda p: torch.cdist(p, p)))
    assert not ok and "these are the distances between the points, not their squares" in out
    assert_hidden(out, EXPECTED_DISTANCES)


def test_pairwise_sq_distances_squares_the_sum(verdict_of):
    ok, out = verdict_of(checks.pairwise_sq_distances(lambda p: (p[:, None] - p[None]).sum(-1) ** 2))
    assert not ok and "largest difference from the right values" in out and "hint: give the points" in out
    assert_hidden(out, EXPECTED_DISTANCES)


def test_pairwise_sq_distances_wrong_axis_and_errors(verdict_of):
    ok, out = verdict_of(checks.pairwise_sq_distances(lambda p: ((p[:, None] - p[None]) ** 2).sum(0)))
    assert not ok and "has shape (5, 2); it should have shape (5, 5)" in out
    result = checks.pairwise_sq_distances(lambda p: p @ p)
    assert result.status == "raised" and "raised RuntimeError" in result.feedback


def test_pairwise_sq_distances_forgotten_return():
    def forgot(points):
        ((points[:, None] - points[None]) ** 2).sum(-1)

    result = checks.pairwise_sq_distances(forgot)
    assert result.status == "wrong" and "did you forget `return`?" in result.feedback


# --- exercise 3 --------------------------------------------------------------------------------------

EXPECTED_TABLE = (TABLE - TABLE.mean(dim=0)) / TABLE.std(dim=0)


def test_standardize_columns(verdict_of):
    assert checks.standardize_columns(stub).status == "not attempted"
    assert checks.standardize_columns(...).status == "not attempted"
    assert verdict_of(checks.standardize_columns(lambda x: (x - x.mean(dim=0)) / x.std(dim=0)))[0]
    assert verdict_of(checks.standardize_columns(lambda x: (x - x.mean(0, True)) / x.std(0, keepdim=True)))[0]


@pytest.mark.parametrize(
    "population",
    [
        lambda x: (x - x.mean(dim=0)) / x.std(dim=0, unbiased=False),
        lambda x: (x - x.mean(dim=0)) / x.std(dim=0, correction=0),
        lambda x: (x - x.mean(dim=0)) / (x - x.mean(dim=0)).pow(2).mean(dim=0).sqrt(),
    ],
)
def test_standardize_columns_population_std_is_named_not_sent_to_dim_0(verdict_of, population):
    ok, out = verdict_of(checks.standardize_columns(population))
    assert not ok and "population standard deviation" in out
    assert "torch's std, and this exercise, use the sample standard deviation" in out and "n - 1" in out
    assert "dim=0" not in out  # the reduction was right: that was the old misdiagnosis
    assert_hidden(out, EXPECTED_TABLE)


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        (lambda x: (x - x.mean()) / x.std(), "the whole table has mean 0, but its columns do not"),
        (
            lambda x: (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True),
            "each row has mean 0, not each column",
        ),
        (lambda x: x - x.mean(dim=0), "each column has mean 0, but not standard deviation 1"),
        (lambda x: x / x.std(dim=0), "each column has standard deviation 1, but not mean 0"),
    ],
)
def test_standardize_columns_wrong_statistics(verdict_of, wrong, named):
    ok, out = verdict_of(checks.standardize_columns(wrong))
    assert not ok and named in out and "hint: reduce over dim=0" in out
    assert_hidden(out, EXPECTED_TABLE)


def test_standardize_columns_other_wrong_values_show_the_learners_numbers_only(verdict_of):
    ok, out = verdict_of(checks.standardize_columns(lambda x: (x - x.mean(dim=0)) / x.std(dim=0)[0]))
    assert not ok and "each column has mean 0, but not standard deviation 1" in out
    ok, out = verdict_of(checks.standardize_columns(lambda x: x / x.sum(dim=0)))
    assert not ok and "largest difference from the right values" in out and "hint: a statistic" in out
    assert_hidden(out, EXPECTED_TABLE)
    ok, out = verdict_of(checks.standardize_columns(lambda x: ((x - x.mean(dim=0)) / x.std(dim=0)).flip(0)))
    assert not ok and "largest difference from the right values" in out  # rows swapped: stats are right


def test_standardize_columns_does_not_trust_an_input_changed_in_place(verdict_of):
    def in_place(table):
        table -= table.mean(dim=0)
        return table / table.std(dim=0)

    assert verdict_of(checks.standardize_columns(in_place))[0]


def test_standardize_columns_forgotten_return_and_wrong_shape(verdict_of):
    def forgot(table):
        (table - table.mean(dim=0)) / table.std(dim=0)

    assert "did you forget `return`?" in checks.standardize_columns(forgot).feedback
    ok, out = verdict_of(checks.standardize_columns(lambda x: x.std(dim=0)))
    assert not ok and "has shape (3,); it should have shape (4, 3)" in out


# --- NumPy and torch values where Python's are accepted ----------------------------------------------


def test_view_or_copy_accepts_numpy_and_torch_booleans(verdict_of):
    assert verdict_of(checks.view_or_copy([np.True_, np.False_, np.True_]))[0]
    assert verdict_of(checks.view_or_copy(np.array([True, False, True])))[0]
    assert verdict_of(checks.view_or_copy(torch.tensor([True, False, True])))[0]
    ok, out = verdict_of(checks.view_or_copy([np.True_, np.True_, np.True_]))  # still judged
    assert not ok and "1 of your 3 answers is wrong" in out


@pytest.mark.parametrize("answer", [[1, 0, 1], (1, 0, 0), np.array([1, 0, 1]), [True, 0, True]])
def test_view_or_copy_says_numbers_are_not_booleans(verdict_of, answer):
    ok, out = verdict_of(checks.view_or_copy(answer))
    assert not ok and "each answer should be True (a changes) or False (it does not)" in out
    assert "numbers such as 1 and 0 are not accepted as booleans: write True or False" in out
    assert "shape" not in out  # [1, 0, 1] was taken for one shape: the old misdiagnosis
    assert "the answer for" not in out  # and never which one is right


def test_view_or_copy_strings_are_not_called_numbers(verdict_of):
    ok, out = verdict_of(checks.view_or_copy(["view", "copy", "view"]))
    assert not ok and "True (a changes) or False" in out and "numbers such as" not in out


def test_shapes_accept_numpy_and_torch_integers(verdict_of):
    assert verdict_of(
        checks.mean_shapes([(np.int64(3), np.int64(4)), np.array([2, 4]), torch.tensor([2, 3])])
    )[0]
    assert verdict_of(checks.mean_shapes(np.array([[3, 4], [2, 4], [2, 3]])))[0]
    assert verdict_of(checks.broadcast_shapes([np.array([2, 4, 3]), None, (np.int32(5), 3)]))[0]
    ok, out = verdict_of(checks.mean_shapes(np.array([3, 4, 5])))
    assert not ok and "should be a list of 3 shapes, not one shape (3, 4, 5)" in out


@pytest.mark.parametrize("size", [3.0, np.float64(3.0), True, np.True_, "3"])
def test_shapes_still_need_integer_sizes(verdict_of, size):
    ok, out = verdict_of(checks.mean_shapes([(size, 4), (2, 4), (2, 3)]))
    assert not ok and "each shape should be a tuple of sizes" in out


def test_reshaped_needs_the_lessons_t(verdict_of):
    zeros = torch.zeros(2, 3, 4)  # a t replaced so that any reshape of zeros would pass
    ok, out = verdict_of(checks.reshaped(zeros, torch.zeros(6, 4), torch.zeros(4, 6)))
    assert not ok and "t is not the lesson's t" in out


def test_pairwise_sq_distances_with_a_fixed_number_of_points_fails(verdict_of):
    def five_points_only(points):
        return ((points.view(5, 1, 2) - points.view(1, 5, 2)) ** 2).sum(-1)

    ok, out = verdict_of(checks.pairwise_sq_distances(five_points_only))
    assert not ok and "RuntimeError" in out and "points.view(5, 1, 2)" in out


def test_standardize_columns_explains_a_population_std_from_numpy_or_scikit_learn(verdict_of):
    from sklearn.preprocessing import StandardScaler

    def with_numpy(table):
        values = table.numpy()
        return (values - values.mean(axis=0)) / values.std(axis=0)  # NumPy's std divides by n

    def with_scikit_learn(table):
        return StandardScaler().fit_transform(table.numpy())

    for answer in (with_numpy, with_scikit_learn):
        ok, out = verdict_of(checks.standardize_columns(answer))
        assert not ok and "population standard deviation" in out and "reduce over dim=0" not in out
