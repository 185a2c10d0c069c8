"""6.4.5: back-propagation by hand, first for one sigmoid neuron, then for a 2-2-2 sigmoid network.

NumPy only, no automatic differentiation: every derivative below is the chain rule written out.
The network example is the well-known one (inputs 0.05/0.10, targets 0.01/0.99); --no-bias gives
the book's bias-free variant.

    python ch06_feedforward/backprop_manual.py
"""
import numpy as np

import dlbook.cli
from dlbook import manifest
from dlbook.console import Console
from dlbook.device import numpy_device
from matplotlib.patches import FancyBboxPatch

from dlbook.diagrams import HIGHLIGHT, Diagram, column
from dlbook.figures import plt, save_figure
from dlbook.page import ch6

WEIGHTS = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]


def parse_args(argv=None):
    # No --seed: nothing here is random, every number is set by hand.
    parser = dlbook.cli.make_parser(__doc__.splitlines()[0], seed=None)
    one = parser.add_argument_group("part 1: one neuron, three inputs")
    one.add_argument("--neuron-x", type=float, nargs=3, default=[0.5, -1.0, 2.0], metavar="X",
                     help="inputs x1 x2 x3 (default 0.5 -1.0 2.0)")
    one.add_argument("--neuron-w", type=float, nargs=3, default=[0.2, -0.3, 0.1], metavar="W",
                     help="weights w1 w2 w3 (default 0.2 -0.3 0.1)")
    one.add_argument("--neuron-b", type=float, default=0.1, help="bias (default 0.1)")
    one.add_argument("--neuron-y", type=float, default=1.0, help="target y (default 1.0)")
    one.add_argument("--neuron-lr", type=float, default=0.5, help="learning rate (default 0.5)")
    net = parser.add_argument_group("part 2: the 2-2-2 network")
    net.add_argument("--inputs", type=float, nargs=2, default=[0.05, 0.10], metavar="X",
                     help="inputs i1 i2 (default 0.05 0.10)")
    net.add_argument("--targets", type=float, nargs=2, default=[0.01, 0.99], metavar="T",
                     help="targets for o1 o2 (default 0.01 0.99)")
    net.add_argument("--weights", type=float, nargs=8, default=WEIGHTS, metavar="W",
                     help="w1..w8: w1 w2 into h1, w3 w4 into h2, w5 w6 into o1, w7 w8 into o2 "
                          "(default " + " ".join(map(str, WEIGHTS)) + ")")
    net.add_argument("--biases", type=float, nargs=2, default=[0.35, 0.60], metavar="B",
                     help="hidden and output bias, held fixed (default 0.35 0.60)")
    net.add_argument("--no-bias", action="store_true", help="the book's variant: both biases 0")
    net.add_argument("--lr", type=float, default=0.5, help="learning rate (default 0.5)")
    net.add_argument("--iterations", type=dlbook.cli.positive_int, default=10_000,
                     help="training iterations (default 10000)")
    net.add_argument("--print-every", type=dlbook.cli.positive_int, default=1000,
                     help="print E_total every this many iterations (default 1000)")
    args = dlbook.cli.parse_args(parser, argv)
    if args.no_bias:
        args.biases = [0.0, 0.0]
    return args


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def vec(values):
    return "[" + ", ".join(f"{v:.9f}" for v in values) + "]"


# ---- Part 1: one neuron with three inputs, sigmoid activation, J = 1/2 (a - y)^2 ----

def neuron_forward(x, w, b, y):
    z = np.dot(w, x) + b
    a = sigmoid(z)
    return z, a, 0.5 * (a - y) ** 2


def neuron_backward(x, w, b, y):
    """The gradients in the order back-propagation finds them: dJ/da, dJ/dz, then dJ/dw and dJ/db."""
    z, a, J = neuron_forward(x, w, b, y)
    dJ_da = a - y
    dJ_dz = dJ_da * a * (1 - a)  # sigmoid'(z) = a(1 - a)
    return {"dJ_da": dJ_da, "dJ_dz": dJ_dz, "dJ_dw": dJ_dz * np.asarray(x), "dJ_db": dJ_dz}


