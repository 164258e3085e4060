"""Unit tests of course_utils' helpers, bad inputs included (the checks have their own files)."""

import gzip
import shutil

import matplotlib
import pytest
import torch
from sklearn.model_selection import train_test_split
from torch import nn

import course_utils as cu
from course_utils import data

matplotlib.use("Agg")


# --- device -----------------------------------------------------------------------------------


def test_get_device_defaults_to_an_available_device(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert cu.get_device().type == expected


def test_get_device_is_forced_by_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert cu.get_device() == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "tpu", "", "cuda0"])
def test_get_device_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="not a device"):
        cu.get_device(name or "  ")


def test_get_device_rejects_an_unknown_name_from_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    with pytest.raises(ValueError, match="COURSE_DEVICE='gpu'"):
        cu.get_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_get_device_explains_a_missing_cuda():
    with pytest.raises(RuntimeError, match="not available on this machine"):
        cu.get_device("cuda")


def test_get_device_rejects_a_cuda_index_out_of_range():
    with pytest.raises(RuntimeError):
        cu.get_device(f"cuda:{torch.cuda.device_count() + 3}")


def test_get_device_rejects_a_non_string():
    with pytest.raises(TypeError, match="name must be a str"):
        cu.get_device(0)


# --- seed ---------------------------------------------------------------------------------------


def test_seed_everything_returns_a_seeded_generator_and_seeds_globals():
    generator = cu.seed_everything(3)
    first = torch.rand(3, generator=generator), torch.rand(3)
    generator = cu.seed_everything(3)
    assert torch.equal(first[0], torch.rand(3, generator=generator))
    assert torch.equal(first[1], torch.rand(3))


def test_seed_everything_deterministic_mode_is_opt_in():
    cu.seed_everything(0, deterministic=True)
    assert torch.are_deterministic_algorithms_enabled()
    cu.seed_everything(0)
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize(
    "seed, error",
    [(-1, ValueError), (2**63, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)],
)
def test_seed_everything_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        cu.seed_everything(seed)


# --- report -------------------------------------------------------------------------------------


def test_report_environment_prints_every_version(capsys):
    info = cu.report_environment(torch.device("cpu"))
    printed = capsys.readouterr().out
    for name in ("python", "torch", "numpy", "pandas", "scikit-learn", "course_utils", "device"):
        assert name in info and info[name] in printed
    assert info["course_utils"] == cu.__version__


def test_report_environment_shows_the_cpu_capability_and_threads(capsys):
    info = cu.report_environment("cpu")
    rows = capsys.readouterr().out.splitlines()
    assert info["cpu capability"] == torch.backends.cpu.get_cpu_capability()
    assert info["threads"] == str(torch.get_num_threads())
    assert f"cpu capability  {info['cpu capability']}" in rows
    assert f"threads         {info['threads']}" in rows


def test_report_environment_rejects_a_bad_device():
    with pytest.raises(TypeError, match="device must be"):
        cu.report_environment(3)


# --- data ---------------------------------------------------------------------------------------


def test_thermometer_readings():
    celsius, unknown = cu.thermometer_readings()
    assert celsius.shape == unknown.shape == (11,)
    assert celsius[0].item() == 0.5 and unknown[-1].item() == pytest.approx(68.4)


def test_cubic_wave_data_is_reproducible_and_matches_its_definition():
    x, y = cu.make_cubic_wave_data(100, generator=torch.Generator().manual_seed(0))
    reference = torch.Generator().manual_seed(0)
    expected_x = 10 * torch.rand(100, generator=reference) - 5
    expected_y = cu.cubic_wave(expected_x) + 10 * torch.randn(100, generator=reference)
    assert torch.equal(x, expected_x) and torch.equal(y, expected_y)
    assert x.min() >= -5 and x.max() < 5
    x0, _ = cu.make_cubic_wave_data(5, noise_std=0.0)
    assert torch.equal(cu.make_cubic_wave_data(5, noise_std=0.0)[1], cu.cubic_wave(x0))


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n": 0}, ValueError),
        ({"n": 2.5}, ValueError),
        ({"noise_std": -1.0}, ValueError),
        ({"generator": 0}, TypeError),
    ],
)
def test_cubic_wave_data_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        cu.make_cubic_wave_data(**kwargs)


def test_cubic_wave_rejects_a_list():
    with pytest.raises(TypeError, match=r"x must be a torch\.Tensor"):
        cu.cubic_wave([1.0])


