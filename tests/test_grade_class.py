"""Grading a class whose inputs are broken, and grading it on a real Dask cluster.

Broken inputs (a file that is not a notebook, a misnamed one, a kernel that exits, a notebook that
runs past its time, clutter folders, a name that a spreadsheet would run) cost their own rows, never
the CSV; a scheduler and two workers started as a teacher starts them give the CSV of one job.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from grading_class import HALF, ROOT, SOLVED, STUBS, TENSORS, notebook, totals, write

from course_utils.tools import grade, sandbox

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap is not installed")


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
    hidden = tmp_path / "hidden"  # the teachers' guide's own example of a hidden check
    hidden.mkdir()
    guide = (ROOT / "TEACHING.md").read_text(encoding="utf-8")
    (hidden / "standardize.py").write_text(guide.split("```python\n")[1].split("```")[0])
    rows = grade.grade(
        submissions,
        timeout=12,
        seed=2,
        progress=False,
        lessons=["01", "1".zfill(2)],
        hidden=hidden,
        jobs=2,  # the slow one sleeps out its time beside the others
    )
    hidden_rows = {row["student"]: row["status"] for row in rows if row["exercise"] == "01.standardize_wide"}
    assert hidden_rows["ada"] == "correct" and hidden_rows["=1+2"] == "not attempted"
    by_student = {row["student"]: row for row in rows if row["exercise"] == "01.mean_shapes"}
    assert set(by_student) == {"ada", "bad", "=1+2", "misnamed", "twin", "killer", "slow"}
    assert by_student["bad"]["status"] == "invalid"
    assert (
        by_student["misnamed"]["status"] == "missing"
        and "01_Tensors.ipynb looks like it" in by_student["misnamed"]["feedback"]
    )
    assert by_student["killer"]["status"] == "crashed"
    # answers captured before the time ran out are kept, and its functions are still called
    assert by_student["slow"]["status"] == "correct"
    assert totals(rows)["slow"] == 9  # the hidden check reads the variables at the end, never reached
    twin_total = next(row for row in rows if row["student"] == "twin" and row["exercise"] == "total")
    assert "ada" in twin_total["feedback"]
    out = tmp_path / "grades.csv"
    grade.write_csv(rows, out)
    assert "'=1+2" in out.read_text() and "\n=1+2" not in out.read_text()


def test_a_dask_cluster_gives_the_same_grades_as_one_job(tmp_path):
    submissions = tmp_path / "submissions"
    write(submissions, "ada", notebook(SOLVED))
    write(submissions, "ben", notebook(HALF))
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
    assert on_dask == one_job and totals(one_job) == {"ada": 9, "ben": 2}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
