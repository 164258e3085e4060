"""Every check of notebook 01: stub, right answer, and at least one plausible wrong answer."""

import pytest
import torch

from course_utils.checks import tensors as checks

T = torch.arange(24.0).view(2, 3, 4)


def test_mean_shapes(verdict_of):
    assert "not attempted" in verdict_of(checks.mean_shapes(...))[1]
    assert verdict_of(checks.mean_shapes([(3, 4), (2, 4), (2, 3)]))[0]
    assert verdict_of(checks.mean_shapes([torch.Size([3, 4]), (2, 4), (2, 3)]))[0]
    ok, out = verdict_of(checks.mean_shapes([(2, 3), (2, 4), (3, 4)]))  # reversed
    assert not ok and "removes dimension d" in out and "expected: [(3, 4), (2, 4), (2, 3)]" in out
    ok, out = verdict_of(checks.mean_shapes(3))
    assert not ok and "could not be read" in out


def test_reshaped(verdict_of):
    assert "not attempted" in verdict_of(checks.reshaped(T, ..., ...))[1]
    assert verdict_of(checks.reshaped(T, T.reshape(6, 4), T.reshape(4, 6)))[0]
    ok, out = verdict_of(checks.reshaped(T, T.reshape(4, 6), T.reshape(6, 4)))
    assert not ok and "t_6x4 of shape (6, 4)" in out
    ok, out = verdict_of(checks.reshaped(T, T.reshape(6, 4), T.reshape(6, 4).T))
    assert not ok and "transpose" in out  # a transpose has the right shape, the wrong order


def test_pairwise_sq_distances(verdict_of):
    def stub(points):
        raise NotImplementedError

    def right(points):
        return ((points[:, None] - points[None]) ** 2).sum(-1)

    def not_squared(points):
        return torch.cdist(points, points)

    def wrong_axes(points):
        return ((points[:, None] - points[None]) ** 2).sum(0)

    assert "not attempted" in verdict_of(checks.pairwise_sq_distances(stub))[1]
    assert verdict_of(checks.pairwise_sq_distances(right))[0]
    ok, out = verdict_of(checks.pairwise_sq_distances(not_squared))
    assert not ok and "expected: tensor" in out and "hint" in out
    ok, out = verdict_of(checks.pairwise_sq_distances(wrong_axes))
    assert not ok and "shape (5, 5)" in out
    ok, out = verdict_of(checks.pairwise_sq_distances(lambda p: p @ p))
    assert not ok and "raised RuntimeError" in out


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x: (x - x.mean()) / x.std(),  # whole-table statistics
        lambda x: (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True),  # per row
        lambda x: x - x.mean(dim=0),  # forgot to scale
    ],
)
def test_standardize_columns(verdict_of, wrong):
    assert "not attempted" in verdict_of(checks.standardize_columns(None))[1]
    assert verdict_of(checks.standardize_columns(lambda x: (x - x.mean(0)) / x.std(0)))[0]
    ok, out = verdict_of(checks.standardize_columns(wrong))
    assert not ok and "dim=0" in out
