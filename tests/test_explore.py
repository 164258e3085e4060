"""The explorations: what each plain function prints, its bad inputs, and that each slider re-runs it."""

import math
import re
import time

import ipywidgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from torch.nn.utils.rnn import pad_sequence

import course_utils as cu
from course_utils import explore

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def printed_numbers(text):
    """The numbers in ``text``, skipping digits inside words such as "F1"."""
    return [float(number) for number in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", text)]


# --- descent_path ----------------------------------------------------------------------------------

DESCENT_002 = """\
learning rate 0.02, 20 steps from w = 1, b = 0
loss 80.36 at the start, 26.42 after 20 steps (least-squares minimum 2.93)
converges: each step multiplies the error along the steep direction by -0.213
(stable below 2 / largest curvature = 2 / 60.65 = 0.03298)
"""


def test_descent_path_prints_the_losses_and_the_verdict(capsys):
    ax = explore.descent_path(0.02)
    assert capsys.readouterr().out == DESCENT_002
    assert isinstance(ax, Axes)
    path = ax.get_lines()[0]
    assert len(path.get_xdata()) == 21 and (path.get_xdata()[0], path.get_ydata()[0]) == (1.0, 0.0)


def test_descent_path_says_when_a_learning_rate_diverges(capsys):
    explore.descent_path(0.034)
    out = capsys.readouterr().out
    assert "diverges: each step multiplies the error along the steep direction by -1.062" in out
    assert "loss 80.36 at the start, 583.94 after 20 steps" in out


def test_descent_path_stops_when_the_parameters_overflow(capsys):
    ax = explore.descent_path(0.04, steps=3000)
    out = capsys.readouterr().out
    assert "diverged: the parameters overflowed after" in out
    assert np.isfinite(ax.get_lines()[0].get_xdata()).all()


def test_descent_path_follows_the_autograd_gradient():
    celsius, unknown = cu.thermometer_readings()
    u, c = 0.1 * unknown.double(), celsius.double()
    params = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    for _ in range(20):
        loss = ((params[0] * u + params[1] - c) ** 2).mean()
        (gradient,) = torch.autograd.grad(loss, params)
        params = (params - 0.02 * gradient).detach().requires_grad_()
    path = explore.descent_path(0.02).get_lines()[0]
    assert path.get_xdata()[-1] == pytest.approx(params[0].item(), rel=1e-12)
    assert path.get_ydata()[-1] == pytest.approx(params[1].item(), rel=1e-12, abs=1e-12)


def test_descent_path_draws_on_the_axes_it_is_given(capsys):
    fig, ax = plt.subplots()
    assert explore.descent_path(0.01, steps=3, ax=ax) is ax
    assert plt.get_fignums() == [fig.number]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0,), "learning_rate must be positive and finite, got 0"),
        ((-0.01,), "learning_rate must be positive and finite"),
        ((math.inf,), "learning_rate must be positive and finite"),
        ((math.nan,), "learning_rate must be positive and finite"),
        (("0.01",), "learning_rate must be a number, got '0.01'"),
        ((0.01, 0), "steps must be an int of at least 1, got 0"),
        ((0.01, 2.5), "steps must be an int of at least 1, got 2.5"),
    ],
)
def test_descent_path_rejects_bad_input(arguments, message):
    with pytest.raises(ValueError, match=re.escape(f"descent_path: {message}")):
        explore.descent_path(*arguments)


# --- threshold_report ------------------------------------------------------------------------------

SMALL = ([0.1, 0.4, 0.35, 0.8, 0.7, 0.2], [0, 0, 1, 1, 1, 0])
SMALL_REPORT = """\
threshold 0.5: 2 of 6 rows flagged positive
precision 1.0000, recall 0.6667, F1 0.8000, accuracy 0.8333
          predicted 0  predicted 1
actual 0            3            0
actual 1            1            2
"""


@pytest.mark.parametrize(
    "convert",
    [list, np.array, torch.tensor, lambda values: torch.tensor(values, dtype=torch.float32)],
    ids=["list", "numpy", "tensor", "float32 tensor"],
)
def test_threshold_report_prints_the_metrics_and_the_confusion_matrix(capsys, convert):
    probabilities, labels = SMALL
    ax = explore.threshold_report(convert(probabilities), convert(labels), 0.5)
    assert capsys.readouterr().out == SMALL_REPORT
    assert [text.get_text() for text in ax.texts] == [
        "3\ntrue negatives",
        "0\nfalse positives",
        "1\nfalse negatives",
        "2\ntrue positives",
    ]


