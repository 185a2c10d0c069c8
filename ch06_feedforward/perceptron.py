"""6.4.1-6.4.3: the MP neuron, the perceptron and its limit (XOR), and a hidden layer that solves XOR.

NumPy only. Default run: the book's example; --max-epochs changes how long the perceptron tries XOR.

    python ch06_feedforward/perceptron.py
"""
import numpy as np

import dlbook.cli
from dlbook.console import Console
from dlbook.device import numpy_device
from dlbook.figures import plt, save_figure

# The four inputs of table 6-2, one sample per row, and the targets of each logic gate.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}

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


def xor_network(X):
    """The hand-set 2-2-1 network, step by step in matrix form: returns every intermediate."""
    xw = X @ W
    xw_c = xw + C
    hidden = relu(xw_c)
    output = hidden @ W_OUT + B_OUT
    return xw, xw_c, hidden, output


# ---- Figures ----

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
        x, w, b = np.array([1, 0, 1]), np.array([0.5, -0.4, 0.3]), -0.6
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

        plot_xor(args.out)
        plot_gates(args.out, results)
        plot_hidden_space(args.out, hidden)
        plot_relu(args.out)


if __name__ == "__main__":
    dlbook.cli.start(main)
