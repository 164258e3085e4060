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


@contextmanager
def folded(summary: str = "What the solution prints: click to show it") -> Iterator[None]:
    """Show what the block prints and displays folded away, behind a click on ``summary``.

    A solution cell's output is part of its answer. JupyterLab and Colab show a cell's outputs
    again when it runs (on "Run All", say), even where its code stays collapsed; an output that is
    itself a closed ``<details>`` element stays closed there, on GitHub, in nbconvert's HTML and on
    the course website. Outside a notebook the block prints as usual.

    Example:
        >>> with folded():   # no notebook here: printed as usual
        ...     print("the answer")
        the answer
    """
    import html

    from IPython import get_ipython

    if get_ipython() is None:
        yield
        return
    from IPython.display import display
    from IPython.utils.capture import capture_output

    with capture_output(stderr=False) as captured:  # warnings and errors stay in sight
        yield
    # a progress bar redraws its line with carriage returns: keep each line as last drawn
    printed = "\n".join(line.rsplit("\r", 1)[-1] for line in captured.stdout.split("\n")).strip("\n")
    parts, plain = [], [printed] if printed else []
    if printed:
        parts.append(f"<pre>{html.escape(printed)}</pre>")
    for output in captured.outputs:
        if "image/png" in output.data:
            meta = output.metadata.get("image/png", {}) if output.metadata else {}
            alt, width = html.escape(meta.get("alt", "")), meta.get("width", "")
            data = output.data["image/png"]
            parts.append(f'<img src="data:image/png;base64,{data}" alt="{alt}" width="{width}">')
        plain.append(output.data.get("text/plain", ""))
    if parts:
        body = "\n".join(parts)
        page = f"<details><summary>{html.escape(summary)}</summary>\n{body}\n</details>"
        display({"text/html": page, "text/plain": "\n".join(plain)}, raw=True)