def single_neuron(args):
    x, w, b, y, lr = np.array(args.neuron_x), np.array(args.neuron_w), args.neuron_b, args.neuron_y, args.neuron_lr
    print("== Part 1: one neuron, three inputs, sigmoid, J = 1/2 (a - y)^2 ==")
    print(f"x = {vec(x)}, w = {vec(w)}, b = {b:.9f}, y = {y:.9f}, learning rate {lr}")
    print("-- forward --")
    z, a, J = neuron_forward(x, w, b, y)
    print(f"z = w·x + b       = {z:.9f}")
    print(f"a = sigmoid(z)    = {a:.9f}")
    print(f"J = 1/2 (a - y)^2 = {J:.9f}")
    print("-- backward --")
    g = neuron_backward(x, w, b, y)
    print(f"dJ/da = a - y               = {g['dJ_da']:.9f}")
    print(f"dJ/dz = dJ/da · a(1 - a)    = {g['dJ_dz']:.9f}")
    print(f"dJ/dw = dJ/dz · x           = {vec(g['dJ_dw'])}")
    print(f"dJ/db = dJ/dz               = {g['dJ_db']:.9f}")
    print("-- one gradient step: w -= lr · dJ/dw, b -= lr · dJ/db --")
    new_w, new_b = w - lr * g["dJ_dw"], b - lr * g["dJ_db"]
    print(f"w = {vec(new_w)}, b = {new_b:.9f}")
    print(f"J = {neuron_forward(x, new_w, new_b, y)[2]:.9f} (was {J:.9f})")
    return {"x": x, "w": w, "b": b, "y": y, "z": z, "a": a, "J": J, **g}


def num(v):
    return f"{v:.9f}"  # as printed above, so a number in a figure can be found in the printout


def fig6_29_neuron_unfolded(n):
    """Fig 6-29: left, the neuron; right, the same neuron unfolded into z -> a -> J, with part 1's
    forward values (top row) and the gradients back-propagation finds on the way back (red, below)."""
    d = Diagram(17.6, 7.6, "Fig 6-29  One neuron (left), unfolded into its computation (right)")
    ys = column(4, 3.8, 1.45)
    inputs = d.layer(1.4, ys, ["$x_1$", "$x_2$", "$x_3$", "+1"], "input")
    cell = d.neuron(4.7, 3.8, "f", "hidden", r=0.55)
    for i, node in enumerate(inputs[:3]):
        d.label(0.4, node.y, f"{n['x'][i]:g}")
        d.arrow(node, cell, f"$w_{i + 1}$ = {n['w'][i]:g}", at=0.5, offset=(0, 0.3), fontsize=9)
    d.arrow(inputs[3], cell, f"$b$ = {n['b']:g}", at=0.5, offset=(0, 0.3), fontsize=9)
    d.arrow(cell, (5.8, 3.8))
    d.label(6.05, 3.8, "$a$", ground=False)

    top, below = 5.0, 2.4
    xs = [7.4, 10.4, 13.3, 16.1]
    chain = [d.box(xs[0], top, "$x$, $w$, $b$", "input", width=1.6, fontsize=9),
             d.box(xs[1], top, f"$z = w \\cdot x + b$\n= {num(n['z'])}", "sum", width=2.4, fontsize=9),
             d.box(xs[2], top, f"$a = f(z)$\n= {num(n['a'])}", "hidden", width=2.4, fontsize=9),
             d.box(xs[3], top, f"$J = (a - y)^2/2$\n= {num(n['J'])}", "loss", width=2.4, fontsize=9)]
    for a, b in zip(chain, chain[1:]):
        d.arrow(a, b)
    d.label(xs[3], 6.9, f"$y$ = {n['y']:g}", fontsize=9)
    d.arrow((xs[3], 6.65), chain[3])
    # The way back, each gradient under the node it belongs to: J -> a -> z -> (w, b).
    red = dict(color=HIGHLIGHT, fontsize=9)
    d.label(xs[2], below, f"$\\partial J/\\partial a$\n= {num(n['dJ_da'])}", **red)
    d.label(xs[1], below, f"$\\partial J/\\partial z$\n= {num(n['dJ_dz'])}", **red)
    dw = [f"$\\partial J/\\partial w_{i + 1}$ = {num(v)}" for i, v in enumerate(n["dJ_dw"])]
    d.label(xs[0], below - 0.35, "\n".join(dw) + f"\n$\\partial J/\\partial b$ = {num(n['dJ_db'])}", **red)
    d.ax.plot([xs[3], xs[3]], [4.35, 3.5], color=HIGHLIGHT, lw=1.1)
    d.arrow((xs[3], 3.5), (6.5, 3.5), color=HIGHLIGHT)
    d.label(12.2, 0.5, "black: forward values; red: gradients, found from J back to w and b", fontsize=9, ground=False)
    return d.fig


