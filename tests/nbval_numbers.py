"""nbval with numbers compared as numbers: a pytest plugin (loaded by ``-p nbval_numbers``).

nbval compares a re-executed cell's output with the stored one character by character. That
holds only on the machine that stored them: the last printed digit of a trained loss moves with
the CPU's kernels, the thread count, or a GPU. This plugin keeps nbval's comparison but first
reconciles each text output (streams, ``text/plain``, ``text/html``, ``text/markdown``) that
differs only in its numbers:

- the text between the numbers must be the same, apart from spaces (table alignment);
- an integer (``1484``, a shape, a count, also when printed as ``1484.``) must be the same;
- a decimal number (``0.8517``, ``2.50e-04``) may move by one unit of its last stored digit,
  unless it has a single significant digit (``0.2``, ``1e-3``, ``0.09``): such a number is a
  setting or a label, not a measurement, and must be the same.

A cell may widen that in its metadata, to twice the largest move ``tests/portability.py``
measures (the margin is for the machines it cannot emulate)::

    "tolerance": {"units": 8, "integers": 2, "reason": "trained 1,000 epochs: ..."}

``units``: how many units of its last stored digit a decimal may move; ``integers``: how far an
integer may move (default 0); ``reason``: why, which is required.

A widget's cell (one of its stored outputs is a widget view) is compared on the kinds of output it
stored (a progress bar's cell keeps its printed text): in a browser,
and in the run that stored the outputs, an ``Output`` widget captures what the widget's function
prints and draws, but nbval's kernel client has no widget manager, so those arrive as outputs of
the cell. They are what the function prints for the slider's first value, which the notebook's
static call before the widget shows and nbval compares.

With the environment variable ``NBVAL_NUMBERS_REPORT`` set to a file, every cell whose output
was not identical is logged there as one JSON line (used by ``tests/portability.py``).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass

from nbval.plugin import IPyNbCell

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
SPACES = re.compile(r" +")
TEXT_KEYS = ("text/plain", "text/html", "text/markdown")
WIDGET = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class Tolerance:
    """How far the numbers of one cell's output may move."""

    units: float = 1
    integers: int = 0

    @classmethod
    def of(cls, cell) -> Tolerance:
        """The cell's tolerance: its ``tolerance`` metadata, else the default."""
        given = dict(cell.metadata.get("tolerance", {}))
        if not given:
            return cls()
        where = f"in the tolerance of {cell.source[:80]!r}"
        if not str(given.pop("reason", "")).strip():
            raise ValueError(f"a reason is required {where}")
        unknown = set(given) - {"units", "integers"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)} {where}")
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in given.values()):
            raise ValueError(f"units and integers must be whole numbers {where}, got {given}")
        if given.get("units", 1) < 1 or given.get("integers", 0) < 0:
            raise ValueError(f"units must be at least 1 and integers at least 0 {where}, got {given}")
        return cls(**given)


def unit(token: str) -> float | None:
    """One unit of the last printed digit of a decimal number; None for an integer.

    >>> unit("0.8517"), unit("2697.3"), unit("2.50e-04"), unit("1484"), unit("31.")
    (0.0001, 0.1, 1e-06, None, None)
    """
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if not decimals and not exponent:
        return None
    return float(f"1e{int(exponent or 0) - decimals}")


def is_setting(token: str) -> bool:
    """Whether a decimal has a single significant digit, as a setting does (``0.2``, ``1e-3``).

    >>> is_setting("0.2"), is_setting("1e-3"), is_setting("0.09"), is_setting("0.10"), is_setting("0.0000")
    (True, True, True, False, False)
    """
    digits = token.lower().partition("e")[0].lstrip("+-").replace(".", "").lstrip("0")
    return len(digits) == 1


def moved(stored: str, new: str) -> tuple[float, float] | None:
    """How far the numbers of ``new`` are from those of ``stored``.

    Returns (the largest move of a decimal number, in units of its last stored digit; the
    largest move of an integer), or None when the texts differ in more than their numbers
    (other words, a different count of numbers, an integer where a decimal was, a changed
    setting).

    >>> moved("loss 0.8517 after 5 epochs", "loss 0.8520 after 6 epochs")
    (3.0, 1)
    >>> print(moved("identical: True", "identical: False"), moved("lr 1e-3", "lr 2e-3"))
    None None
    """
    old_numbers, new_numbers = NUMBER.findall(stored), NUMBER.findall(new)
    skeleton = [SPACES.sub("", part) for part in NUMBER.split(stored)]
    if skeleton != [SPACES.sub("", part) for part in NUMBER.split(new)]:
        return None
    decimals, integers = 0.0, 0
    for old, fresh in zip(old_numbers, new_numbers, strict=True):
        old_unit, new_unit = unit(old), unit(fresh)
        if old_unit is None and new_unit is None:
            integers = max(integers, abs(int(old.rstrip(".")) - int(fresh.rstrip("."))))
        elif old_unit is None or new_unit is None or (is_setting(old) and float(old) != float(fresh)):
            return None
        else:
            decimals = max(decimals, round(abs(float(old) - float(fresh)) / old_unit, 6))
    return decimals, integers


