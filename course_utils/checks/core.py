"""The machinery behind every exercise check: one result object, one decorator.

A check is an ordinary function decorated with :func:`check`. It receives the learner's answer
(a value, a function or a class), calls the learner's code through :func:`run`, and either
returns (the answer is right) or raises :class:`Wrong` with what is wrong and a hint. The
decorator does everything else, once for all checks:

* an answer that is still the stub (``...``, or a function that raises ``NotImplementedError``)
  is ``not attempted``;
* an exception in the learner's code is ``raised``, reported with the line of the learner's
  code where it happened;
* a learner's function that returns ``None`` is asked whether it forgot ``return``;
* torch's (CPU and CUDA), Python's and NumPy's global random states are left as they were;
* an answer the check cannot make sense of (a ``meta`` tensor, a string) gets a verdict, not a
  traceback;
* the verdict is printed in one short block, and a :class:`Result` is returned.

The check itself is the *judge*: it sees the learner's answers only as plain data, and reaches
the learner's functions and objects only through :func:`run` and :func:`observe`. In a
learner's session both halves run in the kernel; ``python -m course_utils.tools.grade`` runs the judge
in its own process and the learner's code in a sandbox, so nothing the notebook does can change
a grade.

Hints can come in stages: ``Wrong(message, "a nudge", "the full hint")`` shows the nudge on the
first wrong try and the full hint from the second on.
"""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import functools
import inspect
import linecache
import math
import random
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from course_utils.checks import wire
from course_utils.checks.wire import Handle


class Status(str, enum.Enum):
    """What became of one exercise: a check's four verdicts, then the grader's reasons for zero."""

    CORRECT = "correct"
    WRONG = "wrong"
    RAISED = "raised"
    NOT_ATTEMPTED = "not attempted"
    NOT_RUN = "not run"  # its check cell never ran
    MISSING = "missing"  # no such notebook in the submission
    INVALID = "invalid"  # not a readable notebook
    TIMED_OUT = "timed out"
    CRASHED = "crashed"  # the kernel died

    def __str__(self) -> str:
        return self.value


NOT_ATTEMPTED, RAISED, WRONG, CORRECT = Status.NOT_ATTEMPTED, Status.RAISED, Status.WRONG, Status.CORRECT
#: Every check defined so far, by exercise id ("04.skip_block").
REGISTRY: dict[str, Callable[..., Result]] = {}
_SYMBOLS = {NOT_ATTEMPTED: "⏳", RAISED: "❌", WRONG: "❌", CORRECT: "✅"}
_PACKAGE = str(Path(__file__).resolve().parent.parent)
_wrong_tries: dict[str, int] = {}


def reset_hints() -> None:
    """Start every exercise's staged hints again from the first one (as in a fresh kernel)."""
    _wrong_tries.clear()


@dataclasses.dataclass(frozen=True)
class Result:
    """What a check found: true when the answer is right.

    The verdict is printed when the check runs, so in a notebook the result itself shows nothing
    more (several checks can share a cell); elsewhere its repr names the exercise and status.

    Example:
        >>> result = Result("01.demo", "demo", WRONG, 0, 2, "the shape is (3,)")
        >>> bool(result), result
        (False, Result('01.demo': wrong, 0/2))
    """

    exercise: str
    title: str
    status: Status
    points: int
    max_points: int
    feedback: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __repr__(self) -> str:
        return f"Result({self.exercise!r}: {self.status}, {self.points}/{self.max_points})"

    def _ipython_display_(self) -> None:
        pass

    def verdict(self) -> str:
        """The block a learner sees, e.g. ``❌ demo: not yet right`` and the feedback below it.

        Example:
            >>> print(Result("01.demo", "demo", WRONG, 0, 1, "off by one\\nhint: count from 0").verdict())
            ❌ demo: not yet right
               off by one
               hint: count from 0
        """
        heading = {
            NOT_ATTEMPTED: "not attempted yet (fill in the exercise cell, run it, then run this check)",
            RAISED: "your code raised an error",
            WRONG: "not yet right",
            CORRECT: "correct",
        }[self.status]
        lines = [f"{_SYMBOLS[self.status]} {self.title}: {heading}"]
        lines += [f"   {line}" for line in self.feedback.splitlines()]
        return "\n".join(lines)