@pytest.mark.parametrize("threshold", [0.05, 0.3, 0.5, 0.77, 0.95])
def test_threshold_report_agrees_with_scikit_learn(capsys, threshold):
    generator = torch.Generator().manual_seed(0)
    probabilities = torch.rand(500, generator=generator)  # (500,)
    labels = (torch.rand(500, generator=generator) < probabilities).float()  # (500,) of 0.0 / 1.0
    explore.threshold_report(probabilities, labels, threshold)
    numbers = printed_numbers(capsys.readouterr().out)
    predicted = (probabilities >= threshold).numpy()
    precision, recall, f1, _ = precision_recall_fscore_support(labels.numpy(), predicted, average="binary")
    expected = [precision, recall, f1, accuracy_score(labels.numpy(), predicted)]
    assert numbers[3:7] == [round(value, 4) for value in expected]
    (true_neg, false_pos), (false_neg, true_pos) = confusion_matrix(labels.numpy(), predicted)
    assert numbers[-6:] == [0, true_neg, false_pos, 1, false_neg, true_pos]  # "actual 0 ...", "actual 1 ..."


def test_threshold_report_counts_an_empty_precision_as_zero(capsys):
    explore.threshold_report([0.1, 0.2], [0, 1], 0.9)
    assert "precision 0.0000, recall 0.0000, F1 0.0000, accuracy 0.5000" in capsys.readouterr().out


@pytest.mark.parametrize("threshold", [0, 1, -0.2, 1.5, 0.0, 1.0, math.nan, True, "0.5"])
def test_threshold_report_rejects_a_threshold_outside_zero_one(threshold):
    with pytest.raises(ValueError, match=r"threshold must be a number strictly between 0 and 1, got"):
        explore.threshold_report(*SMALL, threshold)


@pytest.mark.parametrize(
    ("probabilities", "labels", "message"),
    [
        ([0.2, 1.3], [0, 1], r"probabilities must lie in \[0, 1\]; if these are logits"),
        ([-2.0, 3.0], [0, 1], r"probabilities must lie in \[0, 1\]"),
        ([0.2, math.nan], [0, 1], r"probabilities must lie in \[0, 1\]"),
        ([0.2, 0.7], [0, 2], r"labels must be 0 or 1"),
        ([0.2, 0.7, 0.1], [0, 1], r"got 3 probabilities but 2 labels"),
        ([], [], r"probabilities must be 1-D and not empty, got shape \(0,\)"),
        ([[0.2, 0.7]], [[0, 1]], r"probabilities must be 1-D and not empty, got shape \(1, 2\)"),
        (["a", "b"], [0, 1], r"probabilities must hold numbers"),
    ],
)
def test_threshold_report_rejects_bad_probabilities_and_labels(probabilities, labels, message):
    with pytest.raises(ValueError, match=f"threshold_report: {message}"):
        explore.threshold_report(probabilities, labels, 0.5)


# --- padding_share and lognormal_lengths ------------------------------------------------------------

PADDING_REPORT = """\
8 sequences, 30 valid steps, batches of 2
in the given order: 46 slots after padding, padding share 0.3478
sorted by length:   34 slots after padding, padding share 0.1176
"""


@pytest.mark.parametrize(
    "convert", [list, tuple, np.array, torch.tensor], ids=["list", "tuple", "numpy", "tensor"]
)
def test_padding_share_prints_both_shares(capsys, convert):
    explore.padding_share(convert([5, 1, 4, 2, 8, 1, 3, 6]), batch_size=2)
    assert capsys.readouterr().out == PADDING_REPORT


def test_padding_share_counts_the_slots_pad_sequence_makes(capsys):
    lengths = explore.lognormal_lengths(50, 1.0, seed=3)
    explore.padding_share(lengths, 8)
    numbers = printed_numbers(capsys.readouterr().out)
    for order, slots, share in [(lengths, numbers[3], numbers[4]), (sorted(lengths), numbers[5], numbers[6])]:
        batches = [order[start : start + 8] for start in range(0, len(order), 8)]
        padded = sum(pad_sequence([torch.ones(n) for n in batch]).numel() for batch in batches)
        assert slots == padded
        assert share == round(1 - sum(lengths) / padded, 4)
    assert numbers[6] <= numbers[4]


