"""The environment report printed at the top of every notebook."""

from __future__ import annotations

import platform
from importlib import metadata

import torch

_PACKAGES = ("torch", "numpy", "pandas", "scikit-learn", "course_utils")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def report_environment(device: torch.device | str, *, show: bool = True) -> dict[str, str]:
    """Print (and return) the Python and package versions, the CPU's kernels and the device in use.

    A result that differs from the stored one can then be traced to a version, the
    CPU instructions torch's kernels use (``AVX2``, ``AVX512``, ...), the number of
    threads or the device in one glance.

    Args:
        device: the device the notebook runs on, e.g. ``get_device()``.
        show: print the report; ``False`` only returns it.

    Returns:
        A dict from name to version, and ``"cpu capability"``, ``"threads"`` and
        ``"device"`` (with its name) to what torch uses.

    Example:
        >>> info = report_environment("cpu", show=False)
        >>> info["device"], info["torch"] == torch.__version__
        ('cpu', True)
        >>> info["threads"] == str(torch.get_num_threads())
        True
    """
    if not isinstance(device, (torch.device, str)):
        raise TypeError(
            f"report_environment: device must be a torch.device or str, got {type(device).__name__}"
        )
    device = torch.device(device)
    info = {"python": platform.python_version()}
    info.update({name: _version(name) for name in _PACKAGES})
    info["torch"] = torch.__version__  # with its build, e.g. 2.13.0+cpu or 2.13.0+cu130
    info["cpu capability"] = torch.backends.cpu.get_cpu_capability()
    info["threads"] = str(torch.get_num_threads())
    info["device"] = str(device)
    if device.type == "cuda":
        info["device"] += f" ({torch.cuda.get_device_name(device)})"
    if show:
        width = max(map(len, info))
        print("\n".join(f"{name:<{width}}  {value}" for name, value in info.items()))
    return info
