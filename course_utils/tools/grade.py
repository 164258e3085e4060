"""Grade a class's submitted notebooks: each run in a sandbox, each answer judged outside it.

Usage (from the repository root)::

    python -m course_utils.tools.grade SUBMISSIONS --out grades.csv
    python -m course_utils.tools.grade SUBMISSIONS --out grades.csv --jobs 8 --feedback feedback/
    python -m course_utils.tools.grade SUBMISSIONS --out grades.csv --hidden hidden_checks/ --lessons 01 02
    python -m course_utils.tools.grade SUBMISSIONS --out grades.csv --dask tcp://scheduler:8786
    python -m course_utils.tools.grade --benchmark 2          # time grading a solved class of two

``SUBMISSIONS`` holds one folder per student, each with any of that student's notebooks under
the course's names (``SUBMISSIONS/ada/01_tensors.ipynb``). For each notebook:

1. the course's check cells are put back as the course wrote them (found by their metadata, or
   as a cell made only of check calls), each turned into a *capture* that records the answers as
   plain data;
2. the notebook runs in a sandbox (:mod:`course_utils.tools.sandbox`) holding only that notebook,
   with a time limit; a cell that raises does not stop it;
3. each check runs here, in the grader, as the judge: it reads the captured answers and calls the
   learner's functions in the sandbox on inputs drawn for this run, and reads back plain data.

So nothing the notebook does (patching the package, writing files, leaving processes behind)
can change its grade. The CSV has one row per student and exercise (``student, notebook,
exercise, status, points, max_points, feedback``) and one ``total`` row per student.

Hidden checks: ``--hidden DIR`` names a folder of ``.py`` files whose functions are decorated
with :func:`course_utils.checks.core.check`. They run here only, never in the sandbox; each of
their parameters receives the learner's variable of that name at the end of the notebook.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import queue
import secrets
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell
from tqdm.auto import tqdm

from course_utils import checks
from course_utils.checks import core, wire
from course_utils.checks.core import Status
from course_utils.tools import exercises as layout
from course_utils.tools import sandbox

COLUMNS = ("student", "notebook", "exercise", "status", "points", "max_points", "feedback")
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
_CAPTURE = "import course_utils.checks.probe as _course_probe\n"


@dataclass
class Lesson:
    """A notebook of the course and its checks, by exercise id, in the order they are defined."""

    notebook: str
    module: str = ""
    exercises: dict[str, Callable[..., core.Result]] = field(default_factory=dict)


def course_lessons() -> dict[str, Lesson]:
    """Every lesson with checks, by number ("01"), from the modules of :mod:`course_utils.checks`.

    Example:
        >>> lessons = course_lessons()
        >>> lessons["01"].notebook, next(iter(lessons["01"].exercises)).startswith("01.")
        ('01_tensors.ipynb', True)
    """
    for found in pkgutil.iter_modules(checks.__path__):
        if found.name not in ("core", "wire", "probe"):
            importlib.import_module(f"{checks.__name__}.{found.name}")
    lessons: dict[str, Lesson] = {}
    for exercise, function in core.REGISTRY.items():
        module = function.__module__.rsplit(".", 1)[-1]
        number = exercise[:2]
        if function.__module__.startswith(checks.__name__ + "."):
            lesson = lessons.setdefault(number, Lesson(f"{number}_{module}.ipynb", function.__module__))
            lesson.exercises[exercise] = function
    return dict(sorted(lessons.items()))


def load_hidden(sources: dict[str, str]) -> dict[str, Callable[..., core.Result]]:
    """Run the hidden check files (name -> source) here; return the checks they define, by exercise id."""
    before = set(core.REGISTRY)
    for name, source in sorted(sources.items()):
        exec(
            compile(source, f"hidden_checks/{name}", "exec"), {"__name__": f"hidden_checks.{Path(name).stem}"}
        )
    found = {exercise: core.REGISTRY[exercise] for exercise in core.REGISTRY if exercise not in before}
    for exercise in found:
        del core.REGISTRY[exercise]  # a hidden check is the grader's, not the course's
    return found


def check_calls(source: str) -> list[tuple[str, list[str]]] | None:
    """The ``checks.NAME(args)`` calls of a check cell, or None if the cell is not only check calls.

    Example:
        >>> check_calls("from course_utils.checks import tensors as checks\\n\\nchecks.reshaped(t, a, b)")
        [('reshaped', ['t', 'a', 'b'])]
        >>> check_calls("x = 1\\nchecks.reshaped(t, a, b)") is None
        True
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = []
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "course_utils.checks":
            continue
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "checks"
            and not call.keywords
        ):
            return None
        calls.append((call.func.attr, [ast.unparse(argument) for argument in call.args]))
    return calls or None