# ---- Part 2: the 2-2-2 sigmoid network, E_total = sum of 1/2 (target - out)^2 ----
# w1..w8 as in the figures: w1, w2 feed h1; w3, w4 feed h2; w5, w6 feed o1; w7, w8 feed o2.
# Stored as two 2x2 matrices, one row per receiving unit, so row-major order is w1..w8.

def unpack(weights):
    weights = np.asarray(weights, dtype=float)
    return weights[:4].reshape(2, 2), weights[4:].reshape(2, 2)


def network_forward(x, weights, biases):
    W_hidden, W_out = unpack(weights)
    z_h = W_hidden @ x + biases[0]
    h = sigmoid(z_h)
    z_o = W_out @ h + biases[1]
    o = sigmoid(z_o)
    return z_h, h, z_o, o


def total_error(x, t, weights, biases):
    o = network_forward(x, weights, biases)[3]
    return float(np.sum(0.5 * (t - o) ** 2))


def network_backward(x, t, weights, biases):
    """Every chain-rule factor on the way back, and dE/dw1..dE/dw8 as `grad`.

    The biases are held fixed (as in the book's example), so no gradient is returned for them.
    """
    _, W_out = unpack(weights)
    z_h, h, z_o, o = network_forward(x, weights, biases)
    dE_do = o - t  # from E = 1/2 (t - o)^2
    do_dz = o * (1 - o)
    delta_o = dE_do * do_dz  # dE/dz_o
    # Each hidden unit feeds both outputs, so its error is the sum of what comes back from o1 and o2.
    dE_dh_parts = W_out * delta_o[:, None]  # [output k, hidden j] = dE_ok/dh_j
    dE_dh = dE_dh_parts.sum(axis=0)
    dh_dz = h * (1 - h)
    delta_h = dE_dh * dh_dz  # dE/dz_h
    grad = np.concatenate([np.outer(delta_h, x).ravel(), np.outer(delta_o, h).ravel()])
    return {"dE_do": dE_do, "do_dz": do_dz, "delta_o": delta_o, "dE_dh_parts": dE_dh_parts,
            "dE_dh": dE_dh, "dh_dz": dh_dz, "delta_h": delta_h, "grad": grad}


def train(x, t, weights, biases, lr, iterations, every, console):
    """Plain gradient descent; returns the final weights and E_total before each step and at the end."""
    weights = np.array(weights, dtype=float)
    errors = []
    for i in range(1, iterations + 1):
        errors.append(total_error(x, t, weights, biases))
        weights = weights - lr * network_backward(x, t, weights, biases)["grad"]
        if i % every == 0 or i == iterations:
            print(f"iteration: {i}, E_total: {total_error(x, t, weights, biases):.9f}")
        console.step()
    errors.append(total_error(x, t, weights, biases))
    return weights, np.array(errors)


