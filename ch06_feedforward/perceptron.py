"""6.4.1-6.4.3: the MP neuron, the perceptron and its limit (XOR), and a hidden layer that solves XOR.

NumPy only. Default run: the book's example; --max-epochs changes how long the perceptron tries XOR.

    python ch06_feedforward/perceptron.py
"""
import numpy as np

import dlbook.cli
from dlbook import manifest
from dlbook.console import Console
from dlbook.device import numpy_device
from dlbook.diagrams import Diagram, column
from dlbook.figures import plt, save_figure

# The four inputs of table 6-2, one sample per row, and the targets of each logic gate.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}

# The MP neuron example of 6.4.1: three inputs, their weights and the bias (printed and drawn in Fig 6-23).
MP_X = np.array([1, 0, 1])
MP_W = np.array([0.5, -0.4, 0.3])
MP_B = -0.6

# The hand-set weights of 6.4.3: hidden layer W, c; output layer w, b.
W = np.array([[1, 1], [1, 1]])
C = np.array([0, -1])
W_OUT = np.array([1, -2])
B_OUT = 0


def parse_args(argv=None):
    parser = dlbook.cli.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=dlbook.cli.positive_int, default=100,
                        help="epochs the perceptron rule may take per gate (default 100)")
    parser.add_argument("--lr", type=float, default=0.1, help="perceptron learning rate (default 0.1)")
    return dlbook.cli.parse_args(parser, argv)


def show(name, matrix):
    print(f"{name} =")
    for row in np.atleast_2d(matrix):
        print("    [" + " ".join(f"{v:3g}" for v in row) + "]")


# ---- 6.4.1 The MP neuron: z = w·x + b, y = f(z) with a step activation ----

def step(z):
    # The neuron fires (1) only when the weighted sum is above the threshold folded into b.
    return (np.asarray(z) > 0).astype(int)


def mp_neuron(x, w, b):
    z = x @ w + b
    return z, step(z)


# ---- 6.4.2 The perceptron: learn w and b, and its limit ----

def train_perceptron(X, t, rng, lr=0.1, max_epochs=100):
    """Rosenblatt's rule w += lr·(t - y)·x, b += lr·(t - y), one sample at a time.

    Returns (w, b, epochs, converged): converged means one whole epoch made no mistake.
    """
    w = rng.uniform(-0.5, 0.5, size=X.shape[1])
    b = rng.uniform(-0.5, 0.5)
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        # A fresh order each epoch, so the seed decides which line the rule ends on.
        for i in rng.permutation(len(X)):
            error = t[i] - step(X[i] @ w + b)
            if error:
                w = w + lr * error * X[i]
                b = b + lr * error
                mistakes += 1
        if mistakes == 0:
            return w, b, epoch, True
    return w, b, max_epochs, False


# ---- 6.4.3 A hidden layer solves XOR ----

def relu(z):
    return np.maximum(0, z)


def xor_network(X, W=W, c=C, w=W_OUT, b=B_OUT):
    """The hand-set 2-2-1 network, step by step in matrix form: returns every intermediate."""
    xw = X @ W
    xw_c = xw + c
    hidden = relu(xw_c)
    output = hidden @ w + b
    return xw, xw_c, hidden, output


# ---- Figures ----

def signed(v, spec):
    """' + 0.3' or ' - 0.6': a term of a written-out sum, its number formatted by `spec`."""
    return f" {'-' if v < 0 else '+'} {abs(v):{spec}}"