def teacher_calls(lesson: Lesson, notebook: nbformat.NotebookNode) -> dict[str, list[str]]:
    """The course's own argument expressions of each check of ``lesson``, from its full notebook."""
    by_name = {function.__name__: exercise for exercise, function in lesson.exercises.items()}
    calls: dict[str, list[str]] = {}
    for exercise in layout.exercises(notebook):
        if exercise.check is not None:
            for name, arguments in check_calls(notebook.cells[exercise.check].source) or []:
                if name in by_name:
                    calls.setdefault(by_name[name], arguments)
    return calls


def _checked_here(cell: nbformat.NotebookNode, by_name: dict[str, str]) -> list[str]:
    """The exercises whose check cell ``cell`` is: by its metadata, or by its form (only check calls).

    A learner's copy may have lost the metadata (a retyped cell); a cell made only of the
    course's check calls is a check cell all the same.
    """
    declared = layout.role(cell)
    if declared is not None:
        return list(declared[1]) if declared[0] == "check" else []
    found = check_calls(cell.source) if cell.cell_type == "code" else None
    return [by_name[name] for name, _ in found or [] if name in by_name]


def _capture_line(exercise: str, arguments: Iterable[str]) -> str:
    thunks = ", ".join(f"lambda: {argument}" for argument in arguments)
    return f"_course_probe.capture({exercise!r}, {thunks})\n"


def graded_copy(
    notebook: nbformat.NotebookNode, lesson: Lesson, calls: dict[str, list[str]], hidden: dict[str, list[str]]
) -> nbformat.NotebookNode:
    """``notebook`` with each check cell replaced by captures of the course's own arguments.

    A hidden check's answers are captured in a last cell, from the learner's variables.
    """
    by_name = {function.__name__: exercise for exercise, function in lesson.exercises.items()}
    graded = nbformat.v4.new_notebook(metadata=notebook.metadata)
    for cell in notebook.cells:
        checked = [exercise for exercise in _checked_here(cell, by_name) if exercise in lesson.exercises]
        if not checked:
            graded.cells.append(cell)
            continue
        source = f"from course_utils.checks import {lesson.module.rsplit('.', 1)[-1]} as checks\n" + _CAPTURE
        source += "".join(
            _capture_line(exercise, calls[exercise]) for exercise in checked if exercise in calls
        )
        graded.cells.append(new_code_cell(source))
    if hidden:
        graded.cells.append(
            new_code_cell(
                _CAPTURE
                + "".join(
                    _capture_line(exercise, [f"globals().get({name!r}, ...)" for name in names])
                    for exercise, names in hidden.items()
                )
            )
        )
    return graded


class RemoteDoor:
    """The judge's door into one sandbox: requests and replies as files, signals as JSON lines."""

    def __init__(
        self, process: subprocess.Popen, folder: Path, requests: Path, lines: queue.Queue, seed: int
    ) -> None:
        self.process, self.lines, self.seed = process, lines, seed
        self.folder, self.requests = folder, requests  # the sandbox's folder; the grader's, read-only there
        self.count = 0
        self.broken = ""

    def _exchange(self, request: dict[str, Any]) -> Any:
        if self.broken:
            return {"kind": "raised", "text": self.broken}
        self.count += 1
        number = self.count
        (self.requests / f"{number}.pt").write_bytes(wire.dumps(request))  # a folder the sandbox only reads
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({"op": "serve", "n": number}) + "\n")
            self.process.stdin.flush()
        except OSError:
            self.broken = "the kernel stopped answering (it ended or crashed)"
            return {"kind": "raised", "text": self.broken}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            message = _next_message(self.lines, deadline - time.monotonic())
            if message is None:
                break
            if message.get("event") == "served" and message.get("n") == number:
                try:
                    return wire.loads(read_inside(self.folder, f"responses/{number}.pt"))
                except (OSError, wire.WireError):
                    return {"kind": "raised", "text": "the answer's reply was not readable"}
        self.broken = "the kernel stopped answering (a call took too long, or the kernel ended)"
        return {"kind": "raised", "text": self.broken}

    def call(self, target: wire.Handle, args: list[Any], name: str) -> Any:
        return self._exchange(core.call_request(target, args, name))

    def observe(self, probe: str, args: list[Any], name: str) -> Any:
        return self._exchange(core.observe_request(probe, args, name))