def one_step(args):
    """Steps 1) to 4) for the flags' example, printed; returns every number Figs 6-30 .. 6-35 show."""
    x, t, w, biases, lr = (np.array(args.inputs), np.array(args.targets), np.array(args.weights),
                           args.biases, args.lr)
    print("== Part 2: the 2-2-2 sigmoid network ==")
    print(f"inputs i1, i2 = {vec(x)}, targets = {vec(t)}")
    print("w1..w8 = " + " ".join(f"{v:g}" for v in w))
    print(f"biases: hidden b1 = {biases[0]:g}, output b2 = {biases[1]:g} (held fixed), learning rate {lr}")

    print("-- 1) forward pass --")
    z_h, h, z_o, o = network_forward(x, w, biases)
    print(f"z_h1 = w1·i1 + w2·i2 + b1 = {z_h[0]:.9f}   h1 = f(z_h1) = {h[0]:.9f}")
    print(f"z_h2 = w3·i1 + w4·i2 + b1 = {z_h[1]:.9f}   h2 = f(z_h2) = {h[1]:.9f}")
    print(f"z_o1 = w5·h1 + w6·h2 + b2 = {z_o[0]:.9f}   o1 = f(z_o1) = {o[0]:.9f}")
    print(f"z_o2 = w7·h1 + w8·h2 + b2 = {z_o[1]:.9f}   o2 = f(z_o2) = {o[1]:.9f}")
    E_o = 0.5 * (t - o) ** 2
    print(f"E_o1 = {E_o[0]:.9f}, E_o2 = {E_o[1]:.9f}, E_total = {E_o.sum():.9f}")

    print("-- 2) backward: output layer, dE/dw5 along f(z_o1) -> z_o1 -> w5 --")
    g = network_backward(x, t, w, biases)
    print(f"dE/do1     = o1 - target1 = {g['dE_do'][0]:.9f}")
    print(f"do1/dz_o1  = o1 (1 - o1)  = {g['do_dz'][0]:.9f}")
    print(f"dz_o1/dw5  = h1           = {h[0]:.9f}")
    print(f"dE/dw5 = {g['dE_do'][0]:.9f} · {g['do_dz'][0]:.9f} · {h[0]:.9f} = {g['grad'][4]:.9f}")

    print("-- 3) backward: hidden layer, dE/dw1 collects the error from o1 and o2 --")
    parts = g["dE_dh_parts"]
    print(f"dE_o1/dh1  = dE/do1 · do1/dz_o1 · w5 = {parts[0, 0]:.9f}")
    print(f"dE_o2/dh1  = dE/do2 · do2/dz_o2 · w7 = {parts[1, 0]:.9f}")
    print(f"dE/dh1     = dE_o1/dh1 + dE_o2/dh1  = {g['dE_dh'][0]:.9f}")
    print(f"dh1/dz_h1  = h1 (1 - h1)            = {g['dh_dz'][0]:.9f}")
    print(f"dz_h1/dw1  = i1                     = {x[0]:.9f}")
    print(f"dE/dw1 = {g['dE_dh'][0]:.9f} · {g['dh_dz'][0]:.9f} · {x[0]:.9f} = {g['grad'][0]:.9f}")

    print("-- 4) one gradient step, all weights from the same (old) gradients: w -= lr · dE/dw --")
    stepped = w - lr * g["grad"]
    for k in range(8):
        grad = f"{g['grad'][k]:.9f}" if g["grad"][k] >= 0 else f"({g['grad'][k]:.9f})"
        print(f"w{k + 1}: {w[k]:.9f} - {lr} · {grad} = {stepped[k]:.9f}")
    print(f"E_total after one step = {total_error(x, t, stepped, biases):.9f}")
    return {"x": x, "t": t, "w": w, "biases": biases, "lr": lr, "no_bias": args.no_bias, "z_h": z_h, "h": h,
            "z_o": z_o, "o": o, "E_o": E_o, **g, "stepped": stepped}


def repeat(args, console):
    x, t, w, biases, lr = (np.array(args.inputs), np.array(args.targets), np.array(args.weights),
                           args.biases, args.lr)
    print(f"-- 5) repeat for {args.iterations} iterations --")
    console.progress(args.iterations, "training")  # the progress line counts these iterations only
    final, errors = train(x, t, w, biases, lr, args.iterations, args.print_every, console)
    o = network_forward(x, final, biases)[3]
    print(f"outputs o1, o2 = {vec(o)} (targets {vec(t)})")
    print("w1..w8 = " + " ".join(f"{v:.9f}" for v in final))
    return errors