def draw_linear_neuron(w, b, gate="AND"):
    """Fig 6-22: a linear model z = w·x + b drawn as one neuron, with the weights the perceptron learned."""
    d = Diagram(13, 7, f"Fig 6-22  A linear model as one neuron: the weights the perceptron learned for {gate}")
    inputs = d.layer(1.5, column(3, 3.6, 1.9), ["$x_1$", "$x_2$", "1"], "input")
    total = d.neuron(7, 3.6, "Σ", "sum", r=0.55, fontsize=14)
    output = d.neuron(11.2, 3.6, "$o$", "output")
    for node, text in zip(inputs, [f"$w_1$ = {w[0]:.2f}", f"$w_2$ = {w[1]:.2f}", f"b = {b:.2f}"]):
        d.arrow(node, total, text, at=0.42)
    d.arrow(total, output, "z")
    d.label(6.5, 1.2, f"z = w·x + b = {w[0]:.2f} $x_1${signed(w[1], '.2f')} $x_2${signed(b, '.2f')}")
    # The four inputs' z show the gate: it outputs 1 where z > 0.
    z = X @ w + b
    d.label(6.5, 0.45, f"z at x = (0,0), (0,1), (1,0), (1,1): " + ", ".join(f"{v:.2f}" for v in z) + f"  ({gate}: z > 0)",
            fontsize=9)
    return d.fig


def draw_mp_neuron(x, w, b):
    """Fig 6-23: the MP neuron, three weighted inputs summed, then the step activation f: y = f(z)."""
    z, y = mp_neuron(x, w, b)
    d = Diagram(15, 7.5, "Fig 6-23  The MP neuron: weighted sum, then the activation f (a step)")
    ys = column(len(x), 4.2, 1.9)
    inputs = [d.box(1.3, yy, f"$x_{i + 1}$ = {v:g}", "input") for i, (yy, v) in enumerate(zip(ys, x))]
    total = d.neuron(6.8, 4.2, "Σ", "sum", r=0.55, fontsize=14)
    for i, (node, weight) in enumerate(zip(inputs, w)):
        d.arrow(node, total, f"$w_{i + 1}$ = {weight:g}", at=0.45)
    d.arrow((6.8, 1.9), total, f"b = {b:g}", at=0.0, offset=(0, -0.25))
    f = d.neuron(10, 4.2, "f", "output", r=0.55, fontsize=13)
    d.arrow(total, f, f"z = {z:.1f}")
    d.arrow(f, (13.6, 4.2), f"y = f(z) = {y}", at=0.55, offset=(0, 0.3))
    d.label(10, 3.05, "f(z) = 1 if z > 0, else 0", fontsize=9)
    terms = "".join(signed(wi, "g") + f"·{xi:g}" for wi, xi in zip(w, x)).removeprefix(" + ").strip()
    d.label(7.5, 0.5, f"z = w·x + b = {terms}{signed(b, 'g')} = {z:.1f}")
    return d.fig


def draw_perceptron(results):
    """Fig 6-24: the perceptron, an input layer that passes x on and an output layer of neurons that
    compute Y = f(WX + b); one output neuron per gate the rule learned, each edge its learned weight."""
    learned = {name: (w, b) for name, (w, b, epochs, converged) in results.items() if converged}
    left_out = [name for name in results if name not in learned]
    d = Diagram(16, 10, "Fig 6-24  The perceptron: one output neuron per gate it learned, W and b as learned")
    centre = 6
    inputs = d.layer(2, column(2, centre, 2.6), ["$x_1$", "$x_2$"], "input")
    outputs = d.layer(9, column(len(learned), centre, 2.3), ["f"] * len(learned), "output")
    for i, ((name, (w, b)), node) in enumerate(zip(learned.items(), outputs)):
        for j, source in enumerate(inputs):
            # Labels near the output end, where the edges into one neuron are apart.
            d.arrow(source, node, f"{w[j]:.2f}", at=0.72, offset=(0, 0.18))
        d.arrow(node, (11.4, node.y))
        d.label(11.5, node.y, f"$y_{i + 1}$ ({name}), b = {b:.2f}", ha="left")
    bottom = centre - 2.3 * (len(learned) - 1) / 2 - 1.3
    d.label(2, bottom, "input layer\n(passes x on)")
    d.label(9, bottom, "output layer\n(computes f(z))")
    rows = "\n".join(f"[{w[0]:6.2f} {w[1]:6.2f}]  [{b:6.2f}]" for w, b in learned.values())
    d.label(13.6, bottom - 0.4, "Y = f(WX + b)\n\n      W          b\n" + rows, fontsize=9, family="monospace")
    if left_out:
        d.label(5.5, 9.2, "not drawn (did not converge): " + ", ".join(left_out), fontsize=9)
    return d.fig