def _next_message(lines: queue.Queue, wait: float) -> dict | None:
    """The next JSON object the sandbox printed (lines that are not one are skipped), or None."""
    deadline = time.monotonic() + max(wait, 0)
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            return None
        if line is None:
            return None
        try:
            message = json.loads(line[:10_000])
        except ValueError:
            continue
        if isinstance(message, dict):
            return message


@dataclass
class Job:
    """One notebook to grade: everything a worker needs, as plain values (a Dask task too)."""

    student: str
    lesson: str
    notebook: bytes | None
    problem: tuple[str, str] | None
    timeout: float
    seed: int
    memory: int
    trusted: bool
    hidden: dict[str, str]
    threads: int = 1


def _rows(
    job: Job, lesson: Lesson, exercises: dict[str, Any], verdicts: dict[str, tuple[Status, int, str]]
) -> list:
    rows = []
    for exercise, function in exercises.items():
        status, points, feedback = verdicts[exercise]
        rows.append(
            {
                "student": job.student,
                "notebook": lesson.notebook,
                "exercise": exercise,
                "status": str(status),
                "points": points,
                "max_points": function.points,
                "feedback": feedback,
            }
        )
    return rows


def grade_job(job: Job) -> list[dict[str, Any]]:
    """The rows of one student's notebook: one per exercise. Never raises for a bad submission."""
    lesson = course_lessons()[job.lesson]
    hidden = {e: f for e, f in load_hidden(job.hidden).items() if e.startswith(job.lesson + ".")}
    exercises: dict[str, Any] = lesson.exercises | hidden
    if job.problem is not None:
        status, reason = Status(job.problem[0]), job.problem[1]
        return _rows(job, lesson, exercises, dict.fromkeys(exercises, (status, 0, reason)))
    assert job.notebook is not None
    try:
        notebook = nbformat.reads(job.notebook.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # not JSON, not a notebook, or a broken one
        reason = f"not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
        return _rows(job, lesson, exercises, dict.fromkeys(exercises, (Status.INVALID, 0, reason)))
    teacher = nbformat.read(NOTEBOOKS / lesson.notebook, as_version=4)
    names = {exercise: _parameters(check) for exercise, check in hidden.items()}
    graded = graded_copy(notebook, lesson, teacher_calls(lesson, teacher), names)
    with tempfile.TemporaryDirectory(prefix="grading-") as work:
        # submission/ is the sandbox's own folder; requests/ is the grader's, shown there read-only
        folder, requests = Path(work) / "submission", Path(work) / "requests"
        requests.mkdir()
        folder.mkdir(mode=0o777)
        for sub in ("requests", "responses", "answers"):
            (folder / sub).mkdir()
        nbformat.write(graded, folder / "submission.ipynb")
        for path in (folder, folder / "responses", folder / "answers"):
            os.chmod(path, 0o777)  # writable by the sandbox's unprivileged user
        return _run_and_judge(job, lesson, exercises, folder, requests)


def _parameters(check: Any) -> list[str]:
    """The parameter names of a check's judge: the learner's variables a hidden check reads."""
    return list(inspect.signature(check.judge).parameters)


def _run_and_judge(job: Job, lesson: Lesson, exercises: dict[str, Any], folder: Path, requests: Path) -> list:
    argv = [sys.executable, "-m", "course_utils.tools.runner", "submission.ipynb", str(job.timeout)]
    if job.trusted:  # no sandbox: only a clean environment and a folder of its own
        environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "MPLBACKEND": "Agg"}
        options: dict[str, Any] = {"cwd": folder, "env": environment}
    else:
        sandboxed = sandbox.command(folder, argv, threads=job.threads, read_only={"requests": requests})
        argv = [*sandbox.limits(job.memory), *sandboxed]
        options = {}
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, killed as one at the end
        **options,
    )
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        report = None
        deadline = time.monotonic() + job.timeout + 120  # kernel start and shutdown included
        while report is None and time.monotonic() < deadline:
            message = _next_message(lines, deadline - time.monotonic())
            if message is None:
                break
            if message.get("event") == "executed":
                report = message
        verdicts = _judge_all(job, exercises, folder, requests, process, lines, report)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, 9)  # the sandbox and everything in it
        process.wait()
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):  # a pipe the sandbox already broke
                if pipe is not None:
                    pipe.close()
    return _rows(job, lesson, exercises, verdicts)


