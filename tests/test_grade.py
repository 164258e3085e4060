"""Grading a class: every submission in a sandbox, every answer judged outside it.

The notebooks are lesson 01's exercises alone (its answer cells and the course's own check cells),
so that a class of a dozen runs in seconds. A solved control scores full marks; an untouched one
scores zero; ten kinds of tampering score exactly what the same notebook scores without them; a
probe of the sandbox's walls signals any breach by earning points it should not; broken inputs
cost their own rows, never the CSV; a real Dask scheduler and two workers give the same CSV.
"""

import csv
import hashlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from grading_class import CHECK_CELLS, HALF, ROOT, SOLVED, STUBS, TENSORS, notebook, totals, write

from course_utils.checks import core, wire
from course_utils.tools import grade, sandbox

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap is not installed")

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


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    write(root, "control", notebook(SOLVED))
    write(root, "untouched", notebook(STUBS))
    write(root, "half", notebook(HALF))
    for name, code in TAMPERING.items():
        write(root, f"half_{name}", notebook(HALF, before=code))
    # a check cell's arguments edited (its metadata kept), and code after the last check
    edited = notebook(STUBS, after=AFTER["code_after"])
    for cell in edited.cells:
        cell.source = cell.source.replace(
            "checks.mean_shapes(mean_shapes)", "checks.mean_shapes([(3, 4), (2, 4), (2, 3)])"
        )
    write(root, "stubs_edited_checks_and_code_after", edited)
    # check cells retyped without their metadata, and an answer hard-coded for the lesson's 5 points
    fixed = "_fixed = pairwise_sq_distances(torch.rand(5, 2, generator=torch.Generator().manual_seed(1)))\n"
    hard_coded = SOLVED + fixed + "def pairwise_sq_distances(points):\n    return _fixed\n"
    write(root, "retyped_hard_coded", notebook(hard_coded, check_cells=[cell.source for cell in CHECK_CELLS]))
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


def test_a_hard_coded_answer_fails_and_retyped_check_cells_are_found(tampered):
    rows = {row["exercise"]: row for row in tampered if row["student"] == "retyped_hard_coded"}
    assert rows["01.pairwise_sq_distances"]["status"] == "wrong"  # on the inputs drawn for the run
    assert rows["total"]["points"] == 7  # every other check cell found by its form, without metadata


WALLS = """
import os, socket, subprocess, sys, torch
breaches = []
def attempt(what, action, errors=OSError):
    try:
        action()
        breaches.append(what)
    except errors:
        pass
attempt("another student's notebook", lambda: open("{other}", "a").write("x"))
attempt("a file outside the sandbox", lambda: open("{canary}", "w").write("x"))
attempt("the installed package", lambda: open("{package}", "a").write("\\n# changed\\n"))
attempt("the teacher's notebook", lambda: open("{teacher}").read())
attempt("the hidden checks", lambda: open("{hidden}").read())
attempt("the grader's requests", lambda: open("requests/1.pt", "wb").write(b"forged"))
attempt("the network", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2).close())
attempt("3 GiB of memory", lambda: torch.empty(3 * 2**30, dtype=torch.uint8).fill_(1), (RuntimeError, MemoryError))
if "TEACHER_SECRET" in os.environ:
    breaches.append("the teacher's environment")
subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", "grading-leftover-marker"])
if breaches:
    broadcast_shapes = [(2, 4, 3), None, (5, 3)]  # a breach earns a point it should not
"""


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
    # after the checks, answers/ becomes a link to a folder of the host's that holds a right answer
    outside = tmp_path / "outside"
    outside.mkdir()
    right = [{"kind": "value", "v": wire.encode([(2, 4, 3), None, (5, 3)])}]
    (outside / "01.broadcast_shapes.pt").write_bytes(wire.dumps(right))
    relink = f"import os, shutil\nshutil.rmtree('answers')\nos.symlink({str(outside)!r}, 'answers')"
    write(submissions, "prober", notebook(STUBS, before=walls, after=relink))
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


def test_a_hidden_check_may_not_take_a_course_checks_id(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "clash.py").write_text(
        "from course_utils.checks.core import check\n\n@check('01.mean_shapes', 'x')\ndef mean_shapes(x):\n    pass\n"
    )
    with pytest.raises(ValueError, match="is taken by"):
        grade.grade(tmp_path / "subs", hidden=tmp_path / "hidden", progress=False)