class Wrong(Exception):
    """Raised by a check for a wrong answer: what is wrong, then hints in stages.

    ``hints[0]`` is shown on the first wrong try, ``hints[1]`` on the second, and so on; the
    last one stays.
    """

    def __init__(self, message: str, *hints: str) -> None:
        super().__init__(message)
        self.message = message
        self.hints = hints


class NotAttempted(Exception):
    """Raised by a check when the answer is still the exercise's stub (or only partly filled in)."""


class LearnerError(Exception):
    """Raised by :func:`run` when the learner's code raised: the message names the line."""


def is_stub(answer: Any) -> bool:
    """Whether ``answer`` is an untouched stub, ``...``; ``None`` is an answer (often a forgotten return).

    Example:
        >>> is_stub(...), is_stub(None), is_stub(0)
        (True, False, False)
    """
    return answer is ...


def _library_paths() -> tuple[str, ...]:
    """Where the package, torch and the standard library live: frames there are not the learner's."""
    return (_PACKAGE, str(Path(torch.__file__).parent.parent), str(Path(inspect.__file__).parent))


def _learner_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the traceback that is the learner's code, not a library's."""
    frames = traceback.extract_tb(error.__traceback__)
    theirs = [frame for frame in frames if not frame.filename.startswith(_library_paths())]
    return theirs[-1] if theirs else None


def describe_error(error: BaseException, name: str) -> str:
    """``name`` raised ``error``: the type, the message and the learner's line, in two lines.

    Example:
        >>> def f(x):
        ...     return x / 0
        >>> try:
        ...     f(1)
        ... except ZeroDivisionError as error:
        ...     print(describe_error(error, "f(1)"))
        f(1) raised ZeroDivisionError: division by zero
        at line 2 of your code (in f): return x / 0
    """
    text = f"{name} raised {type(error).__name__}: {error}".strip()
    frame = _learner_frame(error)
    if frame is not None and frame.lineno:
        line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        where = "" if frame.name == "<module>" else f" (in {frame.name})"
        text += f"\nat line {frame.lineno} of your code{where}: {line}"
    return text


class Door(Protocol):
    """The only way a check reaches a learner's objects: in the learner's kernel, or across a sandbox.

    ``call`` runs a kept object on plain-data arguments; ``observe``
    runs a :func:`probe` of the course on them. Both answer with an outcome, plain data that
    :func:`run` and :func:`observe` read: ``{"kind": "value", "v": ...}``, ``{"kind": "raised",
    "text": ...}`` or ``{"kind": "not implemented"}``.
    """

    seed: int

    def call(self, target: Handle, args: list[Any], name: str) -> Any: ...

    def observe(self, probe: str, args: list[Any], name: str) -> Any: ...


class LocalDoor:
    """The door inside a learner's own kernel: the same plain data, without a sandbox in between."""

    seed = 0  # the inputs a learner's session always sees; a grading run draws its own

    def __init__(self) -> None:
        from course_utils.checks.probe import Server

        self.server = Server()

    def _exchange(self, request: dict[str, Any]) -> Any:
        return wire.loads(self.server.handle(wire.dumps(request)))

    def call(self, target: Handle, args: list[Any], name: str) -> Any:
        return self._exchange(call_request(target, args, name))

    def observe(self, probe: str, args: list[Any], name: str) -> Any:
        return self._exchange(observe_request(probe, args, name))


def call_request(target: Handle, args: list[Any], name: str) -> dict:
    """The plain data of a request to call ``target`` on ``args``."""
    return {"op": "call", "target": target.id, "args": wire.encode(args), "name": name}


