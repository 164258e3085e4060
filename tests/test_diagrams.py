"""The teaching diagrams: each draws, says in words what it shows, and draws facts torch agrees with."""

import base64
import io
import itertools
import math
import re
import struct
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.text import Annotation
from nbconvert import HTMLExporter
from nbformat.v4 import new_markdown_cell, new_notebook
from PIL import Image
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn.utils.rnn import pack_sequence

from course_utils import diagrams

matplotlib.use("Agg")

ROOT = Path(__file__).parents[1]
NAMES = list(diagrams.DIAGRAMS)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 80_000
MIN_TEXT_PX = 16  # the body text of a web page, in CSS pixels
MIN_CONTRAST = 4.5  # WCAG 2 level AA for normal text
OKABE_ITO = {"#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000"}
# how tests/test_notebooks.py finds a picture in a Markdown cell
NOTEBOOK_PICTURE = re.compile(r"!\[([^\]]*)\]\(attachment:([^)]+)\)")


def texts(figure):
    """Every string drawn on ``figure``, in the order it was drawn."""
    return [text.get_text() for text in figure.axes[0].texts]


def png_size(png):
    """(width, height) in pixels, read from the PNG header."""
    assert png[:8] == PNG_SIGNATURE
    return struct.unpack(">II", png[16:24])


def picture_cell(name):
    """A Markdown cell that shows diagram ``name``, made as the lessons make theirs."""
    source, attachments = diagrams.markdown_image(name)
    return new_markdown_cell(source, attachments=attachments)


def words(figure):
    """The text artists of ``figure`` that show words (an arrow is an empty annotation)."""
    return [text for text in figure.axes[0].texts if text.get_text()]


def arrows(figure):
    """The arrows of ``figure``: annotations with an arrow and no text."""
    return [text for text in figure.axes[0].texts if isinstance(text, Annotation) and text.arrow_patch]


def drawn_at(figure, dpi):
    """``figure`` drawn at ``dpi`` on an Agg canvas; returns the canvas."""
    figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas


def relative_luminance(rgb):
    """WCAG 2 relative luminance of sRGB colours (last axis: red, green, blue in 0..1)."""
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(first, second):
    """WCAG 2 contrast ratio of two sRGB colours (or arrays of them): from 1 to 21."""
    first, second = relative_luminance(first), relative_luminance(second)
    return (np.maximum(first, second) + 0.05) / (np.minimum(first, second) + 0.05)


def boxes(figure):
    """(left, bottom, right, top) in inches of every box, bar and cell drawn on ``figure``."""
    return [
        (patch.get_x(), patch.get_y(), patch.get_x() + patch.get_width(), patch.get_y() + patch.get_height())
        for patch in figure.axes[0].patches
        if isinstance(patch, FancyBboxPatch | Rectangle)
    ]


def on_edge(point, box, tolerance=1e-9):
    """Whether ``point`` lies on the outline of ``box`` (left, bottom, right, top)."""
    (x, y), (left, bottom, right, top) = point, box
    inside_x, inside_y = (
        left - tolerance <= x <= right + tolerance,
        bottom - tolerance <= y <= top + tolerance,
    )
    on_side = min(abs(x - left), abs(x - right)) <= tolerance and inside_y
    on_top_or_bottom = min(abs(y - bottom), abs(y - top)) <= tolerance and inside_x
    return on_side or on_top_or_bottom


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
        figure = diagrams.DIAGRAMS[name]()
        width, height = figure.get_size_inches() * diagrams.DPI
        assert png_size(png) == (round(width), round(height))
        assert png_size(png)[0] == 2 * diagrams.display_width(name), "twice the pixels of the 1x size"
        assert b"Software" not in png, "no version in the file, so that it changes only with the picture"
        with Image.open(io.BytesIO(png)) as image:
            colours = {to_hex(np.array(rgb) / 255) for _, rgb in image.convert("RGB").getcolors(2**24)}
        opaque = [patch for patch in figure.axes[0].patches if (patch.get_alpha() or 1) == 1]
        fills = {to_hex(patch.get_facecolor()) for patch in opaque}
        assert fills, name
        assert fills <= colours, f"{name}: the palette of the file changed a fill: {fills - colours}"


