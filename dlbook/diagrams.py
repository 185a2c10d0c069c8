"""The book's diagrams (neurons, layers, architectures) drawn on matplotlib, one family for all.

Every diagram of chapters 6 and 8 (Fig 6-22 ... 6-35, 8-1, 8-2, 8-3, 8-6, 8-9) is drawn with a
`Diagram`: the same font sizes, colours and arrows, so they read as one set. A script draws its
diagram from what it runs (layer sizes from its modules, numbers from its computation) and saves
it with `dlbook.figures.save_figure`; a test reads the words back with `texts(fig)` and checks
that none overlap with `overlapping_texts(fig)`.

Labels are the book's symbols and English (mathtext like "$w_5$" is fine): no CJK glyphs, which
many machines lack; the Chinese captions live in the page and the notebooks.
"""
from typing import NamedTuple

from matplotlib.patches import Circle, FancyBboxPatch

from .figures import plt

FONT = 10  # every label; titles one size up, small print (edge values) one down
INK = "#334"  # lines, arrows, text
COLOURS = {  # a node's fill by its role, the same in every diagram
    "input": "#dbe9f6", "hidden": "#dff0d8", "output": "#fde5c8", "sum": "#f2f2f2",
    "latent": "#eadcf3", "data": "#ffffff", "net": "#eef", "loss": "#fbe3e3",
}
HIGHLIGHT = "#c0392b"  # the path a figure is about (Fig 6-34's chain to w5, 6-35's to w1)


class Node(NamedTuple):
    patch: object  # the matplotlib patch arrows attach to
    x: float
    y: float


class Diagram:
    """A figure with data coordinates in centimetres-like units (equal aspect): place nodes by (x, y).

    `width` and `height` are the drawing's extent in those units; one unit is drawn 0.5 inch wide,
    so a 16 x 8 diagram is an 8 x 4 inch figure, readable at the page's width.
    """

    def __init__(self, width, height, title=None, scale=0.5):
        self.fig, self.ax = plt.subplots(figsize=(width * scale, height * scale))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        self.fig.subplots_adjust(0, 0, 1, 1)
        if title:
            self.ax.set_title(title, fontsize=FONT + 1, color=INK)

    def neuron(self, x, y, label="", role="hidden", r=0.45, fontsize=FONT):
        """A circle at (x, y) with `label` inside (a symbol: "$h_1$", "f", "Σ")."""
        patch = Circle((x, y), r, fc=COLOURS[role], ec=INK, lw=1.2, zorder=2)
        self.ax.add_patch(patch)
        if label:
            self.ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, color=INK, zorder=3)
        return Node(patch, x, y)

    def box(self, x, y, text, role="net", width=None, height=None, fontsize=FONT):
        """A rounded box centred at (x, y) holding `text`; sized to the text unless given."""
        lines = text.split("\n")
        width = width or max(len(line) for line in lines) * 0.16 * fontsize / FONT + 0.6
        height = height or len(lines) * 0.42 * fontsize / FONT + 0.4
        patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02,rounding_size=0.15",
                               fc=COLOURS[role], ec=INK, lw=1.2, zorder=2)
        self.ax.add_patch(patch)
        self.ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=3, linespacing=1.3)
        return Node(patch, x, y)

    def arrow(self, start, end, label=None, at=0.5, color=INK, offset=(0, 0.22), fontsize=FONT - 1, lw=1.1):
        """An arrow from node (or point) `start` to `end`, edge to edge; `label` sits at fraction `at`
        along it, nudged by `offset` and on a white ground so crossing lines never hide it."""
        a, b = (start.x, start.y) if isinstance(start, Node) else start, (end.x, end.y) if isinstance(end, Node) else end
        self.ax.annotate("", xy=b, xytext=a, zorder=1,
                         arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0, mutation_scale=12,
                                         patchA=getattr(start, "patch", None), patchB=getattr(end, "patch", None)))
        if label:
            x = a[0] + at * (b[0] - a[0]) + offset[0]
            y = a[1] + at * (b[1] - a[1]) + offset[1]
            self.label(x, y, label, color=color, fontsize=fontsize)

    def label(self, x, y, text, color=INK, fontsize=FONT, ha="center", va="center", ground=True, **kwargs):
        """Free text (a layer's name, a formula, a value); on a white ground unless ground=False."""
        box = dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.9) if ground else None
        return self.ax.text(x, y, text, ha=ha, va=va, fontsize=fontsize, color=color, bbox=box, zorder=4, **kwargs)

    def layer(self, x, ys, labels, role, r=0.45):
        """A column of neurons at x, one per label: a layer as the book draws it."""
        return [self.neuron(x, y, label, role, r) for y, label in zip(ys, labels)]


def column(n, centre, gap=1.6):
    """n positions spaced `gap` apart, centred on `centre`, top to bottom: a layer's y values."""
    return [centre + gap * ((n - 1) / 2 - i) for i in range(n)]


def linear_sizes(net):
    """The sizes an nn.Sequential of Linear layers maps through: [in, out1, out2, ...]."""
    import torch.nn as nn

    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    return [linears[0].in_features] + [m.out_features for m in linears]


def activations(net):
    """The names of the activation modules of `net`, in order (ReLU, LeakyReLU(0.2), Tanh, ...)."""
    import torch.nn as nn

    names = []
    for m in net.modules():
        if isinstance(m, nn.LeakyReLU):
            names.append(f"LeakyReLU({m.negative_slope:g})")
        elif isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid)):
            names.append(type(m).__name__)
    return names


def texts(fig):
    """Every string a figure shows (titles, labels, node text), for tests that tie a diagram to its numbers."""
    return [t.get_text() for t in fig.findobj(plt.Text) if t.get_text() and t.get_visible()]


def overlapping_texts(fig):
    """Pairs of texts whose drawn extents overlap (each string, as shown): [] for a clean diagram."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = [t for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()]
    boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.95, 0.9)) for t in shown]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


def layer_lines(net):
    """One line per Linear layer of `net` with the activation that follows it, "784 → 256, LeakyReLU(0.2)":
    a network's box in an architecture diagram (Figs 8-6, 8-9), read from the module itself."""
    sizes = linear_sizes(net)
    return [f"{a} → {b}, {act}" for (a, b), act in zip(zip(sizes, sizes[1:]), activations(net), strict=True)]


def linear_text(linear):
    """A Linear layer's sizes as a diagram shows them: "784 → 400"."""
    return f"{linear.in_features} → {linear.out_features}"
