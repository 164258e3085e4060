"""The data sets of the course: small ones made here, the Adult census data shipped inside."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources
from pathlib import Path

import pandas as pd
import torch

#: SHA-256 of ``datafiles/adult.csv.gz``, the file published with the course.
ADULT_SHA256 = "b3c73727e9828cf228b74062d0ce0a24592dde0070a7962ca831e311d1b788ca"
ADULT_CATEGORICAL = (
    "workclass", "education", "marital-status", "occupation",
    "relationship", "race", "sex", "native-country",
)  # fmt: skip


def thermometer_readings() -> tuple[torch.Tensor, torch.Tensor]:
    """Return the 11 paired thermometer readings of the linear-regression lesson.

    Returns:
        ``(celsius, unknown)``: two float32 tensors of shape ``(11,)``, the
        temperatures in degrees Celsius and the same temperatures read on a
        thermometer with an unknown scale.

    Example:
        >>> celsius, unknown = thermometer_readings()
        >>> celsius.shape, unknown.dtype
        (torch.Size([11]), torch.float32)
        >>> unknown[:3]
        tensor([35.7000, 55.9000, 58.2000])
    """
    celsius = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
    unknown = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
    return torch.tensor(celsius), torch.tensor(unknown)


def cubic_wave(x: torch.Tensor) -> torch.Tensor:
    """The true function of the MLP lesson: ``x**3 - x**2 + 25 * sin(2x)``.

    Example:
        >>> cubic_wave(torch.tensor([0.0, 1.0]))
        tensor([ 0.0000, 22.7324])
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"cubic_wave: x must be a torch.Tensor, got {type(x).__name__}")
    return x**3 - x**2 + 25 * torch.sin(2 * x)


def make_cubic_wave_data(
    n: int = 100, *, noise_std: float = 10.0, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` noisy observations of :func:`cubic_wave` on ``[-5, 5)``.

    ``x = 10 * rand(n) - 5`` and ``y = cubic_wave(x) + noise_std * randn(n)``, both
    drawn from ``generator`` (a fresh one seeded with 0 if none is given), on the CPU.

    Args:
        n: number of points, at least 1.
        noise_std: standard deviation of the Gaussian noise, at least 0.
        generator: the CPU generator to draw from.

    Returns:
        ``(x, y)``: two float32 tensors of shape ``(n,)``.

    Example:
        >>> x, y = make_cubic_wave_data(3, generator=torch.Generator().manual_seed(0))
        >>> x
        tensor([-0.0374,  2.6822, -4.1152])
        >>> y.shape
        torch.Size([3])
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"make_cubic_wave_data: n must be a positive int, got {n!r}")
    if not noise_std >= 0:
        raise ValueError(f"make_cubic_wave_data: noise_std must be >= 0, got {noise_std!r}")
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    elif not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
        raise TypeError(f"make_cubic_wave_data: generator must be a CPU torch.Generator, got {generator!r}")
    x = 10 * torch.rand(n, generator=generator) - 5
    y = cubic_wave(x) + noise_std * torch.randn(n, generator=generator)
    return x, y


def _adult_path() -> Path:
    return Path(str(resources.files("course_utils") / "datafiles" / "adult.csv.gz"))


def load_adult(path: str | Path | None = None, *, download: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """Load the UCI Adult census data (48,842 people) shipped inside this package.

    The result equals ``fetch_openml("adult", version=2, as_frame=True)``'s ``X``
    and ``y``: the same 14 columns and the same row order, categorical columns as
    pandas ``category``, missing values (``?`` in the originals) as NaN, and the
    target ``class`` as a category with ``'<=50K'`` and ``'>50K'``. The file's
    SHA-256 is checked before it is read. Source: Becker & Kohavi (1996), UCI
    Machine Learning Repository, https://doi.org/10.24432/C5XW20, CC BY 4.0.

    Args:
        path: another copy of ``adult.csv.gz`` to read instead of the shipped one.
        download: fetch the data from OpenML instead (needs the internet).

    Returns:
        ``(X, y)``: a DataFrame of shape ``(48842, 14)`` and a Series named ``class``.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file's checksum is not the published one.

    Example:
        >>> X, y = load_adult()
        >>> X.shape, y.value_counts().to_dict()
        ((48842, 14), {'<=50K': 37155, '>50K': 11687})
    """
    if download:
        from sklearn.datasets import fetch_openml

        bunch = fetch_openml("adult", version=2, as_frame=True)
        return bunch.data, bunch.target
    path = _adult_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"load_adult: no data file at {path}; reinstall course_utils "
            "(pip install -e . in the repository) or call load_adult(download=True)"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != ADULT_SHA256:
        raise ValueError(
            f"load_adult: {path} has SHA-256 {digest}, expected {ADULT_SHA256}; the file is "
            "damaged or not the published one: reinstall course_utils or call "
            "load_adult(download=True)"
        )
    with gzip.open(path, "rt", encoding="utf-8") as file:
        frame = pd.read_csv(file, dtype={name: "category" for name in (*ADULT_CATEGORICAL, "class")})
    return frame.drop(columns="class"), frame["class"]