# ---- Figs 6-30 .. 6-35, drawn from one_step's numbers ----
NAMES = ("i1", "i2"), ("h1", "h2"), ("o1", "o2")
EDGES = [("i1", "h1"), ("i2", "h1"), ("i1", "h2"), ("i2", "h2"),  # w1..w8, in unpack's order
         ("h1", "o1"), ("h2", "o1"), ("h1", "o2"), ("h2", "o2")]


def symbol(name):
    return f"${name[0]}_{name[1]}$"


def network_nodes(d, xs, ys):
    """The six neurons of Fig 6-30, by name, one layer per x."""
    nodes = {}
    for x, names, role in zip(xs, NAMES, ("input", "hidden", "output")):
        nodes.update(zip(names, d.layer(x, ys, [symbol(n) for n in names], role)))
    return nodes


def edge_labels(d, nodes, labels, back=False, **style):
    """The eight weight edges, each labelled: straight ones at the middle (above the top, below the
    bottom), crossing ones near their start so the two labels keep clear of the crossing."""
    for (a, b), label in zip(EDGES, labels):
        start, end = nodes[a], nodes[b]
        straight = start.y == end.y
        at = 0.5 if straight else 0.22
        top = start.y > min(n.y for n in nodes.values())
        offset = (0, (0.42 if top else -0.42) if straight else 0)
        if back:
            d.arrow(end, start, label, at=1 - at, offset=offset, **style)
        else:
            d.arrow(start, end, label, at=at, offset=offset, **style)


def bias_note(net):
    if net["no_bias"]:
        return "no biases (--no-bias, as in the book)"
    return f"biases $b_1$ = {net['biases'][0]:g}, $b_2$ = {net['biases'][1]:g} (held fixed)"


def fig6_30_network(net):
    """Fig 6-30: the 2-2-2 network, every edge with its weight; the biases as bias units."""
    room = 0 if net["no_bias"] else 1.4  # below the network, for the bias units
    d = Diagram(14, 7 + room, "Fig 6-30  Two inputs, one hidden layer, two outputs; " + bias_note(net))
    xs, ys = [2, 7, 12], column(2, 3.2 + room, 3.4)
    nodes = network_nodes(d, xs, ys)
    for y, value in zip(ys, net["x"]):
        d.label(0.8, y, f"{value:g}")
    edge_labels(d, nodes, [f"$w_{k + 1}$ = {w:g}" for k, w in enumerate(net["w"])], fontsize=9)
    if not net["no_bias"]:
        for k, (x, layer) in enumerate([(4.5, NAMES[1]), (9.5, NAMES[2])]):
            unit = d.neuron(x, 1.0, "1", "sum", r=0.35)
            d.label(x - 1.3, 1.0, f"$b_{k + 1}$ = {net['biases'][k]:g}", fontsize=9)
            for name in layer:
                d.arrow(unit, nodes[name], color="#889")
    return d.fig


def fig6_31_layers(net):
    """Fig 6-31: the same network as three layers, the inputs' values and the outputs' targets beside them."""
    d = Diagram(14, 7.6, "Fig 6-31  The network as layers; " + bias_note(net))
    xs, ys = [3, 7, 11], column(2, 3.4, 3.0)
    nodes = network_nodes(d, xs, ys)
    for a, b in EDGES:
        d.arrow(nodes[a], nodes[b])
    for x, name in zip(xs, ("input layer (x)", "hidden layer (h)", "output layer (o)")):
        d.ax.add_patch(FancyBboxPatch((x - 0.9, 1.0), 1.8, 4.8, boxstyle="round,pad=0,rounding_size=0.3",
                                      fc="none", ec="#99a", ls="--", lw=1))
        d.label(x, 6.3, name)
    for k, y in enumerate(ys):
        d.label(1.1, y, f"$i_{k + 1}$ = {net['x'][k]:g}")
        d.label(12.9, y, f"$t_{k + 1}$ = {net['t'][k]:g}\n(target)")
    return d.fig


def forward_layout(d):
    xs, ys = [1.6, 5.8, 10.0], column(2, 4.4, 4.0)
    return xs, ys, network_nodes(d, xs, ys)