def test_the_files_have_twice_the_pixels_of_the_1x_size():
    assert diagrams.DPI == 2 * diagrams.DISPLAY_DPI == 200


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
    match = re.fullmatch(
        r'<div style="max-width: (\d+)px">\n\n!\[(.+)\]\(attachment:(\w+\.png)\)\n\n</div>', source
    )
    assert match, source
    width, alt, filename = match.groups()
    assert filename == f"{name}.png" and list(attachments) == [filename]
    assert re.sub(r"\\(.)", r"\1", alt) == diagrams.ALT_TEXT[name]  # escapes removed: the alt text
    assert not re.search(r"(?<!\\)[\[\]*_`<>]", alt), "Markdown markup in the alt text must be escaped"
    assert [m.groups() for m in NOTEBOOK_PICTURE.finditer(source)] == [(alt, filename)]
    png = base64.b64decode(attachments[filename]["image/png"], validate=True)
    assert png == diagrams._png(name)
    # shown at its 1x size: the file has twice the pixels of the width the cell gives it
    figure_width = diagrams.DIAGRAMS[name]().get_figwidth()
    assert int(width) == diagrams.display_width(name) == round(figure_width * diagrams.DISPLAY_DPI)
    assert png_size(png)[0] == 2 * int(width)

    notebook = new_notebook(cells=[new_markdown_cell(source, attachments=attachments)])
    nbformat.validate(notebook)
    again = nbformat.reads(nbformat.writes(notebook), as_version=4)
    nbformat.validate(again)
    assert again.cells[0].attachments == attachments


def test_markdown_image_exports_to_html_as_an_image_of_its_1x_width():
    cells = [picture_cell(name) for name in NAMES]
    html, _ = HTMLExporter().from_notebook_node(new_notebook(cells=cells))
    for name, cell in zip(NAMES, cells, strict=True):
        data = cell.attachments[f"{name}.png"]["image/png"]
        image = re.search(
            rf'<div style="max-width: {diagrams.display_width(name)}px">\s*<p><img alt="([^"]+)" '
            rf'src="data:image/png;base64,{re.escape(data)}"',
            html,
        )
        assert image, name
        assert image.group(1) == diagrams.ALT_TEXT[name].replace("&", "&amp;")


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


def make_mlp(n_hidden=10):
    """The network lesson 04 builds with ``make_mlp()``, next to the picture."""
    return nn.Sequential(
        nn.Linear(1, n_hidden), nn.ReLU(),
        nn.Linear(n_hidden, n_hidden), nn.ReLU(),
        nn.Linear(n_hidden, n_hidden), nn.ReLU(),
        nn.Linear(n_hidden, 1),
    )  # fmt: skip


def test_mlp_shapes_draws_the_shapes_of_a_real_sequential():
    model = make_mlp()
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
    for layer in linears:
        assert f"Linear({layer.in_features}, {layer.out_features})" in diagrams.ALT_TEXT["mlp_shapes"]


def test_mlp_shapes_draws_the_network_lesson_04_prints_before_it():
    cells = nbformat.read(ROOT / "notebooks" / "04_mlp_regression.ipynb", as_version=4).cells
    picture = next(i for i, cell in enumerate(cells) if "mlp_shapes.png" in cell.get("attachments", {}))
    printed = next(
        text
        for cell in reversed(cells[:picture])
        if cell.cell_type == "code"
        for text in ["".join(output.get("text", "") for output in cell.outputs)]
        if text.startswith("Sequential(")
    )
    linears = [
        tuple(map(int, pair))
        for pair in re.findall(r"Linear\(in_features=(\d+), out_features=(\d+)", printed)
    ]
    assert [n_out for _, n_out in linears[:-1]] == [n_in for n_in, _ in linears[1:]]
    assert (linears[0][0], *(n_out for _, n_out in linears)) == diagrams.MLP_SIZES
    assert printed.count("ReLU()") == len(linears) - 1 == len(diagrams.MLP_SIZES) - 2
    assert str(make_mlp()) == printed.strip()


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


