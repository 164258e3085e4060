"""A sandbox for one submission: bubblewrap, with nothing of the teacher's inside.

The sandbox sees the system's programs and libraries, Python and the course package, all
read-only; one fresh folder holding only the submission, writable; a private ``/tmp`` of limited
size. It has no network (only its own loopback), no other process, no variable of the teacher's
environment, no capability, an unprivileged user, and limits on memory, file size and processes.
When the sandbox's first process ends, every process it started is killed with it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import course_utils

#: Where the submission's folder appears inside the sandbox.
INSIDE = "/submission"
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
_ETC = ("fonts", "ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group")


def available() -> bool:
    """Whether bubblewrap (and ``prlimit``, for the limits) is installed."""
    return shutil.which("bwrap") is not None and shutil.which("prlimit") is not None


def command(
    folder: Path,
    argv: list[str],
    *,
    threads: int = 1,
    read_only: dict[str, Path] | None = None,
    tmp_bytes: int = 512 * 2**20,
) -> list[str]:
    """The bubblewrap command that runs ``argv`` in a sandbox around ``folder``, on ``threads`` threads.

    ``read_only`` maps names of subfolders of ``folder`` to host folders shown there read-only: the
    sandbox can read what the grader writes into them, and neither change nor replace them.

    Example:
        >>> cmd = command(Path("/tmp/work"), ["python", "-V"])
        >>> cmd[0], "--unshare-all" in cmd, cmd[-2:]
        ('bwrap', True, ['python', '-V'])
    """
    package = Path(course_utils.__file__).resolve().parent
    binds: list[str] = []
    for path in _SYSTEM:
        if Path(path).exists():
            binds += ["--ro-bind", path, path]
    for name in _ETC:
        if Path("/etc", name).exists():
            binds += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for path in dict.fromkeys([sys.base_prefix, sys.prefix, str(package)]):
        binds += ["--ro-bind", path, path]
    environment = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter",
        "IPYTHONDIR": "/tmp/ipython",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": str(threads),
        "COURSE_DEVICE": "cpu",
    }
    settings = [item for key, value in environment.items() for item in ("--setenv", key, value)]
    return [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--clearenv",
        *settings,
        # /tmp first: Python or the package may live under it, and their binds must come on top
        "--size",
        str(tmp_bytes),
        "--tmpfs",
        "/tmp",
        *binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--bind",
        str(folder),
        INSIDE,
        *[
            item
            for name, path in (read_only or {}).items()
            for item in ("--ro-bind", str(path), f"{INSIDE}/{name}")
        ],
        "--chdir",
        INSIDE,
        *argv,
    ]


def limits(memory: int, *, file_size: int = 256 * 2**20, processes: int = 512) -> list[str]:
    """The ``prlimit`` command that starts what follows it with these limits (inherited by its children).

    ``memory`` bounds each process's data (its heap and anonymous maps, where tensors live). The
    process limit counts all processes of the user, and Linux does not apply it to root. (A
    command, not ``preexec_fn``, which may deadlock when several sandboxes start from threads.)

    Example:
        >>> limits(2**30)[:3]
        ['prlimit', '--data=1073741824', '--fsize=268435456']
    """
    return ["prlimit", f"--data={memory}", f"--fsize={file_size}", "--core=0", f"--nproc={processes}", "--"]
