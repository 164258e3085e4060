"""No check crashes, whatever it is given: a verdict for every odd answer, and no random state moved.

Each of the course's checks gets, for every answer, a tensor on the ``meta`` device, None, a
string, NaN, a function that raises, and a class whose constructor raises.
"""

import random

import numpy as np
import pytest
import torch

from course_utils.checks import core
from course_utils.tools import grade

CHECKS = {
    exercise: check
    for lesson in grade.course_lessons().values()
    for exercise, check in lesson.exercises.items()
}
CONTEXT = {"t": torch.rand(2, 3, 4), "y_train": np.array([0, 0, 1]), "y_test": np.array([0, 1])}


def raises(*args):
    raise ValueError("a learner's bug")


class Unbuildable:
    def __init__(self, *args):
        raise RuntimeError("cannot build")


ODD = {
    "meta tensor": torch.empty(3, 2, device="meta"),
    "None": None,
    "string": "(3, 4)",
    "NaN": float("nan"),
    "raising function": raises,
    "raising class": Unbuildable,
    "function returning a meta tensor": lambda *args: torch.empty(4, 3, device="meta"),
}


@pytest.mark.parametrize("kind", list(ODD))
@pytest.mark.parametrize("exercise", list(CHECKS))
def test_any_answer_gets_a_verdict_and_leaves_the_random_state(exercise, kind, capsys):
    check = CHECKS[exercise]
    names = [name for name in core.inspect.signature(check.judge).parameters]
    arguments = [CONTEXT[name] if name in check.context else ODD[kind] for name in names]
    states = torch.random.get_rng_state(), random.getstate(), np.random.get_state()[1].copy()
    result = check(*arguments)
    assert isinstance(result, core.Result) and result.status in (core.WRONG, core.RAISED, core.NOT_ATTEMPTED)
    assert result.points == 0 and "Traceback" not in capsys.readouterr().out
    assert torch.equal(torch.random.get_rng_state(), states[0]) and random.getstate() == states[1]
    assert np.array_equal(np.random.get_state()[1], states[2])
