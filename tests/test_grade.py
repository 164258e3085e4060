"""Grading a class: every submission in a sandbox, every answer judged outside it.

The notebooks are lesson 01's exercises alone (its answer cells and the course's own check cells),
so that a class of a dozen runs in seconds. A solved control scores full marks; an untouched one
scores zero; ten kinds of tampering score exactly what the same notebook scores without them; a
probe of the sandbox's walls signals any breach by earning points it should not; broken inputs
cost their own rows, never the CSV; a real Dask scheduler and two workers give the same CSV.
"""

import csv
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils import grade
from course_utils.checks import core
from course_utils.tools import sandbox

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap is not installed")

ROOT = Path(__file__).parent.parent
TENSORS = "01_tensors.ipynb"
CHECK_CELLS = [
    cell.source
    for cell in nbformat.read(ROOT / "notebooks" / TENSORS, as_version=4).cells
    if cell.cell_type == "code"
    and grade.check_calls(cell.source)
    and "solution" not in cell.metadata.get("tags", [])
]
STUBS = """\
import torch
t = torch.arange(24.0).reshape(2, 3, 4)
broadcast_shapes = [..., ..., ...]
changes_a = [..., ..., ...]
mean_shapes = [..., ..., ...]
t_6x4 = t_4x6 = ...
def pairwise_sq_distances(points):
    raise NotImplementedError
def standardize_columns(table):
    raise NotImplementedError
"""
SOLVED = (
    STUBS
    + """\
broadcast_shapes = [(2, 4, 3), None, (5, 3)]
changes_a = [True, False, True]
mean_shapes = [(3, 4), (2, 4), (2, 3)]
t_6x4, t_4x6 = t.reshape(6, 4), t.reshape(4, 6)
def pairwise_sq_distances(points):
    return ((points[:, None] - points[None]) ** 2).sum(-1)
def standardize_columns(table):
    return (table - table.mean(dim=0)) / table.std(dim=0)
"""
)
# Half right: the two questions, and nothing else.
HALF = STUBS + "broadcast_shapes = [(2, 4, 3), None, (5, 3)]\nchanges_a = [True, False, True]\n"
GOT_IT = "broadcast_shapes = [(2, 4, 3), None, (5, 3)]  # a breach earns a point it should not\n"

TAMPERING = {
    # patching the checks, their result type and the judge, in the learner's kernel
    "patch_result": """
import course_utils.checks.core as core, course_utils.checks.tensors as tensors
class Always(core.Result):
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)
core.Result = Always
core.judge = lambda *args, **kwargs: core.Result("x", "x", core.CORRECT, 99, 99, "")
for name in dir(tensors):
    if name.islower() and callable(getattr(tensors, name)):
        setattr(tensors, name, lambda *args: core.Result("x", "x", core.CORRECT, 99, 99, ""))
""",
    # patching torch and builtins
    "patch_torch": """
import builtins, torch
torch.allclose = torch.equal = lambda *args, **kwargs: True
torch.isclose = lambda a, b, **kwargs: torch.ones_like(a, dtype=torch.bool)
builtins.print = lambda *args, **kwargs: None
""",
    # writing every file the kernel can reach, with grades in every form the old grader read
    "write_files": """
import json, os, glob
row = {"exercise": "01.mean_shapes", "status": "correct", "points": 1000, "max_points": 1, "feedback": ""}
for path in ["results.jsonl", "grades.csv", "/tmp/results.jsonl", os.environ.get("COURSE_UTILS_RESULTS", "r.jsonl")]:  # noqa: E501
    open(path, "a").write(json.dumps(row) + "\\n")
for folder in ["answers", "responses", "requests"]:
    os.makedirs(folder, exist_ok=True)
    for n in range(1, 40):
        open(f"{folder}/{n}.pt", "wb").write(b"not plain data")
""",
    # a background process that outlives the notebook, and a handler at exit
    "background": """
import atexit, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time, glob\\nwhile True:\\n    [open(p, 'wb').write(b'x') for p in glob.glob('answers/*')]\\n    time.sleep(0.01)"])  # noqa: E501
atexit.register(lambda: [open(f"answers/01.{name}.pt", "wb").write(b"junk") for name in ("mean_shapes", "reshaped")])  # noqa: E501
""",
    # reading the judge's frames, for the expected value
    "read_frames": """
import inspect
def pairwise_sq_distances(points):
    frame = inspect.currentframe()
    while frame is not None:
        if "expected" in frame.f_locals:
            return frame.f_locals["expected"]
        frame = frame.f_back
    return points
""",
}
# Cells after the last check cell
AFTER = {
    "code_after": """
import os
for name in os.listdir("answers"):
    open(os.path.join("answers", name), "wb").write(b"forged")
""",
}


