"""Exercise checks that explain: what was expected, what came, and a hint.

A check prints one of three verdicts and returns whether the answer is right:

* ``not attempted yet`` when the answer is still the stub (``...`` or ``None``,
  or a function that raises ``NotImplementedError``);
* ``correct``;
* ``not yet right``, with the expected value, the learner's value and a hint.

It never raises a bare ``AssertionError``: a wrong answer is a message, not a crash.
The lesson-specific checks in :mod:`course_utils.checks` are built from these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

STUBS = (Ellipsis, None)


def is_stub(answer: Any) -> bool:
    """Whether ``answer`` is still an untouched exercise stub (``...`` or ``None``).

    Example:
        >>> is_stub(...), is_stub(None), is_stub(0)
        (True, True, False)
    """
    return any(answer is stub for stub in STUBS)


class Verdict:
    """A check's result: true when the answer is right.

    The message is printed when the check runs; in a notebook the verdict itself
    shows nothing more (so several checks can share one cell), elsewhere its repr
    is ``True`` or ``False``.

    Example:
        >>> result = Verdict(False)
        >>> bool(result), result
        (False, False)
    """

    def __init__(self, passed: bool) -> None:
        self.passed = passed

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return repr(self.passed)

    def _ipython_display_(self) -> None:
        pass


def verdict(name: str, ok: bool | None, *, expected: Any = None, got: Any = None, hint: str = "") -> Verdict:
    """Print the verdict for exercise ``name``; ``ok=None`` means not attempted yet.

    Returns:
        A :class:`Verdict`, true only when ``ok`` is ``True``.

    Example:
        >>> verdict("shapes", True)
        ✅ shapes: correct
        True
        >>> verdict("shapes", False, expected=(2, 3), got=(3, 2), hint="rows first")
        ❌ shapes: not yet right
           expected: (2, 3)
           got:      (3, 2)
           hint:     rows first
        False
    """
    if ok is None:
        print(f"⏳ {name}: not attempted yet (fill in the exercise cell, run it, then run this check)")
        return Verdict(False)
    if ok:
        print(f"✅ {name}: correct")
        return Verdict(True)
    lines = [f"❌ {name}: not yet right", f"   expected: {expected}", f"   got:      {got}"]
    if hint:
        lines.append(f"   hint:     {hint}")
    print("\n".join(lines))
    return Verdict(False)


def call(function: Any, *args: Any, name: str) -> tuple[bool, Any]:
    """Call the learner's ``function``; return ``(finished, result or message)``.

    ``finished`` is ``False`` when ``function`` is still a stub (``...``, ``None`` or
    raises ``NotImplementedError``), and the result is then ``...``. An exception
    is turned into a message for :func:`verdict`.

    Example:
        >>> call(lambda x: x + 1, 1, name="f")
        (True, 2)
        >>> call(..., 1, name="f")
        (False, Ellipsis)
        >>> call(lambda x: x / 0, 1, name="f")
        (True, 'f(...) raised ZeroDivisionError: division by zero')
    """
    if is_stub(function):
        return False, ...
    if not callable(function):
        return True, f"{name} should be a function, but it is a {type(function).__name__}"
    try:
        return True, function(*args)
    except NotImplementedError:
        return False, ...
    except Exception as error:  # the learner's bug becomes a message
        return True, f"{name}(...) raised {type(error).__name__}: {error}"


def _as_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        return None


def check_close(
    name: str, answer: Any, expected: Any, *, hint: str = "", atol: float = 1e-5, rtol: float = 1e-4
) -> Verdict:
    """Check that ``answer`` is numerically close to ``expected`` (same shape too).

    Example:
        >>> check_close("slope", 0.5367, 0.5368, atol=1e-3)
        ✅ slope: correct
        True
        >>> check_close("slope", ..., 0.5368)
        ⏳ slope: not attempted yet (fill in the exercise cell, run it, then run this check)
        False
        >>> check_close("grad", torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]), hint="chain rule")
        ❌ grad: not yet right
           expected: tensor([1., 3.])
           got:      tensor([1., 2.])
           hint:     chain rule
        False
    """
    if is_stub(answer):
        return verdict(name, None)
    got, want = _as_tensor(answer), _as_tensor(expected)
    if want is None:
        raise TypeError(f"check_close: expected must be numeric, got {type(expected).__name__}")
    if got is None or got.is_complex():
        return verdict(name, False, expected=expected, got=f"{answer!r} (not a number or tensor)", hint=hint)
    if got.shape != want.shape:
        return verdict(
            name, False, expected=f"shape {tuple(want.shape)}", got=f"shape {tuple(got.shape)}", hint=hint
        )
    ok = torch.allclose(got.double(), want.double(), atol=atol, rtol=rtol, equal_nan=False)
    return verdict(name, ok, expected=expected, got=answer, hint=hint)


def check_equal(
    name: str, answer: Any, expected: Any, *, hint: str = "", normalize: Callable[[Any], Any] | None = None
) -> Verdict:
    """Check that ``answer == expected`` (after ``normalize``, if given).

    Example:
        >>> check_equal("shape", (6, 4), (6, 4))
        ✅ shape: correct
        True
        >>> check_equal("shape", torch.Size([4, 6]), (6, 4), normalize=tuple, hint="rows first")
        ❌ shape: not yet right
           expected: (6, 4)
           got:      (4, 6)
           hint:     rows first
        False
    """
    if is_stub(answer):
        return verdict(name, None)
    if normalize is not None:
        try:
            answer = normalize(answer)
        except Exception as error:
            return verdict(
                name,
                False,
                expected=expected,
                got=f"{answer!r}, which could not be read ({error})",
                hint=hint,
            )
    try:
        ok = bool(answer == expected)
    except (RuntimeError, TypeError, ValueError):  # e.g. a tensor against a tuple
        ok = False
    return verdict(name, ok, expected=expected, got=answer, hint=hint)