def observe_request(probe: str, args: list[Any], name: str) -> dict:
    """The plain data of a request to run the probe named ``probe`` on ``args``."""
    return {"op": "observe", "probe": probe, "args": wire.encode(args), "name": name}


_door: contextvars.ContextVar[Door] = contextvars.ContextVar("door")
#: Probes by name ("module:function"): the functions a check may run on a learner's objects.
PROBES: dict[str, Callable[..., Any]] = {}


def probe(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``function`` as a probe: it runs where the learner's objects live and returns plain data.

    A probe is the course's own code; in a grading run it runs inside the sandbox, so the judge
    takes what it returns as data to be judged, never as a verdict.
    """
    PROBES[f"{function.__module__}:{function.__qualname__}"] = function
    return function


def door() -> Door:
    """The door of the check that is running now."""
    try:
        return _door.get()
    except LookupError:
        raise RuntimeError("core.door: no check is running") from None


def generator(offset: int = 0) -> torch.Generator:
    """A generator for a check's inputs: the same in every learner's session, drawn afresh when grading.

    Example:
        >>> with using(LocalDoor()):
        ...     torch.equal(torch.rand(2, generator=generator(1)), torch.rand(2, generator=torch.Generator().manual_seed(1)))
        True
    """  # noqa: E501 (an example)
    return torch.Generator().manual_seed(door().seed * 1000 + offset)


def fresh(default: int, low: int, high: int, offset: int = 0) -> int:
    """``default`` in a learner's session; a whole number in [low, high] drawn for this grading run."""
    seed = door().seed
    if seed == 0:
        return default
    return int(torch.randint(low, high + 1, (1,), generator=torch.Generator().manual_seed(seed * 7 + offset)))


@contextmanager
def using(chosen: Door) -> Iterator[Door]:
    """Run the block with ``chosen`` as the door of the checks."""
    token = _door.set(chosen)
    try:
        yield chosen
    finally:
        _door.reset(token)


def _outcome(outcome: Any, name: str, may_return_none: bool) -> Any:
    """The value of an outcome; raises as :func:`run` documents."""
    if not isinstance(outcome, dict):
        raise LearnerError(f"{name}(...) gave nothing back that could be read")
    kind = outcome.get("kind")
    if kind == "not implemented":
        raise NotAttempted
    if kind == "raised":
        raise LearnerError(str(outcome.get("text", f"{name}(...) raised an error"))[:2000])
    if kind == "not callable":
        raise Wrong(f"{name} should be a function or class, but it is a {str(outcome.get('type'))[:60]}")
    if kind != "value":
        raise LearnerError(f"{name}(...) gave nothing back that could be read")
    result = wire.decode(outcome.get("v"))
    if result is None and not may_return_none:
        raise Wrong(
            f"{name}(...) returned None: did you forget `return`?",
            "a function without a `return` statement returns None",
        )
    return result


def run(function: Any, *args: Any, name: str, may_return_none: bool = False) -> Any:
    """Call the learner's ``function(*args)`` and return what it returns.

    ``function`` is the learner's answer as a check receives it: a :class:`Handle` for a function,
    a class or any object that stays where the learner's code runs. The arguments and the result
    cross as plain data (a result that is not plain data comes back as a :class:`Handle`).

    Raises :class:`NotAttempted` for a stub (``...``, or ``NotImplementedError``),
    :class:`LearnerError` when the learner's code raises, and :class:`Wrong` when it is not
    callable or returns ``None`` (unless ``may_return_none``).

    Example:
        >>> with using(LocalDoor()) as local:
        ...     add_one = wire.decode(wire.encode(lambda x: x + 1, local.server.keep))
        ...     run(add_one, 1, name="f")
        2
    """
    callable_answer(function, name)
    return _outcome(door().call(function, list(args), name), name, may_return_none)


def callable_answer(function: Any, name: str) -> Handle:
    """``function`` when it is a learner's function or class; NotAttempted for a stub, Wrong otherwise."""
    if is_stub(function):
        raise NotAttempted
    if not (isinstance(function, Handle) and function.callable):
        kind = function.type_name if isinstance(function, Handle) else type(function).__name__
        raise Wrong(f"{name} should be a function or class, but it is a {kind}")
    return function


def observe(function: Callable[..., Any], *args: Any, name: str) -> Any:
    """Run the probe ``function`` on ``args`` where the learner's objects live; return its plain data.

    A probe that fails because of the learner's object (its forward raises, say) raises
    :class:`LearnerError`, with the learner's line.
    """
    key = f"{function.__module__}:{function.__qualname__}"
    if PROBES.get(key) is not function:
        raise ValueError(f"observe: {key} is not a probe (decorate it with @probe)")
    return _outcome(door().observe(key, list(args), name), name, may_return_none=True)


def on_device_of(model: Any, value: Any) -> Any:
    """``value`` (a tensor, or a list or tuple of them) moved to ``model``'s device, if it is a module.

    A learner's model may live on the GPU (``.to(device)``, as lesson 01 teaches); the inputs a
    check gives it are made on the CPU.

    Example:
        >>> on_device_of(torch.nn.Linear(2, 1), [torch.zeros(2)])[0].device.type
        'cpu'
    """
    parameter = next(model.parameters(), None) if isinstance(model, torch.nn.Module) else None
    if parameter is None or parameter.device.type in ("cpu", "meta"):
        return value
    if isinstance(value, torch.Tensor):
        return value.to(parameter.device)
    if isinstance(value, (list, tuple)):
        return type(value)(on_device_of(model, item) for item in value)
    return value


@contextmanager
def own_random_state() -> Iterator[None]:
    """Run the block on copies of torch's (CPU and CUDA), Python's and NumPy's global random states.

    Example:
        >>> before = torch.random.get_rng_state()
        >>> with own_random_state():
        ...     _ = torch.rand(3)
        >>> torch.equal(torch.random.get_rng_state(), before)
        True
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=cuda):
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def _describe_answer(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        where = " on the meta device (a shape without values)" if value.is_meta else ""
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}{where}"
    if isinstance(value, Handle):
        return f"a {value.type_name}"
    return f"a {type(value).__name__}"


def judge(
    function: Callable[..., Any],
    arguments: list[Any],
    chosen: Door,
    *,
    exercise: str,
    title: str,
    points: int,
    context: tuple[str, ...] = (),
    tries: int = 1,
) -> Result:
    """The verdict of the check ``function`` on ``arguments`` (plain data and handles), through ``chosen``.

    The judge half of every check. In a learner's session it runs in the kernel, behind
    :class:`LocalDoor`; when grading, it runs in the grader, and ``chosen`` leads into a sandbox.
    A check that cannot make sense of an answer returns a verdict; it never raises.
    """
    names = list(inspect.signature(function).parameters)
    answers = [value for key, value in zip(names, arguments, strict=False) if key not in context]
    status, feedback = CORRECT, ""
    try:
        if len(arguments) != len(names):
            raise Wrong(
                f"the check takes {len(names)} answer(s), {', '.join(names)}; it was given {len(arguments)}"
            )
        stubs = [is_stub(answer) for answer in answers]
        if all(stubs):
            raise NotAttempted
        if any(stubs):
            raise Wrong(
                f"{sum(stubs)} of your {len(answers)} answers are still `...`",
                "fill in every answer of the exercise, then run the check again",
            )
        with using(chosen):
            function(*arguments)
    except NotAttempted:
        status = NOT_ATTEMPTED
    except LearnerError as error:
        status, feedback = RAISED, str(error)
    except Wrong as wrong:
        status, feedback = WRONG, wrong.message
        if wrong.hints:
            feedback += f"\nhint: {wrong.hints[min(tries, len(wrong.hints)) - 1]}"
    except Exception as error:  # an answer the check could not make sense of is still a verdict
        described = "; ".join(_describe_answer(answer) for answer in answers)
        status = WRONG
        feedback = (
            f"this answer could not be judged ({type(error).__name__} while reading it); "
            f"your answer is {described}: give it the type and device the exercise asks for"
        )
    return Result(exercise, title, status, points if status == CORRECT else 0, points, feedback)


def check(
    exercise: str,
    title: str,
    *,
    points: int = 1,
    context: tuple[str, ...] = (),
    course_context: Callable[[], dict[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Result]]:
    """Turn ``function`` into the check of ``exercise`` ("NN.name"), worth ``points``.

    ``function`` takes the learner's answers (and, under the parameter names in ``context``, values
    of the lesson that the answers are checked against); it returns when they are right and raises
    :class:`Wrong` (or :class:`NotAttempted`) when not. When every answer is still the stub ``...``
    the exercise is ``not attempted``; when only some are, it is ``wrong``, and ``function`` does
    not run. When grading, ``course_context()`` gives the lesson's own values of the ``context``
    parameters, in place of the learner's. The answers reach ``function`` as plain data
    (:mod:`course_utils.checks.wire`): functions, classes and other objects as handles, which only
    :func:`run` and :func:`observe` can use. So the same check judges a learner's own session
    and, from outside the sandbox, a graded submission.

    Example:
        >>> @check("00.double", "double", points=2)
        ... def double(function):
        ...     if run(function, 2, name="double") != 4:
        ...         raise Wrong("double(2) should be 4", "multiply, don't add")
        >>> double(lambda x: x * 2)
        ✅ double: correct
        Result('00.double': correct, 2/2)
        >>> double(...)
        ⏳ double: not attempted yet (fill in the exercise cell, run it, then run this check)
        Result('00.double': not attempted, 0/2)
        >>> double(lambda x: x + 3)
        ❌ double: not yet right
           double(2) should be 4
           hint: multiply, don't add
        Result('00.double': wrong, 0/2)
        >>> _ = REGISTRY.pop("00.double")
    """
    if not (len(exercise) > 3 and exercise[:2].isdigit() and exercise[2] == "."):
        raise ValueError(f"check: an exercise id looks like '04.skip_block', not {exercise!r}")
    if not (isinstance(points, int) and points >= 1):
        raise ValueError(f"check: points must be a whole number of at least 1, not {points!r}")

    def decorate(function: Callable[..., Any]) -> Callable[..., Result]:
        earlier = REGISTRY.get(exercise)
        if earlier is not None and (earlier.__module__, earlier.__qualname__) != (
            function.__module__,
            function.__qualname__,
        ):
            raise ValueError(f"check: the exercise id {exercise!r} is taken by {earlier.__module__}")

        parameters = inspect.signature(function).parameters
        unknown = set(context) - set(parameters)
        if unknown:
            raise ValueError(
                f"check: context names {sorted(unknown)}, which are not parameters of {function.__name__}"
            )

        @functools.wraps(function)
        def checked(*arguments: Any) -> Result:
            local = LocalDoor()
            with own_random_state():
                try:
                    data = wire.decode(
                        wire.loads(wire.dumps(wire.encode(list(arguments), local.server.keep)))
                    )
                except wire.WireError as error:
                    data = None
                    result = Result(
                        exercise, title, WRONG, 0, points, f"this answer could not be read: {error}"
                    )
                if data is not None:
                    result = judge(
                        function,
                        data,
                        local,
                        exercise=exercise,
                        title=title,
                        points=points,
                        context=context,
                        tries=_wrong_tries.get(exercise, 0) + 1,
                    )
            if result.status == WRONG:
                _wrong_tries[exercise] = _wrong_tries.get(exercise, 0) + 1
            print(result.verdict())
            return result

        checked.exercise, checked.title, checked.points = exercise, title, points  # type: ignore[attr-defined]
        checked.judge = function  # type: ignore[attr-defined]
        checked.context = context  # type: ignore[attr-defined]
        checked.course_context = course_context  # type: ignore[attr-defined]
        REGISTRY[exercise] = checked
        return checked

    return decorate


def how_many_wrong(count: int, total: int, nouns: str = "answers") -> str:
    """How many of a question's answers are wrong, never which: ``"1 of your 3 answers is wrong"``.

    A prediction question names no item, so that flipping exactly the named ones cannot earn
    the point.

    Example:
        >>> how_many_wrong(1, 3), how_many_wrong(2, 5, "predictions")
        ('1 of your 3 answers is wrong', '2 of your 5 predictions are wrong')
    """
    return f"{count} of your {total} {nouns} {'is' if count == 1 else 'are'} wrong"


def whole(value: Any, *, floats: bool = True) -> int | None:
    """``value`` as an int, or None if it is not a whole number.

    Python, NumPy and torch integers count (an array or tensor with one entry too), and, with
    ``floats``, floats that are whole; booleans (``True``, ``np.True_``) and strings do not.

    Example:
        >>> whole(np.int64(3)), whole(torch.tensor(3)), whole(3.0), whole(3.5), whole(True)
        (3, 3, 3, None, None)
        >>> whole(3.0, floats=False), whole("3")
        (None, None)
    """
    if isinstance(value, (np.ndarray, torch.Tensor, np.generic)):
        if value.size != 1 if isinstance(value, (np.ndarray, np.generic)) else value.numel() != 1:
            return None
        value = value.item()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if floats and isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def compare(name: str, got: Any, expected: Any, *hints: str, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Raise :class:`Wrong` unless ``got`` is numerically close to ``expected``, shape included.

    The message shows the learner's value, how many entries are off and the order of magnitude of
    the largest difference, never the expected value (nor the exact difference, which added to the
    learner's value would give it); ``hints`` are shown in stages, as :class:`Wrong`'s.

    Example:
        >>> compare("gradient", torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
        >>> compare("gradient", torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]), "chain rule")
        Traceback (most recent call last):
        ...
        course_utils.checks.core.Wrong: gradient: tensor([1.0000, 2.5000]); 1 of 2 entries are off, the largest difference from the right values is about 1e+00
    """  # noqa: E501 (a message)
    want = torch.as_tensor(expected).detach().cpu()
    if isinstance(got, torch.Tensor) and got.is_meta:
        raise Wrong(
            f"{name} is a tensor on the meta device: it has a shape, {tuple(got.shape)}, but no values",
            "make it on the CPU (or on your device): the meta device is for shapes only",
        )
    try:
        value = (got if isinstance(got, torch.Tensor) else torch.as_tensor(got)).detach().cpu()
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"{name} should be a number or tensor, but it is {got!r}", *hints) from None
    if value.is_complex() or value.dtype == torch.bool:
        raise Wrong(f"{name} should hold real numbers, but its dtype is {value.dtype}")
    if value.shape != want.shape:
        raise Wrong(
            f"{name} has shape {tuple(value.shape)}; it should have shape {tuple(want.shape)}",
            *hints,
        )
    value, want = value.double(), want.double()
    close = torch.isclose(value, want, atol=atol, rtol=rtol)
    if not close.all():
        # Only the order of magnitude of the difference: the learner's value plus the exact
        # difference would be the answer, for a single number or a tensor with one entry off.
        largest = (value - want).abs().nan_to_num(nan=float("inf")).max().item()
        size = f"1e{round(math.log10(largest)):+03d}" if math.isfinite(largest) else "inf"
        if value.numel() == 1:
            raise Wrong(f"{name}: {value.item():.6g} is off by about {size}", *hints)
        off = int((~close).sum())
        raise Wrong(
            f"{name}: {value.float()}; {off} of {value.numel()} entries are off, "
            f"the largest difference from the right values is about {size}",
            *hints,
        )