def error_boxes(d, net, ys, total_text):
    e = [d.box(13.6, y, f"$E_{{o{k + 1}}} = (t_{k + 1} - o_{k + 1})^2/2$\n= {num(net['E_o'][k])}", "loss",
               width=3.0, fontsize=9) for k, y in enumerate(ys)]
    total = d.box(13.6, 4.4, total_text, "loss", width=3.0, fontsize=9)
    return e, total


def fig6_32_forward_pass(net):
    """Fig 6-32: the forward pass, each neuron's net input z and output f(z), then the errors."""
    d = Diagram(15.4, 8.6, "Fig 6-32  Forward pass: net input z, output f(z), error E")
    xs, ys, nodes = forward_layout(d)
    edge_labels(d, nodes, [f"$w_{k + 1}$" for k in range(8)], fontsize=9)
    above = [ys[0] + 1.25, ys[1] - 1.25]
    for k in range(2):
        d.label(xs[0], above[k], f"$i_{k + 1}$ = {net['x'][k]:g}", fontsize=9)
        d.label(xs[1], above[k], f"$z_{{h{k + 1}}}$ = {num(net['z_h'][k])}\n$h_{k + 1} = f(z_{{h{k + 1}}})$ = "
                f"{num(net['h'][k])}", fontsize=9)
        d.label(xs[2], above[k], f"$z_{{o{k + 1}}}$ = {num(net['z_o'][k])}\n$o_{k + 1} = f(z_{{o{k + 1}}})$ = "
                f"{num(net['o'][k])}", fontsize=9)
    e, total = error_boxes(d, net, ys, f"$E_{{total}} = E_{{o1}} + E_{{o2}}$\n= {num(net['E_o'].sum())}")
    for k in range(2):
        d.arrow(nodes[NAMES[2][k]], e[k])
        d.arrow(e[k], total)
        d.label(13.6, above[k], f"$t_{k + 1}$ = {net['t'][k]:g}", fontsize=9)
    return d.fig


def fig6_33_backward_pass(net):
    """Fig 6-33: the backward pass, the error flowing from E_total back to every weight (red)."""
    d = Diagram(15.4, 8.6, "Fig 6-33  Backward pass: the error flows back; each edge shows its gradient")
    red = dict(color=HIGHLIGHT, fontsize=9)
    xs, ys, nodes = forward_layout(d)
    edge_labels(d, nodes, [f"$\\partial E/\\partial w_{k + 1}$\n= {num(g)}" for k, g in enumerate(net["grad"])],
                back=True, **red)
    above = [ys[0] + 1.1, ys[1] - 1.1]
    for k in range(2):
        d.label(xs[0], above[k], f"$i_{k + 1}$ = {net['x'][k]:g}", fontsize=9)
        d.label(xs[1], above[k], f"$\\partial E/\\partial h_{k + 1}$ = {num(net['dE_dh'][k])}", **red)
        d.label(xs[2], above[k], f"$\\partial E/\\partial o_{k + 1}$ = {num(net['dE_do'][k])}", **red)
    e, total = error_boxes(d, net, ys, f"$E_{{total}}$\n= {num(net['E_o'].sum())}")
    for k in range(2):
        d.arrow(total, e[k], color=HIGHLIGHT)
        d.arrow(e[k], nodes[NAMES[2][k]], color=HIGHLIGHT)
    return d.fig


def update_line(net, k):
    w, g, new = net["w"][k], net["grad"][k], net["stepped"][k]
    grad = num(g) if g >= 0 else f"({num(g)})"
    return (f"$w_{k + 1}^+ = w_{k + 1} - \\eta\\,\\partial E_{{total}}/\\partial w_{k + 1}$"
            f" = {w:g} - {net['lr']} × {grad} = {num(new)}")


