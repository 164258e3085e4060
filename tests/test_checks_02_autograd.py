"""Every check of notebook 02: stub, right answer, and at least one plausible wrong answer."""

import math

import torch

from course_utils.checks import autograd as checks

A, B = 1.5, -2.0
U = A * B + math.sin(A)
DF_DA = 2 * U * (B + math.cos(A)) / B
DF_DB = 2 * U * A / B - U**2 / B**2
RIGHT = dict(zip(checks.REQUIRES_GRAD_CASES, [True, True, False, False, True, False], strict=True))


def test_several_ops(verdict_of):
    assert "not attempted" in verdict_of(checks.several_ops(..., DF_DB))[1]
    assert verdict_of(checks.several_ops(DF_DA, DF_DB))[0]
    # forgetting that b also sits in the denominator
    ok, out = verdict_of(checks.several_ops(DF_DA, 2 * U * A / B))
    assert not ok and "b appears twice" in out
    ok, out = verdict_of(checks.several_ops("x", DF_DB))
    assert not ok and "two numbers" in out


def test_requires_grad_predictions(verdict_of):
    assert "not attempted" in verdict_of(checks.requires_grad_predictions(...))[1]
    assert "not attempted" in verdict_of(checks.requires_grad_predictions(dict.fromkeys(RIGHT, ...)))[1]
    assert verdict_of(checks.requires_grad_predictions(RIGHT))[0]
    wrong = {**RIGHT, "w * 2 inside torch.no_grad()": True, "w.grad after loss.backward()": True}
    ok, out = verdict_of(checks.requires_grad_predictions(wrong))
    assert not ok and "'w * 2 inside torch.no_grad()': False" in out and "(w * 2).sum()" not in out
    ok, out = verdict_of(checks.requires_grad_predictions([True] * 6))
    assert not ok and "a dict" in out


def test_detached_gradient(verdict_of):
    assert "not attempted" in verdict_of(checks.detached_gradient(...))[1]
    assert verdict_of(checks.detached_gradient(torch.tensor(4.0)))[0]
    ok, out = verdict_of(checks.detached_gradient(12.0))  # as if nothing were detached
    assert not ok and "constant" in out


def test_central_difference(verdict_of):
    def right(f, x, eps=1e-3):
        steps = torch.eye(len(x), dtype=x.dtype) * eps
        return torch.stack([(f(x + s) - f(x - s)) / (2 * eps) for s in steps])

    def forward_only_one_eps(f, x, eps=1e-3):  # forgets the factor 2 of a central difference
        steps = torch.eye(len(x), dtype=x.dtype) * eps
        return torch.stack([(f(x + s) - f(x - s)) / eps for s in steps])

    def nudges_everything(f, x, eps=1e-3):  # one directional derivative, not a gradient
        return (f(x + eps) - f(x - eps)) / (2 * eps)

    def stub(f, x, eps=1e-3):
        raise NotImplementedError

    assert "not attempted" in verdict_of(checks.central_difference(stub))[1]
    assert verdict_of(checks.central_difference(right))[0]
    ok, out = verdict_of(checks.central_difference(forward_only_one_eps))
    assert not ok and "2*eps" in out
    ok, out = verdict_of(checks.central_difference(nudges_everything))
    assert not ok and "shape (3,)" in out
