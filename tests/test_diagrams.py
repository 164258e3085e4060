"""The teaching diagrams: each draws, says in words what it shows, and draws facts torch agrees with."""

import base64
import re
import struct
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import pytest
import torch
from matplotlib.figure import Figure
from nbformat.v4 import new_markdown_cell, new_notebook
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn.utils.rnn import pack_sequence

from course_utils import diagrams

matplotlib.use("Agg")

ROOT = Path(__file__).parents[1]
NAMES = list(diagrams.DIAGRAMS)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 80_000


def texts(figure):
    """Every string drawn on ``figure``, in the order it was drawn."""
    return [text.get_text() for text in figure.axes[0].texts]


def png_size(png):
    """(width, height) in pixels, read from the PNG header."""
    assert png[:8] == PNG_SIGNATURE
    return struct.unpack(">II", png[16:24])


# --- every diagram ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_diagram_draws_a_figure_without_touching_pyplot(name):
    before, settings = plt.get_fignums(), dict(matplotlib.rcParams)
    figure = diagrams.DIAGRAMS[name]()
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 1 and not figure.axes[0].axison  # a picture, not a plot with axes
    assert len(texts(figure)) >= 5
    assert plt.get_fignums() == before, "a diagram must not open a pyplot figure"
    assert dict(matplotlib.rcParams) == settings


