"""Helpers shared by the notebooks of the PyTorch course.

Importing this package changes nothing: no seeding, no plotting style, no backend
flags. Each of those is an explicit call in a notebook's setup cell.
"""

from course_utils.context import expect_error, folded, num_threads
from course_utils.data import (
    cubic_wave,
    load_adult,
    make_cubic_wave_data,
    thermometer_readings,
)
from course_utils.device import get_device
from course_utils.plot import plot_fit, plot_losses, show, use_course_style
from course_utils.report import report_environment
from course_utils.seed import seed_everything
from course_utils.train import binary_accuracy, evaluate, fit, make_loader, progress, train_step

__version__ = "0.1.0"

#: Where Colab installs the course helpers from: the one place the address is recorded. A GitHub
#: repository ("OWNER/NAME") and a release tag or full commit hash in it, or None while unset.
#: ``python -m course_utils.tools.stamp --repository OWNER/NAME --revision TAG`` writes both here and
#: into every notebook's badge and setup cell.
REPOSITORY = None
REVISION = None

__all__ = [
    "REPOSITORY",
    "REVISION",
    "binary_accuracy",
    "cubic_wave",
    "evaluate",
    "expect_error",
    "fit",
    "folded",
    "get_device",
    "load_adult",
    "make_cubic_wave_data",
    "make_loader",
    "num_threads",
    "plot_fit",
    "plot_losses",
    "progress",
    "report_environment",
    "seed_everything",
    "show",
    "thermometer_readings",
    "train_step",
    "use_course_style",
]
