"""6.4.5: back-propagation by hand, first for one sigmoid neuron, then for a 2-2-2 sigmoid network.

NumPy only, no automatic differentiation: every derivative below is the chain rule written out.
The network example is the well-known one (inputs 0.05/0.10, targets 0.01/0.99); --no-bias gives
the book's bias-free variant.

    python ch06_feedforward/backprop_manual.py
"""
import numpy as np

import dlbook.cli
from dlbook.console import Console
from dlbook.device import numpy_device
from dlbook.figures import plt, save_figure

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
    w, b = w - lr * g["dJ_dw"], b - lr * g["dJ_db"]
    print(f"w = {vec(w)}, b = {b:.9f}")
    print(f"J = {neuron_forward(x, w, b, y)[2]:.9f} (was {J:.9f})")


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


def network(args, console):
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

    print(f"-- 5) repeat for {args.iterations} iterations --")
    console.progress(args.iterations, "training")  # the progress line counts these iterations only
    final, errors = train(x, t, w, biases, lr, args.iterations, args.print_every, console)
    o = network_forward(x, final, biases)[3]
    print(f"outputs o1, o2 = {vec(o)} (targets {vec(t)})")
    print("w1..w8 = " + " ".join(f"{v:.9f}" for v in final))
    return errors


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
        single_neuron(args)
        print()
        errors = network(args, console)
        plot_errors(args.out, errors, args.biases)


if __name__ == "__main__":
    dlbook.cli.start(main)