def draw_multilayer_network(W, c, w):
    """Fig 6-25: input, hidden and output layers with W(1) and W(2); the sizes read from the XOR
    network's arrays (X @ W, so W is inputs x hidden; w is hidden, or hidden x outputs)."""
    sizes = [W.shape[0], W.shape[1], 1 if np.ndim(w) == 1 else w.shape[1]]
    assert len(c) == sizes[1] and len(w) == sizes[1], "c and w must match W's hidden units"
    # Room below the tallest layer for its name and the formulas, above it for W's names.
    centre = 1.5 * max(sizes) / 2 + 2.3
    d = Diagram(13, centre + 1.5 * max(sizes) / 2 + 1.1, "Fig 6-25  A multilayer network: input, hidden and output layers")
    names = [("x", "input", "input X"), ("h", "hidden", "hidden H"), ("o", "output", "output O")]
    layers = [d.layer(2 + 4.5 * k, column(n, centre, 1.5), [f"${s}_{i + 1}$" for i in range(n)], role)
              for k, (n, (s, role, _)) in enumerate(zip(sizes, names))]
    for k, (a, b) in enumerate(zip(layers, layers[1:])):
        for source in a:
            for target in b:
                d.arrow(source, target)
        d.label(4.25 + 4.5 * k, centre + 1.5 * max(len(a), len(b)) / 2 + 0.6, f"$W^{{({k + 1})}}$")
    low = centre - 1.5 * max(sizes) / 2 - 0.2
    for k, (n, (_, _, name)) in enumerate(zip(sizes, names)):
        d.label(2 + 4.5 * k, low, f"{name}\n{n} unit{'s' * (n != 1)}")
    d.label(6.5, 0.5, "H = f($W^{(1)}$X),   O = f($W^{(2)}$H)")
    return d.fig


def draw_xor_network(W, c, w, b):
    """Fig 6-27: the network that solves XOR, left every weight, right the vector form, below it the
    hidden values H and outputs y that xor_network computes for the four inputs."""
    _, _, hidden, output = xor_network(X, W, c, w, b)
    d = Diagram(19, 8.3, "Fig 6-27  The network that solves XOR: detailed (left) and vector form (right)")
    xs = d.layer(1.2, [6.1, 2.5], ["$x_1$", "$x_2$"], "input")
    hs = d.layer(5.6, [6.1, 2.5], ["$h_1$", "$h_2$"], "hidden")
    y = d.neuron(9.6, 4.3, "y", "output")
    for i, source in enumerate(xs):
        for j, target in enumerate(hs):
            # Straight edges labelled mid-way, crossing ones near their start, so no two labels meet.
            at = 0.5 if i == j else 0.25
            d.arrow(source, target, f"$W_{{{i + 1}{j + 1}}}$ = {W[i][j]:g}", at=at)
        d.arrow(hs[i], y, f"$w_{i + 1}$ = {w[i]:g}", at=0.45, offset=(0, 0.3) if i == 0 else (0, -0.3))
    d.label(5.6, 6.95, f"$c_1$ = {c[0]:g}", fontsize=9)
    d.label(5.6, 1.65, f"$c_2$ = {c[1]:g}", fontsize=9)
    d.label(9.6, 3.45, f"b = {b:g}", fontsize=9)
    d.label(5.4, 0.6, "h = max{0, z}  (ReLU),   y = w·h + b", fontsize=9)
    # The vector form.
    top = 7.3
    boxes = [d.box(x, top, name, "input" if name == "X" else "hidden" if name == "H" else "output", width=1.1)
             for x, name in [(12.2, "X"), (15, "H"), (17.8, "y")]]
    d.arrow(boxes[0], boxes[1], "W, c")
    d.arrow(boxes[1], boxes[2], "w, b")
    d.label(15, 6.1, "H = max{0, XW + c},   y = Hw + b", fontsize=9)
    rows = [" x1 x2 |   h1   h2 |    y"] + [f"{x1:3g}{x2:3g} |{h1:5g}{h2:5g} |{yy:5g}"
                                       for (x1, x2), (h1, h2), yy in zip(X, hidden, output)]
    d.label(15, 4.3, "H and y for the four inputs of table 6-2:", fontsize=9)
    d.label(15, 3.0, "\n".join(rows), family="monospace", fontsize=10)
    return d.fig