def test_padding_share_has_no_padding_for_equal_lengths(capsys):
    explore.padding_share([7] * 10, 4)
    out = capsys.readouterr().out
    assert out.count("padding share 0.0000") == 2


@pytest.mark.parametrize(
    ("lengths", "batch_size", "message"),
    [
        ([], 4, "lengths is empty"),
        ([3, 0, 2], 4, r"lengths\[1\] is 0"),
        ([3, -2], 4, r"lengths\[1\] is -2"),
        ([3, 2.5], 4, r"lengths\[1\] is 2.5"),
        (torch.tensor([3.0, 2.0]), 4, r"lengths\[0\] is 3.0"),
        ([3, True], 4, r"lengths\[1\] is True"),
        ("345", 4, "lengths must be a list of whole numbers, got str"),
        (5, 4, "lengths must be a list of whole numbers, got int"),
        ([3, 2], 0, "batch_size must be an int of at least 1, got 0"),
        ([3, 2], 2.0, "batch_size must be an int of at least 1, got 2.0"),
    ],
)
def test_padding_share_rejects_bad_lengths(lengths, batch_size, message):
    with pytest.raises(ValueError, match=f"^padding_share: .*{message}"):
        explore.padding_share(lengths, batch_size)


def test_lognormal_lengths_are_reproducible_and_spread_with_the_slider():
    assert explore.lognormal_lengths(6, 0.8) == [69, 16, 3, 32, 8, 7]
    assert explore.lognormal_lengths(200, 0.8, seed=1) == explore.lognormal_lengths(200, 0.8, seed=1)
    assert explore.lognormal_lengths(5, 0.0) == [20] * 5
    spreads = [np.std(np.log(explore.lognormal_lengths(500, spread))) for spread in (0.2, 0.6, 1.0)]
    assert spreads == sorted(spreads)
    lengths = explore.lognormal_lengths(500, 3.0, max_length=50)
    assert min(lengths) == 1 and max(lengths) == 50


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_sequences": 0, "spread": 0.5}, "n_sequences must be an int of at least 1"),
        ({"n_sequences": 5, "spread": -0.1}, "spread must be at least 0"),
        ({"n_sequences": 5, "spread": math.nan}, "spread must be at least 0"),
        ({"n_sequences": 5, "spread": 0.5, "median": 200}, r"need 1 <= median <= max_length"),
    ],
)
def test_lognormal_lengths_rejects_bad_input(arguments, message):
    with pytest.raises(ValueError, match=f"lognormal_lengths: {message}"):
        explore.lognormal_lengths(**arguments)


# --- mlp_width -------------------------------------------------------------------------------------


def test_mlp_width_prints_the_fit_to_one_decimal(capsys):
    ax = explore.mlp_width(16, seed=1)
    assert capsys.readouterr().out == (
        "width 16 (49 parameters), seed 1, 500 Adam steps\n"
        "training MSE 109.4, MSE against the true function 52.8\n"
    )
    assert [line.get_label() for line in ax.get_lines()] == ["true function", "16 hidden units"]


def test_a_wider_mlp_fits_better(capsys):
    errors = {}
    for width in (2, 64):
        explore.mlp_width(width, seed=0)
        errors[width] = printed_numbers(capsys.readouterr().out)[-1]
    assert errors == {2: 811.1, 64: 56.6}


def test_mlp_width_leaves_the_global_random_state_and_threads_alone():
    torch.manual_seed(123)
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    explore.mlp_width(4, seed=5, steps=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def test_mlp_width_runs_in_under_a_second_on_one_thread():
    explore.mlp_width(128, seed=0, steps=5)  # the first optimizer of a process imports extra modules
    plt.close("all")
    start = time.process_time()
    explore.mlp_width(128, seed=0)
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0,), "width must be an int of at least 1, got 0"),
        ((-3,), "width must be an int of at least 1, got -3"),
        ((2.5,), "width must be an int of at least 1, got 2.5"),
        ((True,), "width must be an int of at least 1, got True"),
        ((8, "0"), "seed must be an int of at least 0, got '0'"),
        ((8, -1), "seed must be an int of at least 0, got -1"),
    ],
)
def test_mlp_width_rejects_bad_input(arguments, message):
    with pytest.raises(ValueError, match=re.escape(f"mlp_width: {message}")):
        explore.mlp_width(*arguments)