def _judge_all(
    job: Job,
    exercises: dict,
    folder: Path,
    requests: Path,
    process: subprocess.Popen,
    lines: queue.Queue,
    report: dict | None,
) -> dict:
    if report is None:
        ended = process.poll() is not None
        problem = (
            (Status.CRASHED, "the notebook's run ended without finishing (the kernel died)")
            if ended
            else (Status.TIMED_OUT, f"the notebook ran longer than {job.timeout:g} s")
        )
    elif report.get("dead"):
        problem = (Status.CRASHED, "the kernel died")
    elif report.get("timed_out"):
        running = f" (cell {report['cell']} was running)" if isinstance(report.get("cell"), int) else ""
        problem = (Status.TIMED_OUT, f"the notebook ran longer than {job.timeout:g} s{running}")
    else:
        problem = None
    error = str(report.get("error", ""))[:400] if report else ""
    door = RemoteDoor(process, folder, requests, lines, job.seed)
    if problem is not None and (report is None or report.get("dead")):
        door.broken = problem[1]  # no kernel to call; after a timeout the interrupted kernel still answers
    verdicts = {}
    for exercise, function in exercises.items():
        answers = _read_answers(folder, exercise)
        if answers is None:
            if problem is not None:
                verdicts[exercise] = (problem[0], 0, problem[1])
            else:
                reason = "its check did not run" + (f" ({error})" if error else "")
                verdicts[exercise] = (Status.NOT_RUN, 0, reason)
            continue
        if isinstance(answers, str):
            verdicts[exercise] = (Status.NOT_RUN, 0, answers)
            continue
        if function.course_context is not None:  # the lesson's own values, not the learner's
            course = function.course_context()
            names = _parameters(function)
            answers = [course.get(name, value) for name, value in zip(names, answers, strict=False)]
        result = core.judge(
            function.judge,
            answers,
            door,
            exercise=exercise,
            title=function.title,
            points=function.points,
            context=function.context,
        )
        if result.status == Status.RAISED and problem is not None and door.broken == problem[1]:
            # a function exercise whose kernel died (or never reported) before it could be called
            verdicts[exercise] = (problem[0], 0, problem[1])
        else:
            verdicts[exercise] = (result.status, result.points, result.feedback)
    return verdicts


def read_inside(folder: Path, relative: str) -> bytes:
    """The bytes of the file ``folder/relative``, which the sandbox wrote; OSError unless it is a plain
    file of at most :data:`~course_utils.checks.wire.MAX_BYTES` that really lies inside ``folder``.

    The sandbox may have put a link there, or replaced a subfolder by a link to anywhere: neither
    is followed.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as work:
        ...     Path(work, "a").write_bytes(b"data")
        ...     Path(work, "b").symlink_to("/etc/hostname")
        ...     data = read_inside(Path(work), "a")
        ...     try:
        ...         read_inside(Path(work), "b")
        ...     except OSError as error:
        ...         refused = type(error).__name__
        4
        >>> data, refused
        (b'data', 'OSError')
    """
    path = folder / relative
    if not os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep):
        raise OSError(f"{relative} leads outside the sandbox's folder")
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(f"{relative} is not a plain file")
        data = file.read(wire.MAX_BYTES + 1)
    if len(data) > wire.MAX_BYTES:
        raise OSError(f"{relative} is too large")
    return data


def _read_answers(folder: Path, exercise: str) -> list[Any] | str | None:
    """The captured answers (plain data), a reason they cannot be read, or None if never captured."""
    path = folder / "answers" / f"{exercise}.pt"
    if not path.exists() and not path.is_symlink():
        return None
    try:
        outcomes = wire.loads(read_inside(folder, f"answers/{exercise}.pt"))
        answers = []
        for outcome in outcomes:
            if outcome.get("kind") != "value":
                return "its check cell raised: " + str(outcome.get("text", ""))[:400]
            answers.append(wire.decode(outcome["v"]))
        return answers
    except Exception:  # a link, a folder, malformed data: whatever the kernel wrote
        return "its answers could not be read"