def deviation(stored: str, new: str, tolerance: Tolerance) -> float | None:
    """How far ``new`` is from ``stored``, as a fraction of what the tolerance allows.

    0 means the same text, at most 1 means within the tolerance; None means the texts differ
    in more than their numbers.

    >>> deviation("loss 0.8517 after 5 epochs", "loss 0.8518 after 5 epochs", Tolerance())
    1.0
    >>> deviation("loss 0.8517", "loss 0.8520", Tolerance(units=2))
    1.5
    >>> deviation("after 5 epochs", "after 6 epochs", Tolerance())
    inf
    """
    if stored == new:
        return 0.0
    distance = moved(stored, new)
    if distance is None:
        return None
    decimals, integers = distance
    return max(
        decimals / tolerance.units,
        integers / tolerance.integers if tolerance.integers else math.inf if integers else 0.0,
    )


def _texts(outputs) -> dict[tuple[str, str], list[dict]]:
    """The outputs' texts to compare, by kind (a stream's name or a MIME type), in order.

    nbval compares outputs grouped the same way, so the order between kinds does not matter.
    """
    texts: dict[tuple[str, str], list[dict]] = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            texts.setdefault(("stream", output.get("name", "")), []).append({"box": output, "key": "text"})
        for key in TEXT_KEYS:
            if key in output.get("data", {}):
                texts.setdefault(("data", key), []).append({"box": output["data"], "key": key})
    return texts


def _kind(output) -> tuple:
    """A stream's name, or the output type and MIME types of anything else."""
    if output.get("output_type") == "stream":
        return ("stream", output.get("name"))
    return (output.get("output_type"), frozenset(output.get("data", {})))


def _log(cell: IPyNbCell, distance: tuple[float, float] | None, tolerance: Tolerance) -> None:
    path = os.environ.get("NBVAL_NUMBERS_REPORT")
    if path:
        row = {
            "notebook": cell.fspath.basename,
            "cell": cell.cell_num,
            "source": cell.cell.source,
            "moved": distance,
            "units": tolerance.units,
            "integers": tolerance.integers,
        }
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(row) + "\n")


_compare_outputs = IPyNbCell.compare_outputs


def compare_outputs(self, test, ref, skip_compare=None):
    """nbval's comparison, after replacing each new text that agrees in its numbers by the stored one."""
    tolerance = Tolerance.of(self.cell)
    if any(WIDGET in output.get("data", {}) for output in ref):  # what its Output widget captures
        test = [output for output in test if _kind(output) in {_kind(stored) for stored in ref}]
    stored_texts = _texts(ref)
    changed, worst = False, (0.0, 0.0)
    for kind, new_texts in _texts(test).items():
        for new, stored in zip(new_texts, stored_texts.get(kind, []), strict=False):  # counts: nbval
            old_text = self.sanitize(stored["box"][stored["key"]])
            new_text = self.sanitize(new["box"][new["key"]])
            if old_text == new_text:
                continue
            changed, distance = True, moved(old_text, new_text)
            worst = (
                None
                if distance is None or worst is None
                else (max(worst[0], distance[0]), max(worst[1], distance[1]))
            )
            fraction = deviation(old_text, new_text, tolerance)
            if fraction is not None and fraction <= 1:
                new["box"][new["key"]] = stored["box"][stored["key"]]
    if changed:
        _log(self, worst, tolerance)
    return _compare_outputs(self, test, ref, skip_compare)


IPyNbCell.compare_outputs = compare_outputs


def pytest_configure(config):
    """Under pytest-xdist, give each worker's kernels an equal share of the cores.

    Two notebooks that each start one thread per core on the same cores slow each other down
    several times over. The thread count changes no result beyond the tolerances (see
    ``tests/portability.py``), so the share is free to choose.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        os.environ["OMP_NUM_THREADS"] = str(max(1, cores // workers))