@pytest.fixture(scope="module")
def adult():
    return cu.load_adult()


def test_load_adult_matches_openml_adult_v2(adult):
    X, y = adult
    assert X.shape == (48842, 14)
    assert list(X.columns) == [
        "age",
        "workclass",
        "fnlwgt",
        "education",
        "education-num",
        "marital-status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
        "native-country",
    ]
    assert y.name == "class" and list(y.cat.categories) == ["<=50K", ">50K"]
    assert {str(X[c].dtype) for c in data.ADULT_CATEGORICAL} == {"category"}
    assert {str(X[c].dtype) for c in X.columns if c not in data.ADULT_CATEGORICAL} == {"int64"}
    missing = X.isna().sum()
    assert (missing["workclass"], missing["occupation"], missing["native-country"]) == (2799, 2809, 857)
    assert missing.sum() == 2799 + 2809 + 857
    # the first row is the first row of adult.test, as in OpenML's version 2
    assert (X.loc[0, "age"], X.loc[0, "workclass"], y[0]) == (25, "Private", "<=50K")


def test_load_adult_gives_the_published_split(adult):
    X, y = adult
    _, _, _, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    assert y_test.value_counts().to_dict() == {"<=50K": 7479, ">50K": 2290}


def test_load_adult_rejects_a_corrupted_file(tmp_path):
    damaged = tmp_path / "adult.csv.gz"
    with gzip.open(data._adult_path(), "rb") as source, gzip.open(damaged, "wb") as target:
        target.write(source.read().replace(b"Private", b"Privat", 1))
    with pytest.raises(ValueError, match="SHA-256"):
        cu.load_adult(damaged)


def test_load_adult_explains_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        cu.load_adult(tmp_path / "nowhere.csv.gz")


def test_load_adult_reads_an_intact_copy(tmp_path):
    copy = tmp_path / "adult.csv.gz"
    shutil.copy(data._adult_path(), copy)
    assert cu.load_adult(copy)[0].shape == (48842, 14)


def test_load_adult_stays_offline_by_default(monkeypatch, adult):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("load_adult opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert cu.load_adult()[0].shape == adult[0].shape


# --- train --------------------------------------------------------------------------------------


def _line_problem():
    inputs = torch.linspace(-1, 1, 32).view(-1, 1)
    return [(inputs[i : i + 8], 3 * inputs[i : i + 8] - 1) for i in range(0, 32, 8)]


def test_fit_learns_a_line_and_returns_a_history():
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    loader = _line_problem()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    history = cu.fit(
        model, loader, nn.MSELoss(), optimizer, epochs=60, device="cpu", val_loader=loader, progress=False
    )
    assert set(history) == {"train_loss", "val_loss"}
    assert len(history["train_loss"]) == len(history["val_loss"]) == 60
    assert history["val_loss"][-1] < 1e-3
    assert model.weight.item() == pytest.approx(3, abs=0.05)


def test_fit_reports_a_metric_as_a_fraction_and_steps_the_scheduler():
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    inputs = torch.linspace(-1, 1, 20).view(-1, 1)
    loader = [(inputs, (inputs > 0).float())]
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = cu.fit(
        model,
        loader,
        nn.BCEWithLogitsLoss(),
        optimizer,
        epochs=3,
        device="cpu",
        val_loader=loader,
        metric=cu.binary_accuracy,
        scheduler=scheduler,
        progress=False,
    )
    assert all(0 <= value <= 1 for value in history["val_metric"])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1.0 * 0.5**3)


@pytest.mark.parametrize("epochs", [0, -1, 2.0, True])
def test_fit_rejects_bad_epochs(epochs):
    model = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="epochs"):
        cu.fit(
            model,
            _line_problem(),
            nn.MSELoss(),
            torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=epochs,
            device="cpu",
            progress=False,
        )


def test_train_step_and_evaluate_reject_an_empty_loader():
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="no batches"):
        cu.train_step(model, [], nn.MSELoss(), optimizer, "cpu")
    with pytest.raises(ValueError, match="no batches"):
        cu.evaluate(model, [], nn.MSELoss(), "cpu")


def test_evaluate_does_not_track_gradients_and_sets_eval_mode():
    model = nn.Sequential(nn.Linear(1, 1), nn.Dropout(0.5))
    cu.evaluate(model, _line_problem(), nn.MSELoss(), "cpu")
    assert not model.training
    assert all(p.grad is None for p in model.parameters())


