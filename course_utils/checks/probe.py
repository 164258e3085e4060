"""The kernel's half of every check: keep the learner's answers, run their code, send back plain data.

Nothing here decides a grade. In a learner's own session :class:`Server` sits behind the check's
:class:`~course_utils.checks.core.LocalDoor`. In a grading run the grader replaces each check cell
with a call to :func:`capture`, which writes the answers as plain data into ``answers/`` (a
function or object is kept in the kernel under a number), and later sends requests that
:func:`serve` answers: call answer 3 with these tensors, run this probe on object 5. The grader
reads every reply as untrusted data.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from course_utils.checks import core, wire

#: Where :func:`capture` writes the answers of each exercise, relative to the kernel's folder.
ANSWERS = Path("answers")


def _not_implemented_stub(error: NotImplementedError) -> bool:
    """Whether ``error`` is the exercise's stub (``raise NotImplementedError`` in the learner's code)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return False
    last = frames[-1]
    if last.filename.startswith(core._library_paths()):
        return False  # torch's own NotImplementedError: an operation it lacks, not a stub
    return "NotImplementedError" in last.line if last.line else not error.args


class Server:
    """The learner's objects, by number, and the requests that use them."""

    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}

    def keep(self, value: Any) -> int:
        """Keep ``value`` here; return its number."""
        self.objects[len(self.objects) + 1] = value
        return len(self.objects)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, wire.Handle):
            return self.objects.get(value.id)
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self._resolve(item) for item in value)
        return value

    def _result(self, function: Callable[..., Any], args: list[Any], name: str) -> dict:
        with core.own_random_state():
            try:
                value = function(*args)
            except NotImplementedError as error:
                if _not_implemented_stub(error):
                    return {"kind": "not implemented"}
                return {"kind": "raised", "text": core.describe_error(error, f"{name}(...)")}
            except Exception as error:  # the learner's bug becomes a message
                return {"kind": "raised", "text": core.describe_error(error, f"{name}(...)")}
        try:
            return {"kind": "value", "v": wire.encode(value, self.keep)}
        except Exception as error:  # a value too large or too deeply nested
            return {"kind": "raised", "text": f"{name}(...) returned a value that cannot be read: {error}"}

    def handle(self, request: bytes) -> bytes:
        """Answer one request (bytes of :mod:`~course_utils.checks.wire`) with an outcome."""
        try:
            data = wire.loads(request)
            args = self._resolve(wire.decode(data["args"]))
            name = str(data.get("name", "your code"))[:80]
            if data["op"] == "call":
                target = self.objects.get(data["target"])
                if not callable(target):
                    return wire.dumps({"kind": "not callable", "type": type(target).__name__})
                outcome = self._result(target, core.on_device_of(target, args), name)
            else:
                outcome = self._result(_find_probe(data["probe"]), args, name)
        except Exception as error:  # a malformed request: the judge reads it as a failure
            outcome = {"kind": "raised", "text": f"the request failed: {type(error).__name__}: {error}"}
        return wire.dumps(outcome)


def _find_probe(name: str) -> Callable[..., Any]:
    module = name.split(":")[0]
    if module.startswith("course_utils.checks.") and name not in core.PROBES:
        importlib.import_module(module)
    return core.PROBES[name]


_server = Server()


def capture(exercise: str, *thunks: Callable[[], Any]) -> None:
    """Write the answers of ``exercise`` (each thunk gives one) into ``answers/EXERCISE.pt``.

    The grader puts this in place of each check cell. An answer whose name is not defined is
    recorded as the error it raised.
    """
    values: list[Any] = []
    for thunk in thunks:
        try:
            values.append({"kind": "value", "v": wire.encode(thunk(), _server.keep)})
        except Exception as error:  # NameError for an answer never defined
            values.append({"kind": "raised", "text": core.describe_error(error, "the answer")})
    ANSWERS.mkdir(exist_ok=True)
    path = ANSWERS / f"{exercise}.pt"
    path.write_bytes(wire.dumps(values))


def serve(request: str, response: str) -> None:
    """Answer the request in the file ``request``; write the outcome to the file ``response``."""
    Path(response).write_bytes(_server.handle(Path(request).read_bytes()))