def fig6_34_backprop_to_w5(net):
    """Fig 6-34: the chain rule from E_total back to w5, along f(z_o1) -> z_o1 -> w5 (highlighted)."""
    d = Diagram(16, 7.3, "Fig 6-34  From the output layer back to $w_5$: $f(z_{o1}) \\to z_{o1} \\to w_5$")
    red = dict(color=HIGHLIGHT, fontsize=9)
    top = 5.8
    h1 = d.neuron(1.0, top, "$h_1$", "hidden")
    h2 = d.neuron(1.0, 2.8, "$h_2$", "hidden")
    z = d.box(5.2, top, f"$z_{{o1}}$\n= {num(net['z_o'][0])}", "sum", width=2.2, fontsize=9)
    o = d.box(9.2, top, f"$o_1 = f(z_{{o1}})$\n= {num(net['o'][0])}", "output", width=2.4, fontsize=9)
    total = d.box(13.8, top, f"$E_{{total}}$\n= {num(net['E_o'].sum())}", "loss", width=2.2, fontsize=9)
    other = d.box(13.8, 3.4, f"$E_{{o2}}$\n= {num(net['E_o'][1])}", "loss", width=2.2, fontsize=9)
    d.arrow(h1, z, f"$w_5$ = {net['w'][4]:g}", color=HIGHLIGHT, lw=2)
    d.arrow(h2, z, f"$w_6$ = {net['w'][5]:g}", at=0.3, offset=(0, -0.4), fontsize=9)
    d.arrow(z, o, "f", color=HIGHLIGHT, lw=2)
    d.arrow(o, total, "$E_{o1} = (t_1 - o_1)^2/2$", color=HIGHLIGHT, lw=2, fontsize=9)
    d.arrow(other, total)
    # Each factor under the step it belongs to; the way back runs right to left.
    d.label(11.5, 4.7, f"$\\partial E_{{total}}/\\partial o_1 = o_1 - t_1$\n= {num(net['dE_do'][0])}", **red)
    d.label(7.2, 4.7, f"$\\partial o_1/\\partial z_{{o1}} = o_1(1 - o_1)$\n= {num(net['do_dz'][0])}", **red)
    d.label(2.9, 4.95, f"$\\partial z_{{o1}}/\\partial w_5 = h_1$\n= {num(net['h'][0])}", **red)
    d.label(8, 2.0, f"$\\partial E_{{total}}/\\partial w_5$ = {num(net['dE_do'][0])} × {num(net['do_dz'][0])} × "
            f"{num(net['h'][0])} = {num(net['grad'][4])}", color=HIGHLIGHT)
    d.label(8, 1.0, update_line(net, 4))
    return d.fig