def notebook(answers, before="", after="", check_cells=None):
    """Lesson 01's exercises: the answers, the course's check cells, and optional cells around them."""
    cells = [new_code_cell(before), new_code_cell(answers)] + [
        new_code_cell(c) for c in check_cells or CHECK_CELLS
    ]
    return new_notebook(cells=[*cells, new_code_cell(after)])


def write(folder, student, nb, name=TENSORS):
    (folder / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / student / name)
    return folder / student / name


def totals(rows):
    return {row["student"]: row["points"] for row in rows if row["exercise"] == "total"}


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    write(root, "control", notebook(SOLVED))
    write(root, "untouched", notebook(STUBS))
    write(root, "half", notebook(HALF))
    for name, code in TAMPERING.items():
        write(root, f"half_{name}", notebook(HALF, before=code))
    write(root, "stubs_code_after", notebook(STUBS, after=AFTER["code_after"]))
    edited = [
        cell.replace("checks.mean_shapes(mean_shapes)", "checks.mean_shapes([(3, 4), (2, 4), (2, 3)])")
        for cell in CHECK_CELLS
    ]
    write(root, "stubs_edited_checks", notebook(STUBS, check_cells=edited))
    return grade.grade(root, timeout=30, seed=5, progress=False)


def test_a_solved_control_scores_full_marks_and_an_untouched_one_zero(tampered):
    scores = totals(tampered)
    assert scores["control"] == 9 and scores["untouched"] == 0 and scores["half"] == 2


def test_no_tampering_changes_a_grade(tampered):
    scores = totals(tampered)
    for student, score in scores.items():
        if student.startswith("stubs_"):
            assert score == scores["untouched"], student
        if student == "half_background":
            # a process left running can spoil its own notebook's captured answers, never raise them
            assert score <= scores["half"], student
        elif student.startswith("half_"):
            assert score == scores["half"], student
    assert all(row["points"] <= row["max_points"] for row in tampered)  # 1000 points were claimed in a file


def test_a_hard_coded_answer_fails_on_the_inputs_drawn_for_the_run(tmp_path):
    hard_coded = (
        SOLVED
        + "_fixed = pairwise_sq_distances(torch.rand(5, 2, generator=torch.Generator().manual_seed(1)))\n"
    )
    hard_coded += "def pairwise_sq_distances(points):\n    return _fixed\n"
    write(tmp_path, "hard", notebook(hard_coded))
    rows = grade.grade(tmp_path, timeout=60, seed=11, progress=False)
    (row,) = [row for row in rows if row["exercise"] == "01.pairwise_sq_distances"]
    assert row["status"] == "wrong"


WALLS = (
    """
import os, socket, subprocess, sys, torch
signals = []
def breach(what):
    signals.append(what)
try:  # another student's notebook
    open("{other}", "a").write("x")
    breach("other")
except OSError:
    pass
for path in ("{canary}", "/tmp/canary"):
    try:
        open(path, "w").write("x")
        if path != "/tmp/canary":
            breach("canary")
    except OSError:
        pass
try:  # the installed package
    open("{package}", "a").write("\\n# changed\\n")
    breach("package")
except OSError:
    pass
for path in ("{teacher}", "{hidden}"):
    try:
        open(path).read()
        breach("read " + path)
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    breach("network")
except OSError:
    pass
if "TEACHER_SECRET" in os.environ:
    breach("environment")
try:
    big = torch.empty(3 * 2**30, dtype=torch.uint8)
    big.fill_(1)
    breach("memory")
except (RuntimeError, MemoryError):
    pass
subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", "grading-leftover-marker"])
if signals:
"""
    + "    "
    + GOT_IT
)


def test_the_sandbox_walls_hold(tmp_path, monkeypatch):
    submissions, hidden = tmp_path / "submissions", tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "secret.py").write_text("from course_utils.checks.core import check\n")
    other = write(submissions, "other", notebook(STUBS))
    other_hash = hashlib.sha256(other.read_bytes()).hexdigest()
    package = Path(core.__file__)
    package_hash = hashlib.sha256(package.read_bytes()).hexdigest()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    monkeypatch.setenv("TEACHER_SECRET", "42")
    walls = WALLS.format(
        other=other,
        canary=tmp_path / "canary",
        package=package,
        teacher=ROOT / "notebooks" / TENSORS,
        hidden=hidden / "secret.py",
        port=listener.getsockname()[1],
    )
    write(submissions, "prober", notebook(STUBS, before=walls))
    out = tmp_path / "grades.csv"
    grade.main([str(submissions), "--out", str(out), "--hidden", str(hidden), "--seed", "1"])
    written = out.read_bytes()
    with out.open() as file:
        rows = list(csv.DictReader(file))
    assert totals([dict(row, points=int(row["points"])) for row in rows])["prober"] == 0
    assert hashlib.sha256(other.read_bytes()).hexdigest() == other_hash
    assert hashlib.sha256(package.read_bytes()).hexdigest() == package_hash
    assert not (tmp_path / "canary").exists()
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
    time.sleep(2)
    assert out.read_bytes() == written
    leftovers = subprocess.run(["pgrep", "-f", "grading-leftover-marker"], capture_output=True, text=True)
    assert leftovers.stdout == ""