def plot_xor(out):
    fig, ax = plt.subplots(figsize=(4, 4))
    plot_points(ax, X, GATES["XOR"])
    ax.set_title("XOR (table 6-2): circles = 0, squares = 1")
    ax.legend(loc="center")
    return save_figure(fig, out, "fig6-26_xor.png")


def plot_points(ax, points, labels):
    for label, marker in ((0, "o"), (1, "s")):
        chosen = points[labels == label]
        ax.scatter(chosen[:, 0], chosen[:, 1], marker=marker, s=140, facecolors="white" if label == 0 else "black",
                   edgecolors="black", linewidths=1.5, label=f"output {label}", zorder=3)
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")


def plot_gates(out, results):
    fig, axes = plt.subplots(1, 4, figsize=(15, 4))
    grid = np.linspace(-0.5, 1.5, 201)
    g1, g2 = np.meshgrid(grid, grid)
    for ax, (name, (w, b, epochs, converged)) in zip(axes, results.items()):
        z = w[0] * g1 + w[1] * g2 + b
        ax.contourf(g1, g2, step(z), levels=[-0.5, 0.5, 1.5], colors=["#dde8f7", "#f7e0d2"])
        ax.contour(g1, g2, z, levels=[0], colors="tab:red", linewidths=2)
        plot_points(ax, X, GATES[name])
        if converged:
            ax.set_title(f"{name}: learned line after {epochs} epochs")
        elif name == "XOR":
            ax.set_title(f"{name}: no line separates it\n(last line after {epochs} epochs)")
        else:
            ax.set_title(f"{name}: not converged in {epochs} epochs")
    fig.suptitle("Perceptron decision lines (red); shading = the perceptron's output (blue 0, orange 1)")
    return save_figure(fig, out, "perceptron_gates.png")