def test_the_diagrams_are_the_five_of_the_lessons():
    assert NAMES == ["broadcasting", "computational_graph", "mlp_shapes", "data_split", "packing"]
    assert all(callable(getattr(diagrams, name)) for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_diagram_has_a_precise_alt_text(name):
    alt = diagrams.ALT_TEXT[name]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", alt.strip()) if s]
    assert 1 <= len(sentences) <= 2, alt
    assert 80 <= len(alt) <= 450, f"{name}: {len(alt)} characters"
    assert "\n" not in alt and alt.endswith(".")
    assert not set(alt) & set("[]`"), "alt text must not hold Markdown link syntax"


def test_alt_texts_cover_exactly_the_diagrams():
    assert set(diagrams.ALT_TEXT) == set(diagrams.DIAGRAMS)


@pytest.mark.parametrize("name", NAMES)
def test_each_diagram_is_drawn_the_same_every_time(name):
    assert diagrams._png(name) == diagrams._png(name)


def test_write_all_writes_small_pngs(tmp_path):
    paths = diagrams.write_all(tmp_path / "out")
    assert [path.name for path in paths] == [f"{name}.png" for name in NAMES]
    for name, path in zip(NAMES, paths, strict=True):
        png = path.read_bytes()
        assert len(png) < MAX_BYTES, f"{path.name}: {len(png)} bytes"
        width, height = diagrams.DIAGRAMS[name]().get_size_inches() * diagrams.DPI
        assert png_size(png) == (round(width), round(height))
        assert b"Software" not in png, "no version in the file, so that it changes only with the picture"


def test_the_stored_pngs_exist_and_fit_the_size_limit():
    for name in NAMES:
        path = ROOT / "figures" / "diagrams" / f"{name}.png"
        assert path.is_file(), f"{path} is missing: run python -m course_utils.diagrams"
        png = path.read_bytes()
        assert len(png) < MAX_BYTES
        width, height = diagrams.DIAGRAMS[name]().get_size_inches() * diagrams.DPI
        assert png_size(png) == (round(width), round(height)), f"{name}: run python -m course_utils.diagrams"


def test_the_command_line_writes_every_diagram(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "course_utils.diagrams", "--folder", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(f"{name}.png" for name in NAMES)
    assert result.stdout.count(" kB)") == len(NAMES)


# --- markdown_image --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_markdown_image_gives_a_valid_attachment(name):
    source, attachments = diagrams.markdown_image(name)
    match = re.fullmatch(r"!\[(.+)\]\(attachment:(\w+\.png)\)", source)
    assert match, source
    alt, filename = match.groups()
    assert filename == f"{name}.png" and list(attachments) == [filename]
    assert re.sub(r"\\(.)", r"\1", alt) == diagrams.ALT_TEXT[name]  # escapes removed: the alt text
    assert not re.search(r"(?<!\\)[\[\]*_`]", alt), "Markdown markup in the alt text must be escaped"
    png = base64.b64decode(attachments[filename]["image/png"], validate=True)
    assert png == diagrams._png(name)

    notebook = new_notebook(cells=[new_markdown_cell(source, attachments=attachments)])
    nbformat.validate(notebook)
    again = nbformat.reads(nbformat.writes(notebook), as_version=4)
    nbformat.validate(again)
    assert again.cells[0].attachments == attachments


def test_markdown_image_rejects_an_unknown_name():
    with pytest.raises(ValueError, match=r"unknown diagram 'descent_steps'; choose one of \['broadcasting'"):
        diagrams.markdown_image("descent_steps")


# --- the facts drawn agree with torch ----------------------------------------------------------------


def test_broadcasting_draws_what_torch_computes():
    a = torch.tensor([[0], [10], [20]])  # (3, 1)
    b = torch.tensor([[0, 1, 2, 3]])  # (1, 4)
    result = a + b
    drawn = texts(diagrams.broadcasting())
    numbers = [text for text in drawn if text.isdigit()]
    assert numbers[:12] == [str(value) for value in a.expand(3, 4).flatten().tolist()]
    assert numbers[12:24] == [str(value) for value in b.expand(3, 4).flatten().tolist()]
    assert numbers[24:] == [str(value) for value in result.flatten().tolist()]
    assert f"a: shape {tuple(a.shape)}" in drawn and f"b: shape {tuple(b.shape)}" in drawn
    assert f"a + b: shape {tuple(result.shape)}" in drawn


def autograd_graph():
    """The leaves x and y and the tensors of z = (x*y + sin(x))**2, by the names the diagram uses."""
    x = torch.tensor(0.5, requires_grad=True)
    y = torch.tensor(2.0, requires_grad=True)
    a, s = x * y, torch.sin(x)
    t = a + s
    z = t**2
    return x, y, {"a": a, "s": s, "t": t, "z": z}


def test_computational_graph_names_the_grad_fns_torch_records():
    x, y, nodes = autograd_graph()
    for name, tensor in nodes.items():
        drawn = diagrams.GRAPH_NODES[name][0]
        assert f"grad_fn: {type(tensor.grad_fn).__name__}" in drawn, (name, tensor.grad_fn)
    assert x.grad_fn is None and y.grad_fn is None and x.is_leaf and y.is_leaf
    # the drawn arrows are the graph's edges: each node's inputs are its grad_fn's next functions
    for name, tensor in nodes.items():
        inputs = diagrams.GRAPH_NODES[name][2]
        parents = [function for function, _ in tensor.grad_fn.next_functions]
        expected = []
        for function in parents:
            if type(function).__name__ == "AccumulateGrad":
                expected.append("x" if function.variable is x else "y")
            else:
                expected.append(next(other for other, t in nodes.items() if t.grad_fn is function))
        assert sorted(inputs) == sorted(expected), name
    drawn = texts(diagrams.computational_graph())
    assert (
        sum(
            name in " ".join(drawn)
            for name in ("MulBackward0", "SinBackward0", "AddBackward0", "PowBackward0")
        )
        == 4
    )
    assert any("backward" in text and "reverse" in text for text in drawn)


def test_mlp_shapes_draws_the_shapes_of_a_real_sequential():
    model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    shapes = []
    for layer in model:
        layer.register_forward_hook(lambda module, args, output: shapes.append(tuple(output.shape)))
    with torch.no_grad():
        model(torch.zeros(7, 1))
    drawn = texts(diagrams.mlp_shapes())
    drawn_shapes = [text for text in drawn if text.startswith("(batch, ")]
    assert drawn_shapes == ["(batch, 1)"] + [f"(batch, {shape[1]})" for shape in shapes]
    assert all(shape[0] == 7 for shape in shapes)
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    expected = [f"weight {tuple(layer.weight.shape)}, bias {tuple(layer.bias.shape)}" for layer in linears]
    assert [text for text in drawn if text.startswith("weight")] == expected
    assert [text for text in drawn if re.fullmatch(r"nn\.\w+\([\d, ]*\)", text)] == [
        f"nn.Linear({layer.in_features}, {layer.out_features})"
        if isinstance(layer, nn.Linear)
        else "nn.ReLU()"
        for layer in model
    ]
    n_parameters = sum(parameter.numel() for parameter in model.parameters())
    assert any(f"{n_parameters:,} parameters" in text for text in drawn)
    assert f"{n_parameters:,} parameters" in diagrams.ALT_TEXT["mlp_shapes"]


def test_data_split_shares_are_those_of_lesson_05():
    rows = list(range(1000))
    train, test = train_test_split(rows, test_size=0.2, random_state=42)
    fit, validation = train_test_split(train, test_size=0.2, random_state=0)
    drawn = " ".join(texts(diagrams.data_split()))
    for part in (fit, validation, test):
        assert f"{round(100 * len(part) / len(rows))} %" in drawn
    assert "training rows only" in drawn and "ALL rows" in drawn and "test score" in drawn


def test_packing_draws_what_pack_sequence_stores():
    lengths = diagrams.PACKING_LENGTHS
    names = "abc"
    # step t of sequence i holds the number 10 * i + t, so that the packed data says where each came from
    sequences = [torch.tensor([10.0 * i + t for t in range(n)]) for i, n in enumerate(lengths)]
    packed = pack_sequence(sequences)
    order = [f"{names[int(value) // 10]}{int(value) % 10}" for value in packed.data.tolist()]
    drawn = texts(diagrams.packing())
    cells = [text for text in drawn if re.fullmatch(r"[abc]\d", text)]
    assert cells[-len(order) :] == order  # the packed row, time step by time step
    assert f"batch_sizes = {packed.batch_sizes.tolist()}" in drawn
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    assert drawn.count("pad") == len(lengths) * max(lengths) - sum(lengths)
    assert f"PackedSequence.data: ({len(packed.data)}, features)" in drawn