def test_make_loader_defaults_to_no_workers_and_seeded_shuffling():
    from torch.utils.data import TensorDataset

    data = TensorDataset(torch.arange(20.0), torch.arange(20.0))
    loader = cu.make_loader(data, batch_size=8)
    assert loader.num_workers == 0 and [len(b[0]) for b in loader] == [8, 8, 4]
    orders = [
        torch.cat(
            [
                b[0]
                for b in cu.make_loader(
                    data, batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(1)
                )
            ]
        )
        for _ in range(2)
    ]
    assert torch.equal(*orders) and not torch.equal(orders[0], torch.arange(20.0))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.0}, "batch_size"),
        ({"batch_size": 4, "shuffle": True}, "generator"),
    ],
)
def test_make_loader_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cu.make_loader([1, 2, 3], **kwargs)


def test_binary_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="squeeze"):
        cu.binary_accuracy(torch.zeros(4, 1), torch.zeros(4))


# --- plot ---------------------------------------------------------------------------------------


def test_plot_helpers_draw_on_the_given_axes():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    assert cu.plot_losses({"a": [1.0, 0.5], "b": [2.0, 1.0]}, ax=left) is left
    assert len(left.get_lines()) == 2
    grid = torch.linspace(0, 1, 4)
    assert cu.plot_fit(grid, grid, grid=grid, curves={"f": grid}, ax=right) is right
    assert len(plt.get_fignums()) == 1  # no figure opened behind the caller's back
    plt.close(fig)


def test_plot_helpers_reject_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        cu.plot_losses({})
    with pytest.raises(TypeError, match="ax must be"):
        cu.plot_losses({"a": [1.0]}, ax="left")
    with pytest.raises(ValueError, match="same length"):
        cu.plot_fit(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="grid"):
        cu.plot_fit(torch.zeros(3), torch.zeros(3), curves={"f": torch.zeros(3)})


# --- plots and progress bars as a notebook shows them ------------------------------------------------


def test_progress_redraws_one_line_without_timings_and_ends_at_the_last_full_step(capsys):
    for epoch in cu.progress(range(300), desc="epochs"):
        if epoch == 149:
            break
    lines = capsys.readouterr().out.replace("\r", "\n").split("\n")
    finished = [line for line in lines if line.strip()]
    assert finished[0] == "epochs:   0%|          | 0/300"
    assert finished[-1].startswith("epochs:  50%|") and finished[-1].endswith("| 149/300")  # kept
    assert not any("it/s" in line or "<" in line for line in finished)


@pytest.mark.parametrize("desc", ["", None, 3])
def test_progress_asks_what_is_counted(desc):
    with pytest.raises(ValueError, match="desc must say what is counted"):
        cu.progress(range(3), desc=desc)


@pytest.mark.parametrize(
    ("figure", "alt", "error"),
    [
        (None, "", ValueError),
        (None, "   ", ValueError),
        (None, None, ValueError),
        ("a figure", "A plot of x.", TypeError),
    ],
)
def test_show_needs_a_figure_and_a_description(figure, alt, error):
    with pytest.raises(error):
        cu.show(figure, alt=alt)
    matplotlib.pyplot.close("all")


def test_a_notebook_stores_each_plot_and_exploration_as_a_sharp_png_with_its_alt_text(tmp_path):
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(
        cells=[
            new_code_cell(
                "import matplotlib.pyplot as plt\nimport course_utils as cu\ncu.use_course_style()\n"
                "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot([1, 2, 3])\n"
                "cu.show(fig, alt='A rising straight line through three points.')"
            ),
            new_code_cell(
                "from course_utils import explore\nexplore.padding_widget(n_sequences=16, batch_size=4)"
            ),
        ]
    )
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    (plot,) = notebook.cells[0].outputs
    assert plot.data["text/plain"] == "A rising straight line through three points."
    assert plot.metadata["image/png"]["alt"] == plot.data["text/plain"]
    assert 300 <= plot.metadata["image/png"]["width"] <= 420  # 4 inches at 100 dpi, cropped to fit
    (exploration,) = notebook.cells[1].outputs  # what it prints goes into its Output widget
    assert {"image/png", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(exploration.data)
    assert exploration.data["text/plain"].endswith("(a slider: run the notebook to move it)")
    assert "16 sequences whose log-lengths spread by 0.8" in exploration.metadata["image/png"]["alt"]