def plot_hidden_space(out, hidden):
    fig, ax = plt.subplots(figsize=(4.5, 4))
    plot_points(ax, hidden, GATES["XOR"])
    ax.set_xlim(-0.5, 2.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_xticks([0, 1, 2])
    ax.set_xlabel("$h_1$")
    ax.set_ylabel("$h_2$")
    # The output unit w·h + b = h1 - 2·h2 is 0 for class 0 and 1 for class 1; half-way is a separating line.
    h1 = np.linspace(-0.5, 2.5, 2)
    ax.plot(h1, (h1 - 0.5) / 2, color="tab:red", label="$h_1 - 2h_2 = 0.5$")
    ax.annotate("x = (0,1) and (1,0)\nboth land here", xy=(1, 0), xytext=(1.15, -0.4), fontsize=8)
    ax.annotate("x = (0,0)", xy=(0, 0), xytext=(0.1, 0.15), fontsize=8)
    ax.annotate("x = (1,1)", xy=(2, 1), xytext=(1.5, 1.2), fontsize=8)
    ax.set_title("XOR in the hidden layer's space:\none line now separates the classes")
    ax.legend(loc="upper left", fontsize=8)
    return save_figure(fig, out, "xor_hidden_space.png")


def plot_relu(out):
    fig, ax = plt.subplots(figsize=(4.5, 3.5))
    z = np.linspace(-3, 3, 601)
    ax.plot(z, relu(z), color="tab:blue", linewidth=2)
    ax.axhline(0, color="gray", linewidth=0.8)
    ax.axvline(0, color="gray", linewidth=0.8)
    ax.set_xlabel("z")
    ax.set_ylabel("g(z)")
    ax.set_title("ReLU: g(z) = max{0, z}")
    ax.grid(alpha=0.3)
    return save_figure(fig, out, "fig6-28_relu.png")


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # first, so --log holds every line the terminal shows
        numpy_device(args.device)
        rng = np.random.default_rng(args.seed)

        print("== 6.4.1 The MP neuron ==")
        x, w, b = MP_X, MP_W, MP_B
        z, y = mp_neuron(x, w, b)
        print(f"x = {x.tolist()}, w = {w.tolist()}, b = {b}")
        print(f"z = w·x + b = {z:.1f}, y = step(z) = {y}")

        print()
        print("== 6.4.2 The perceptron on AND, OR, NAND and XOR ==")
        print("Table 6-2 (XOR):")
        print("  x1  x2 | y")
        for (x1, x2), target in zip(X, GATES["XOR"]):
            print(f"   {x1}   {x2} | {target}")
        results = {}
        for name, t in GATES.items():
            w, b, epochs, converged = train_perceptron(X, t, rng, args.lr, args.max_epochs)
            results[name] = w, b, epochs, converged
            predicted = step(X @ w + b)
            span = f"{epochs} epoch{'s' * (epochs != 1)}"
            if converged:
                print(f"{name:4s}: converged after {span}: w = [{w[0]:.2f}, {w[1]:.2f}], b = {b:.2f}, "
                      f"outputs {predicted.tolist()}")
            else:
                wrong = int(np.sum(predicted != t))
                why = "no straight line separates XOR" if name == "XOR" else "try a larger --max-epochs"
                print(f"{name:4s}: did not converge in {span}: {wrong} of 4 points still wrong "
                      f"(outputs {predicted.tolist()}, targets {t.tolist()}); {why}")

        print()
        print("== 6.4.3 A hidden layer solves XOR (weights set by hand, ReLU hidden layer) ==")
        show("X", X)
        show("W", W)
        print(f"c = {C.tolist()}, w = {W_OUT.tolist()}, b = {B_OUT}")
        xw, xw_c, hidden, output = xor_network(X)
        show("XW", xw)
        show("XW + c", xw_c)
        show("H = max{0, XW + c}", hidden)
        print(f"output = Hw + b = {output.tolist()}")
        print(f"XOR targets     = {GATES['XOR'].tolist()}")

        # In the book's order: Figs 6-22 ... 6-28.
        save_figure(draw_linear_neuron(*results["AND"][:2]), args.out, "fig6-22_linear_neuron.png")
        save_figure(draw_mp_neuron(MP_X, MP_W, MP_B), args.out, "fig6-23_mp_neuron.png")
        save_figure(draw_perceptron(results), args.out, "fig6-24_perceptron.png")
        save_figure(draw_multilayer_network(W, C, W_OUT), args.out, "fig6-25_multilayer_network.png")
        plot_xor(args.out)
        plot_gates(args.out, results)
        save_figure(draw_xor_network(W, C, W_OUT, B_OUT), args.out, "fig6-27_xor_network.png")
        plot_hidden_space(args.out, hidden)
        plot_relu(args.out)
        xor_wrong = int(np.sum(step(X @ results["XOR"][0] + results["XOR"][1]) != GATES["XOR"]))
        manifest.write(__file__, argv, args.out, numbers={"perceptron_xor_wrong": xor_wrong,
                                                          "output": output.tolist()})


if __name__ == "__main__":
    dlbook.cli.start(main)