def _safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _probable(folder: Path, wanted: str) -> str:
    """A hint naming the file in ``folder`` that is probably ``wanted``, or ""."""
    for path in sorted(folder.glob("*.ipynb")):
        if path.name[:2] == wanted[:2] and not path.name[2:3].isalpha() and path.name != wanted:  # not 04b_
            return f"; {path.name} looks like it: rename it {wanted}"
    return ""


def collect(submissions: Path) -> tuple[list[Path], list[str]]:
    """The student folders, and the clutter skipped (hidden folders, ``__MACOSX``, plain files)."""
    students, skipped = [], []
    for path in sorted(submissions.iterdir()):
        if path.is_dir() and not path.name.startswith((".", "__")):
            students.append(path)
        else:
            skipped.append(path.name)
    return students, skipped


def grade(
    submissions: str | Path,
    *,
    lessons: list[str] | None = None,
    timeout: float = 300,
    hidden: str | Path | None = None,
    jobs: int | None = None,
    dask: str | None = None,
    seed: int | None = None,
    memory: int = 2 * 2**30,
    trusted: bool = False,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Grade every student folder in ``submissions``; return the rows of the CSV, totals included.

    ``lessons`` (numbers such as ``"01"``) defaults to every lesson that some student submitted;
    ``jobs`` notebooks run at once (default: the number of cores), or on the Dask cluster whose
    scheduler is at ``dask``. ``seed`` fixes the inputs drawn for the checks (default: fresh).
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"grade: no folder {submissions}")
    if timeout <= 0:
        raise ValueError(f"grade: timeout must be positive, not {timeout}")
    if not trusted and not sandbox.available():
        raise RuntimeError(
            "grade: no sandbox (install bubblewrap: apt-get install bubblewrap); "
            "to run the submissions unsandboxed, pass --trusted"
        )
    course = course_lessons()
    sources = (
        {path.name: path.read_text(encoding="utf-8") for path in sorted(Path(hidden).glob("*.py"))}
        if hidden
        else {}
    )
    load_hidden(sources)  # a hidden check whose id is a course check's is refused here, before any run
    students, skipped = collect(submissions)
    if skipped and progress:
        print(f"skipped, not student folders: {', '.join(skipped)}")
    if lessons is None:
        lessons = [n for n, lesson in course.items() if any((s / lesson.notebook).exists() for s in students)]
    lessons = list(dict.fromkeys(lessons))
    unknown = [number for number in lessons if number not in course]
    if unknown:
        raise ValueError(f"grade: no lesson {unknown}; the course has {list(course)}")
    # each local sandbox gets its share of the cores; a Dask worker's own cores are not known here
    threads = 1 if dask else max(1, (os.cpu_count() or 1) // (jobs or os.cpu_count() or 1))
    run_seed = seed if seed is not None else secrets.randbelow(2**30)
    work: list[Job] = []
    for student in students:
        for number in lessons:
            path = student / course[number].notebook
            problem = None
            data = None
            if not path.is_file():
                problem = (
                    str(Status.MISSING),
                    f"no {course[number].notebook} in the submission{_probable(student, course[number].notebook)}",  # noqa: E501
                )
            else:
                data = path.read_bytes()
            digest = int(hashlib.sha256(f"{run_seed}/{student.name}/{number}".encode()).hexdigest()[:7], 16)
            work.append(
                Job(
                    student.name,
                    number,
                    data,
                    problem,
                    timeout,
                    digest + 1,
                    memory,
                    trusted,
                    sources,
                    threads,
                )
            )
    results: dict[int, list[dict[str, Any]]] = {}
    bar = tqdm(total=len(work), desc="grading", unit="notebook", disable=not progress)
    if dask:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(dask) as client:
            futures = {client.submit(grade_job, job, pure=False): index for index, job in enumerate(work)}
            for future in dask_completed(futures):
                results[futures[future]] = _or_error(future.result, work[futures[future]], course)
                bar.update()
    else:
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            pending = {pool.submit(grade_job, job): index for index, job in enumerate(work)}
            for done in as_completed(pending):
                results[pending[done]] = _or_error(done.result, work[pending[done]], course)
                bar.update()
    bar.close()
    return _with_totals([row for index in sorted(results) for row in results[index]], work)


def _or_error(result: Callable[[], list], job: Job, course: dict[str, Lesson]) -> list[dict[str, Any]]:
    """The rows of a job, or rows that name the grader's own failure (so the CSV is still written)."""
    try:
        return result()
    except Exception as error:  # a failure of the grading itself costs this notebook, not the class
        lesson = course[job.lesson]
        reason = f"the grader could not grade this notebook ({type(error).__name__}: {str(error)[:200]})"
        return _rows(
            job, lesson, lesson.exercises, dict.fromkeys(lesson.exercises, (Status.CRASHED, 0, reason))
        )


def _digest(data: bytes) -> str:
    """A fingerprint of a notebook's cell sources (cell ids and outputs differ between identical copies)."""
    try:
        sources = [cell.get("source", "") for cell in json.loads(data)["cells"]]
        return hashlib.sha256(json.dumps(sources).encode()).hexdigest()
    except (ValueError, KeyError, TypeError):
        return hashlib.sha256(data).hexdigest()


def _with_totals(rows: list[dict[str, Any]], work: list[Job]) -> list[dict[str, Any]]:
    digests: dict[tuple[str, str], list[str]] = {}
    for job in work:
        if job.notebook is not None:
            digests.setdefault((job.lesson, _digest(job.notebook)), []).append(job.student)
    out: list[dict[str, Any]] = []
    for student in dict.fromkeys(row["student"] for row in rows):
        own = [row for row in rows if row["student"] == student]
        twins = sorted(
            {other for group in digests.values() if student in group for other in group} - {student}
        )
        note = f"identical notebook(s) to: {', '.join(twins)}" if twins else ""
        total = {"points": sum(r["points"] for r in own), "max_points": sum(r["max_points"] for r in own)}
        out += own + [  # noqa: RUF005
            {"student": student, "notebook": "", "exercise": "total", "status": "", **total, "feedback": note}
        ]
    return out


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> None:
    """Write ``rows`` as CSV; no cell can start a spreadsheet formula."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({key: _safe(value) for key, value in row.items()} for row in rows)


def write_feedback(rows: list[dict[str, Any]], folder: str | Path) -> list[Path]:
    """Write one Markdown file per student into ``folder``: each exercise's status and feedback."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student in dict.fromkeys(row["student"] for row in rows):
        own = [row for row in rows if row["student"] == student]
        total = own[-1]
        lines = [
            f"# Feedback for {student}",
            "",
            f"Total: {total['points']} of {total['max_points']} points.",
        ]
        for row in own[:-1]:
            lines.append(
                f"\n## {row['notebook']} · {row['exercise']}: {row['status']}, "
                f"{row['points']}/{row['max_points']} points"
            )
            if row["feedback"]:
                lines += ["", "```", row["feedback"], "```"]
        path = folder / f"{student}.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def benchmark(lessons: list[str], students: int, jobs: int) -> str:
    """Grade a synthetic class (``students`` learners who solved ``lessons``) and time it, as Markdown.

    Reports the plain run of each solved notebook (a fresh kernel, no sandbox, no judge), the
    whole class graded with 1 job and with ``jobs``, in notebooks per minute, the grading overhead
    per notebook (graded with 1 job against the plain runs) and how close ``jobs`` come to ``jobs``
    times the rate of one.
    """
    from course_utils.tools import execute, student

    course = course_lessons()
    with tempfile.TemporaryDirectory(prefix="benchmark-") as work:
        root = Path(work)
        plain = 0.0
        for number in lessons:
            solved = student.solved_copy(nbformat.read(NOTEBOOKS / course[number].notebook, as_version=4))
            for index in range(students):
                (root / "class" / f"s{index:03d}").mkdir(parents=True, exist_ok=True)
                nbformat.write(solved, root / "class" / f"s{index:03d}" / course[number].notebook)
            nbformat.write(solved, root / course[number].notebook)
            plain += execute.run(root / course[number].notebook, save=False)["seconds"] * students
        seconds, scores = {}, {}
        for count in dict.fromkeys([1, jobs]):
            start = time.perf_counter()
            rows = grade(root / "class", lessons=lessons, jobs=count, seed=1, progress=False)
            seconds[count] = time.perf_counter() - start
            scores[count] = {row["points"] for row in rows if row["exercise"] == "total"}
    notebooks = students * len(lessons)
    rate = {count: 60 * notebooks / value for count, value in seconds.items()}
    full = sum(
        getattr(check, "points", 0) for number in lessons for check in course[number].exercises.values()
    )
    lines = [
        f"{students} students x lessons {', '.join(lessons)} = {notebooks} notebooks, all solved "
        f"(every total {full}: {all(score == {full} for score in scores.values())})",
        "",
        "| run | seconds | notebooks per minute |",
        "|---|---:|---:|",
        f"| plain (no sandbox, no judge), one at a time | {plain:.1f} | {60 * notebooks / plain:.1f} |",
    ]
    lines += [f"| graded, --jobs {count} | {seconds[count]:.1f} | {rate[count]:.1f} |" for count in seconds]
    lines += [
        "",
        f"grading overhead per notebook (--jobs 1 against plain): {seconds[1] / plain - 1:+.0%}",
        f"--jobs {jobs} against {jobs} x the rate of one job: {rate[jobs] / (jobs * rate[1]):.0%}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """The command line: ``python -m course_utils.tools.grade SUBMISSIONS --out grades.csv [options]``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.grade", description=__doc__.split("\n")[0]
    )
    parser.add_argument("submissions", nargs="?", help="a folder with one folder of notebooks per student")
    parser.add_argument("--out", help="the CSV file to write (required unless --benchmark)")
    parser.add_argument(
        "--benchmark", type=int, metavar="STUDENTS", help="time grading a synthetic class of STUDENTS instead"
    )
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument(
        "--lessons", nargs="+", help="lesson numbers to grade, e.g. 01 02 (default: all submitted)"
    )
    parser.add_argument(
        "--timeout", type=_positive, default=300, help="seconds one notebook may run (default 300)"
    )
    parser.add_argument("--hidden", help="a folder of extra check files (.py) that learners do not see")
    parser.add_argument("--feedback", help="a folder to write one feedback file per student into")
    parser.add_argument("--jobs", type=int, help="notebooks graded at once (default: the number of cores)")
    parser.add_argument("--dask", help="grade on the Dask cluster whose scheduler is at this address")
    parser.add_argument(
        "--memory", type=_positive, default=2.0, help="GiB of memory per submission (default 2)"
    )
    parser.add_argument("--seed", type=int, help="draw the checks' inputs from this seed (default: fresh)")
    parser.add_argument("--trusted", action="store_true", help="run submissions without a sandbox")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.benchmark is not None:
        if args.benchmark < 1:
            parser.error("--benchmark needs at least 1 student")
        chosen = [number.zfill(2) for number in args.lessons] if args.lessons else list(course_lessons())
        print(benchmark(chosen, args.benchmark, args.jobs or os.cpu_count() or 1))
        return []
    if args.submissions is None or args.out is None:
        parser.error("give SUBMISSIONS and --out (or --benchmark STUDENTS)")
    out = Path(args.out)
    if not Path(args.submissions).is_dir():
        parser.error(f"no folder {args.submissions}")
    if args.hidden and not Path(args.hidden).is_dir():
        parser.error(f"no folder {args.hidden}")
    if not out.parent.is_dir():
        parser.error(f"--out: no folder {out.parent} to write {out.name} into")
    if out.exists() and not args.force:
        parser.error(f"--out: {out} exists; pass --force to overwrite it")
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    lessons = [number.zfill(2) for number in args.lessons] if args.lessons else None
    try:
        rows = grade(
            args.submissions,
            lessons=lessons,
            timeout=args.timeout,
            hidden=args.hidden,
            jobs=args.jobs,
            dask=args.dask,
            seed=args.seed,
            memory=int(args.memory * 2**30),
            trusted=args.trusted,
        )
    except (ValueError, RuntimeError) as error:  # bad lessons, a clashing hidden check, no sandbox
        parser.error(str(error))
    write_csv(rows, out)
    print(f"wrote {out}: {len({row['student'] for row in rows})} students, {len(rows)} rows")
    if args.feedback:
        print(f"wrote {len(write_feedback(rows, args.feedback))} feedback files into {args.feedback}")
    return rows


if __name__ == "__main__":
    main()