def fig6_35_backprop_to_w1(net):
    """Fig 6-35: the chain rule from E_total back to w1; h1 collects error from E_o1 and E_o2."""
    d = Diagram(16.4, 10.4, "Fig 6-35  From the hidden layer back to $w_1$: $f(z_{h1}) \\to z_{h1} \\to w_1$, "
                           "$h_1$ collecting error from $E_{o1}$ and $E_{o2}$")
    red = dict(color=HIGHLIGHT, fontsize=9)
    mid = 5.8
    i1 = d.neuron(0.9, mid, "$i_1$", "input")
    z = d.box(4.4, mid, f"$z_{{h1}}$\n= {num(net['z_h'][0])}", "sum", width=2.2, fontsize=9)
    h1 = d.box(8.0, mid, f"$h_1 = f(z_{{h1}})$\n= {num(net['h'][0])}", "hidden", width=2.4, fontsize=9)
    outs = [d.box(11.6, y, f"$o_{k + 1}$\n= {num(net['o'][k])}", "output", width=2.4, fontsize=9)
            for k, y in enumerate((mid + 2.1, mid - 2.1))]
    total = d.box(15.0, mid, f"$E_{{total}}$\n= {num(net['E_o'].sum())}", "loss", width=2.2, fontsize=9)
    d.arrow(i1, z, f"$w_1$ = {net['w'][0]:g}", at=0.45, color=HIGHLIGHT, lw=2)
    d.arrow(z, h1, "f", color=HIGHLIGHT, lw=2)
    for k, (w, out) in enumerate(zip((4, 6), outs)):  # h1 feeds o1 through w5, o2 through w7
        d.arrow(h1, out, f"$w_{w + 1}$ = {net['w'][w]:g}", color=HIGHLIGHT, lw=2, fontsize=9,
                offset=(-0.45, 0.25) if k == 0 else (-0.45, -0.25))
        d.arrow(out, total, f"$E_{{o{k + 1}}}$", color=HIGHLIGHT, lw=2, fontsize=9,
                offset=(0.35, 0.25) if k == 0 else (0.35, -0.25))
        d.label(11.6, mid + 3.4 if k == 0 else mid - 3.4, f"$\\partial E_{{o{k + 1}}}/\\partial h_1$ = "
                f"$\\partial E/\\partial o_{k + 1} \\cdot o_{k + 1}(1 - o_{k + 1}) \\cdot w_{w + 1}$"
                f" = {num(net['dE_dh_parts'][k, 0])}", **red)
    d.label(7.6, mid - 1.5, f"$\\partial E_{{total}}/\\partial h_1$\n= {num(net['dE_dh'][0])}", **red)
    d.label(5.9, mid + 1.35, f"$\\partial h_1/\\partial z_{{h1}} = h_1(1 - h_1)$\n= {num(net['dh_dz'][0])}", **red)
    d.label(2.4, mid - 1.15, f"$\\partial z_{{h1}}/\\partial w_1 = i_1$\n= {num(net['x'][0])}", **red)
    parts = [f"({num(v)})" if v < 0 else num(v) for v in net["dE_dh_parts"][:, 0]]
    d.label(8.2, 1.6, "$\\partial E_{total}/\\partial h_1 = "
            "\\partial E_{o1}/\\partial h_1 + \\partial E_{o2}/\\partial h_1$"
            f" = {parts[0]} + {parts[1]} = {num(net['dE_dh'][0])}", color=HIGHLIGHT, fontsize=9)
    d.label(8.2, 1.0, f"$\\partial E_{{total}}/\\partial w_1$ = {num(net['dE_dh'][0])} × {num(net['dh_dz'][0])} × "
            f"{num(net['x'][0])} = {num(net['grad'][0])}", color=HIGHLIGHT, fontsize=9)
    d.label(8.2, 0.4, update_line(net, 0), fontsize=9)
    return d.fig


def plot_errors(out, errors, biases):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(errors)), errors, color="tab:blue")
    # A log scale shows the long slow tail; it cannot show an error of exactly 0 (targets met at once).
    scale = "log" if errors.min() > 0 else "linear"
    ax.set_yscale(scale)
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"E_total ({scale} scale)")
    ax.set_title(f"2-2-2 network, gradient descent: E_total {errors[0]:.4f} -> {errors[-1]:.2e}\n"
                 f"(biases {biases[0]:g} / {biases[1]:g}, held fixed)")
    ax.grid(alpha=0.3, which="both")
    return save_figure(fig, out, "backprop_error.png")


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # first, so --log holds every line the terminal shows
        numpy_device(args.device)
        neuron = single_neuron(args)
        print()
        step = one_step(args)
        errors = repeat(args, console)
        save_figure(fig6_29_neuron_unfolded(neuron), args.out, "fig6-29_neuron_unfolded.png")
        save_figure(fig6_30_network(step), args.out, "fig6-30_network.png")
        save_figure(fig6_31_layers(step), args.out, "fig6-31_layers.png")
        save_figure(fig6_32_forward_pass(step), args.out, "fig6-32_forward_pass.png")
        save_figure(fig6_33_backward_pass(step), args.out, "fig6-33_backward_pass.png")
        save_figure(fig6_34_backprop_to_w5(step), args.out, "fig6-34_backprop_to_w5.png")
        save_figure(fig6_35_backprop_to_w1(step), args.out, "fig6-35_backprop_to_w1.png")
        plot_errors(args.out, errors, args.biases)
        ch6.show_backprop(args)  # in a notebook, this network live: forward, backward, update (elsewhere nothing)
        manifest.write(__file__, argv, args.out, numbers={"iterations": len(errors) - 1, "E_total": float(errors[-1])})


if __name__ == "__main__":
    dlbook.cli.start(main)