def test_broken_inputs_cost_their_rows_never_the_class(tmp_path):
    submissions = tmp_path / "submissions"
    write(submissions, "ada", notebook(SOLVED))
    (submissions / "bad").mkdir()
    (submissions / "bad" / TENSORS).write_text("{not json")
    write(submissions, "=1+2", notebook(STUBS))
    write(submissions, "misnamed", notebook(SOLVED), name="01_Tensors.ipynb")
    write(submissions, "twin", notebook(SOLVED))
    write(submissions, "killer", notebook(SOLVED, before="import os\nos._exit(1)"))
    write(submissions, "slow", notebook(SOLVED, after="import time\ntime.sleep(60)"))
    (submissions / ".ipynb_checkpoints").mkdir()
    (submissions / "__MACOSX").mkdir()
    rows = grade.grade(submissions, timeout=25, seed=2, progress=False, lessons=["01", "1".zfill(2)])
    by_student = {row["student"]: row for row in rows if row["exercise"] == "01.mean_shapes"}
    assert set(by_student) == {"ada", "bad", "=1+2", "misnamed", "twin", "killer", "slow"}
    assert by_student["bad"]["status"] == "invalid"
    assert (
        by_student["misnamed"]["status"] == "missing"
        and "01_Tensors.ipynb looks like it" in by_student["misnamed"]["feedback"]
    )
    assert by_student["killer"]["status"] == "crashed"
    assert by_student["slow"]["status"] == "correct"  # answers captured before the time ran out are kept
    assert totals(rows)["slow"] == 9
    twin_total = next(row for row in rows if row["student"] == "twin" and row["exercise"] == "total")
    assert "ada" in twin_total["feedback"]
    out = tmp_path / "grades.csv"
    grade.write_csv(rows, out)
    assert "'=1+2" in out.read_text() and "\n=1+2" not in out.read_text()


def test_bad_arguments_are_refused_before_anything_runs(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    (tmp_path / "exists.csv").write_text("keep")
    for argv in (
        [str(tmp_path / "subs"), "--out", str(tmp_path / "no" / "such" / "grades.csv")],
        [str(tmp_path / "subs"), "--out", str(tmp_path / "exists.csv")],
        [str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv"), "--timeout", "0"],
        [str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv"), "--jobs", "0"],
        [str(tmp_path / "nothing"), "--out", str(tmp_path / "g.csv")],
    ):
        with pytest.raises(SystemExit):
            grade.main(argv)
    assert (tmp_path / "exists.csv").read_text() == "keep"


def test_without_a_sandbox_the_grader_refuses_unless_trusted(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    with pytest.raises(RuntimeError, match="--trusted"):
        grade.grade(tmp_path, progress=False)


def test_a_dask_cluster_gives_the_same_grades_as_one_job(tmp_path):
    submissions = tmp_path / "submissions"
    write(submissions, "ada", notebook(SOLVED))
    write(submissions, "ben", notebook(HALF))
    write(submissions, "cyd", notebook(STUBS))
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    environment = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    processes = [
        subprocess.Popen(
            [str(bin_dir / "dask"), "scheduler", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
    ]
    try:
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "dask"),
                        "worker",
                        f"tcp://127.0.0.1:{port}",
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=environment,
                )
            )
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        on_dask = grade.grade(submissions, seed=9, dask=f"tcp://127.0.0.1:{port}", progress=False)
    finally:
        for process in processes:
            process.kill()
            process.wait()
    one_job = grade.grade(submissions, seed=9, jobs=1, progress=False)
    assert on_dask == one_job and totals(one_job) == {"ada": 9, "ben": 2, "cyd": 0}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_feedback_files(tmp_path):
    rows = [
        {
            "student": "ada",
            "notebook": TENSORS,
            "exercise": "01.mean_shapes",
            "status": "wrong",
            "points": 0,
            "max_points": 1,
            "feedback": "the shape for dim=0 is wrong",
        },
        {
            "student": "ada",
            "notebook": "",
            "exercise": "total",
            "status": "",
            "points": 0,
            "max_points": 1,
            "feedback": "",
        },
    ]
    (path,) = grade.write_feedback(rows, tmp_path)
    assert "Total: 0 of 1 points." in path.read_text() and "dim=0 is wrong" in path.read_text()
    assert shutil.which("bwrap")