# --- legible for everyone: size, contrast, colour, layout ---------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_text_is_at_least_16_px_at_the_1x_size(name):
    figure = diagrams.DIAGRAMS[name]()
    for text in words(figure):
        pixels = text.get_fontsize() * diagrams.DISPLAY_DPI / 72
        assert pixels >= MIN_TEXT_PX, f"{name}: {text.get_text()!r} is {pixels:.1f} px at the 1x size"
    # and drawn so: at the 1x size a line of text is at least 16 px high
    canvas = drawn_at(figure, diagrams.DISPLAY_DPI)
    for text in words(figure):
        lines = text.get_text().count("\n") + 1
        height = text.get_window_extent(canvas.get_renderer()).height
        assert height / lines >= MIN_TEXT_PX, f"{name}: {text.get_text()!r} is {height / lines:.1f} px high"


@pytest.mark.parametrize("name", NAMES)
def test_every_text_has_a_contrast_of_at_least_4_5_against_what_lies_behind_it(name):
    figure = diagrams.DIAGRAMS[name]()
    canvas = drawn_at(figure, diagrams.DPI)
    shown = [(text, text.get_window_extent(canvas.get_renderer())) for text in words(figure)]
    for text, _ in shown:
        text.set_visible(False)
    canvas.draw()
    behind = np.asarray(canvas.buffer_rgba())[..., :3] / 255  # the picture without its texts
    height = behind.shape[0]
    for text, box in shown:
        rows = slice(math.floor(height - box.y1), math.ceil(height - box.y0))
        columns = slice(math.floor(box.x0), math.ceil(box.x1))
        background = behind[rows, columns].reshape(-1, 3)
        assert len(background), text.get_text()
        *colour, alpha = to_rgba(text.get_color(), text.get_alpha())
        foreground = alpha * np.array(colour) + (1 - alpha) * background
        worst = contrast_ratio(foreground, background).min()
        assert worst >= MIN_CONTRAST, f"{name}: {text.get_text()!r} has a contrast of {worst:.2f}:1"


