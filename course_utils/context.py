"""Context managers for notebook cells: changes that undo themselves when the block ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def expect_error(*kinds: type[BaseException]) -> Iterator[None]:
    """Run a block that should raise one of ``kinds``; print the error instead of stopping.

    A lesson shows a mistake by running it. Raising would stop "Run All" in Colab and VS Code, so
    the error is caught and printed as ``TypeName: message``. If the block raises nothing, that
    is itself an error: the lesson's claim no longer holds.

    Args:
        kinds: the exception classes the block may raise (default: any ``Exception``).

    Example:
        >>> with expect_error(ZeroDivisionError):
        ...     1 / 0
        ZeroDivisionError: division by zero
        >>> with expect_error(KeyError):
        ...     {}.get("missing")
        Traceback (most recent call last):
        AssertionError: expected KeyError, but the block ran without error
    """
    kinds = kinds or (Exception,)
    if not all(isinstance(kind, type) and issubclass(kind, BaseException) for kind in kinds):
        raise TypeError(f"expect_error: kinds must be exception classes, got {kinds!r}")
    try:
        yield
    except kinds as error:
        print(f"{type(error).__name__}: {error}")
    else:
        names = " or ".join(kind.__name__ for kind in kinds)
        raise AssertionError(f"expected {names}, but the block ran without error")


@contextmanager
def num_threads(count: int) -> Iterator[None]:
    """Let torch use ``count`` CPU threads inside the block, and restore the previous count after.

    Example:
        >>> before = torch.get_num_threads()
        >>> with num_threads(1):
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"num_threads: count must be a positive int, got {count!r}")
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