def test_mlp_width_rejects_zero_steps():
    with pytest.raises(ValueError, match="mlp_width: steps must be an int of at least 1, got 0"):
        explore.mlp_width(8, steps=0)


# --- the widgets -----------------------------------------------------------------------------------


def check_interactive(widget, descriptions):
    """The widget is an ipywidgets.interactive: sliders that update on release, then an Output."""
    assert isinstance(widget, ipywidgets.interactive)
    controls, output = widget.children[:-1], widget.children[-1]
    assert isinstance(output, ipywidgets.Output)
    assert [control.description for control in controls] == descriptions
    assert all(control.continuous_update is False for control in controls)
    return controls


def test_descent_path_widget_reruns_with_the_new_learning_rate(capsys, monkeypatch):
    widget = explore.descent_path_widget()
    assert "learning rate 0.01, 20 steps" in capsys.readouterr().out  # the first run, at the start value
    (slider,) = check_interactive(widget, ["learning rate"])
    assert (slider.min, slider.max, slider.value) == (0.001, 0.04, 0.01)
    slider.value = 0.02
    assert DESCENT_002 in capsys.readouterr().out
    calls = []
    monkeypatch.setattr(explore, "descent_path", lambda *args, **kwargs: calls.append(args))
    slider.value = 0.035
    assert calls == [(0.035, 20)]


def test_threshold_widget_reruns_with_the_new_threshold(capsys, monkeypatch):
    widget = explore.threshold_widget(*SMALL)
    assert capsys.readouterr().out.endswith(SMALL_REPORT)
    (slider,) = check_interactive(widget, ["threshold"])
    assert (slider.min, slider.max, slider.value) == (0.05, 0.95, 0.5)
    slider.value = 0.3
    out = capsys.readouterr().out
    assert "threshold 0.3: 4 of 6 rows flagged positive" in out
    calls = []
    monkeypatch.setattr(explore, "threshold_report", lambda *args, **kwargs: calls.append(args[2]))
    slider.value = 0.75
    assert calls == [0.75]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: explore.descent_path_widget(steps=0),
            "descent_path_widget: steps must be an int of at least 1",
        ),
        (
            lambda: explore.padding_widget(batch_size=0),
            "padding_widget: batch_size must be an int of at least 1",
        ),
        (lambda: explore.padding_widget(n_sequences=2.5), "padding_widget: n_sequences must be an int"),
        (lambda: explore.mlp_width_widget(steps=-5), "mlp_width_widget: steps must be an int of at least 1"),
    ],
)
def test_widget_builders_reject_bad_settings_at_once(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_threshold_widget_rejects_bad_data_at_once():
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        explore.threshold_widget([0.5, 0.6], [1, 3])


def test_padding_widget_reruns_with_the_new_spread(capsys, monkeypatch):
    widget = explore.padding_widget(n_sequences=32, batch_size=4)
    first = capsys.readouterr().out
    assert "32 sequences" in first and "batches of 4" in first
    (slider,) = check_interactive(widget, ["spread of the log-lengths"])
    slider.value = 0.0
    assert capsys.readouterr().out.count("padding share 0.0000") == 2  # equal lengths: no padding
    calls = []
    monkeypatch.setattr(
        explore, "padding_share", lambda lengths, batch_size: calls.append((lengths, batch_size))
    )
    slider.value = 1.2
    assert calls == [(explore.lognormal_lengths(32, 1.2), 4)]


def test_mlp_width_widget_reruns_with_the_new_width_and_seed(capsys, monkeypatch):
    widget = explore.mlp_width_widget(steps=20)
    assert "width 16 (49 parameters), seed 0, 20 Adam steps" in capsys.readouterr().out
    width, seed = check_interactive(widget, ["hidden units", "seed"])
    assert list(width.options) == [2, 4, 8, 16, 32, 64, 128]
    width.value = 64
    assert "width 64 (193 parameters), seed 0, 20 Adam steps" in capsys.readouterr().out
    calls = []
    monkeypatch.setattr(explore, "mlp_width", lambda width, seed, steps: calls.append((width, seed, steps)))
    seed.value = 3
    assert calls == [(64, 3, 20)]