def test_the_contrast_ratio_is_that_of_wcag():
    assert contrast_ratio(to_rgb("black"), to_rgb("white")) == pytest.approx(21)
    assert contrast_ratio(to_rgb("#777777"), to_rgb("white")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(to_rgb("#0072B2"), to_rgb("white")) == pytest.approx(5.19, abs=0.01)


@pytest.mark.parametrize("name", NAMES)
def test_every_colour_is_okabe_ito_or_a_grey(name):
    axes = diagrams.DIAGRAMS[name]().axes[0]
    colours = [text.get_color() for text in axes.texts]
    colours += [colour for patch in axes.patches for colour in (patch.get_facecolor(), patch.get_edgecolor())]
    colours += [line.get_color() for line in axes.lines]
    colours += [arrow.arrow_patch.get_edgecolor() for arrow in arrows(axes.figure)]
    for colour in map(to_hex, colours):
        red, green, blue = to_rgb(colour)
        assert colour in OKABE_ITO or red == green == blue, f"{name}: {colour}"


@pytest.mark.parametrize("name", NAMES)
def test_texts_stay_inside_the_picture_and_apart(name):
    figure = diagrams.DIAGRAMS[name]()
    canvas = drawn_at(figure, diagrams.DPI)
    shown = [(text.get_text(), text.get_window_extent(canvas.get_renderer())) for text in words(figure)]
    for text, box in shown:
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1, f"{name}: {text!r} runs off the side"
        assert figure.bbox.y0 <= box.y0 and box.y1 <= figure.bbox.y1, f"{name}: {text!r} runs off the edge"
    for (first, first_box), (second, second_box) in itertools.combinations(shown, 2):
        assert not first_box.overlaps(second_box), f"{name}: {first!r} overlaps {second!r}"


#: Arrows whose head points at no box: the one to the word "output", and the one that says "pack".
FREE_ARROW_HEADS = {
    "broadcasting": 0,
    "computational_graph": 0,
    "mlp_shapes": 1,
    "data_split": 0,
    "packing": 1,
}


@pytest.mark.parametrize("name", NAMES)
def test_arrow_heads_touch_their_boxes(name):
    figure = diagrams.DIAGRAMS[name]()
    free = [arrow.xy for arrow in arrows(figure) if not any(on_edge(arrow.xy, box) for box in boxes(figure))]
    assert len(free) == FREE_ARROW_HEADS[name], f"{name}: arrow heads touching no box: {free}"


def test_the_graph_arrows_run_from_box_to_box_and_backward_reaches_both_leaves():
    figure = diagrams.computational_graph()
    forward = [arrow for arrow in arrows(figure) if to_hex(arrow.arrow_patch.get_edgecolor()) == "#000000"]
    backward = [arrow for arrow in arrows(figure) if to_hex(arrow.arrow_patch.get_edgecolor()) == "#d55e00"]
    assert len(forward) == sum(len(inputs) for _, _, inputs in diagrams.GRAPH_NODES.values())
    for arrow in forward:  # solid, from the right side of one box to the left side of another
        assert arrow.arrow_patch.get_linestyle() == "-"
        assert any(on_edge(arrow.xyann, box) for box in boxes(figure))
        assert any(on_edge(arrow.xy, box) for box in boxes(figure))
    width = diagrams.LEAF_SIZE[0]
    leaves = [(x - width / 2, y) for _, (x, y), inputs in diagrams.GRAPH_NODES.values() if not inputs]
    assert len(leaves) == 2 and sorted(arrow.xy for arrow in backward) == sorted(leaves)
    assert all(arrow.arrow_patch.get_linestyle() == "--" for arrow in backward)
    (path,) = [line for line in figure.axes[0].lines if to_hex(line.get_color()) == "#d55e00"]
    assert path.get_linestyle() == "--"
    z_x, z_y = diagrams.GRAPH_NODES["z"][1]
    start = tuple(path.get_xydata()[0])
    assert start == pytest.approx((z_x, z_y - diagrams.OPERATION_SIZE[1] / 2)), "backward starts at z"
    assert {arrow.xyann[0] for arrow in backward} == {path.get_xydata()[-1][0]}, "one rail feeds both leaves"


def test_the_computational_graph_says_a_box_is_an_operation_and_an_arrow_a_tensor():
    (title,) = [text for text in texts(diagrams.computational_graph()) if text.startswith("forward")]
    assert "box" in title and "one operation" in title and "arrow carries a tensor" in title
    assert "blue" not in title, "the title names no colour: the picture must not need one"


def test_the_two_ways_of_data_split_differ_in_more_than_colour():
    figure = diagrams.data_split()
    lines = figure.axes[0].lines
    brackets = {
        (to_hex(line.get_color()), line.get_linestyle()) for line in lines if len(line.get_xdata()) == 4
    }
    assert brackets == {("#0072b2", "-"), ("#d55e00", "--")}, "solid against dashed, not colour alone"
    ticks = [line for line in lines if len(line.get_xdata()) == 3]
    crosses = [line for line in lines if len(line.get_xdata()) == 2]
    assert len(ticks) == 1 and len(crosses) == 2, "a tick marks the right way, a cross the leak"
    (tick,) = ticks
    labels = {text.get_text(): text.get_position()[1] for text in words(figure)}
    assert min(tick.get_ydata()) < labels["no leakage"] < max(tick.get_ydata())
    assert all(min(line.get_ydata()) < labels["leakage"] < max(line.get_ydata()) for line in crosses)
    wrong = [arrow for arrow in arrows(figure) if to_hex(arrow.arrow_patch.get_edgecolor()) == "#d55e00"]
    assert len(wrong) == 1 and wrong[0].arrow_patch.get_linestyle() == "--"


def test_broadcast_copies_are_faded_but_legible():
    figure = diagrams.broadcasting()
    faded = [patch for patch in figure.axes[0].patches if (patch.get_alpha() or 1) < 1]
    assert len(faded) == (12 - 3) + (12 - 4) and all(patch.get_linestyle() == "--" for patch in faded)
    copies = [text for text in words(figure) if to_hex(text.get_color()) == to_hex(diagrams.FADED_INK)]
    assert len(copies) == len(faded)
    assert contrast_ratio(to_rgb(diagrams.FADED_INK), to_rgb("white")) >= MIN_CONTRAST
