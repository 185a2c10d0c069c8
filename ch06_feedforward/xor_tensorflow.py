"""6.4.4 XOR with TensorFlow: a 2-2-1 ReLU network trained by back-propagation (Adam on MSE).

The book's run is a lucky one: from random normal weights a 2-unit ReLU hidden layer gets stuck
for most seeds, often with a dead unit. The default seed solves XOR; --sweep N trains seeds 0..N-1 at once
and counts the ones that get stuck, and why.

    python ch06_feedforward/xor_tensorflow.py
    python ch06_feedforward/xor_tensorflow.py --sweep 100
"""
from fractions import Fraction

import numpy as np

import dlbook.cli
from dlbook import compare, manifest
from dlbook.console import Console
from dlbook.device import tf_device
from dlbook.frameworks import load_tensorflow
from dlbook.figures import plt, save_figure
from dlbook.page import ch6
from dlbook.seed import seed_tf

# `import tensorflow as tf`, without TensorFlow's start-up notices; where TensorFlow is not
# installed (Python 3.14), one line saying which Python it needs, and exit status 2.
tf = load_tensorflow()

DEFAULT_SEED = 68   # solves XOR, and starts near the book's loss 0.212 (many seeds do not solve it: see --sweep)
STEPS = 2000
PRINT_EVERY = 200
# Adam's step size. Over seeds 0..199, 0.01 solves 65 in 2000 steps (0.02: 64, faster); 0.001 is
# too slow (28 solved, a third still descending); 0.1 kills more hidden units early (37 solved).
LEARNING_RATE = 0.01
INIT_STDDEV = 1.0   # tf.random.normal's default: weights of order 1 for inputs in {0, 1}
# Slightly positive, so every hidden unit starts active at least on (0, 0); with zero biases
# 50 of the 200 seeds solve XOR instead of 65.
INIT_BIAS = 0.1
SOLVED_LOSS = 1e-3

# (1) Inputs and targets: the XOR truth table (table 6-2), one sample per row.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y = np.array([[0], [1], [1], [0]])


# (2) The network of Fig 6-27: 2 inputs, 2 ReLU hidden units, 1 linear output.
# (3) Its functions: ReLU in the hidden layer, MSE cost, Adam optimizer.
#
# The same code runs one network (w1 [2,2]) or a stack of N networks (w1 [N,2,2]): matmul
# broadcasts over the leading axis, and the biases are row vectors that broadcast over the samples.

def forward(x, w1, b1, w2, b2):
    hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
    return tf.matmul(hidden, w2) + b2


def mse(pred, y):
    """Mean squared error over the four samples: a scalar, or one value per network in a stack."""
    return tf.reduce_mean(tf.square(pred - y), axis=[-2, -1])


# (4) Initial weights and biases.

def init_weights(seed, stddev=INIT_STDDEV):
    """[w1, b1, w2, b2] as NumPy arrays: normal weights, small constant biases.

    Drawn on the CPU, so a seed means the same starting network on every device and in a sweep.
    """
    seed_tf(seed)
    with tf.device("/CPU:0"):
        w1 = tf.random.normal([2, 2], stddev=stddev)
        w2 = tf.random.normal([2, 1], stddev=stddev)
    b1 = np.full([1, 2], INIT_BIAS, np.float32)
    b2 = np.full([1, 1], INIT_BIAS, np.float32)
    return [w1.numpy(), b1, w2.numpy(), b2]


# (5) The training loop: full batch, one Adam step on the MSE per iteration.

def train(weights, steps=STEPS, lr=LEARNING_RATE, on_step=None):
    """Train from `weights` (one network or a stack); return (losses [steps(, N)], pred, weights).

    losses[i] is the loss before update i, so losses[0] is the untrained network's.
    """
    x = tf.constant(X, tf.float32)
    y = tf.constant(Y, tf.float32)
    params = [tf.Variable(w) for w in weights]
    # The book's tf.train.AdamOptimizer (TensorFlow 1), under tf.compat.v1 in TensorFlow 2; Keras'
    # epsilon 1e-7. Not Keras' own Adam: that follows KERAS_BACKEND, which may name PyTorch.
    optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=lr, epsilon=1e-7)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            losses = mse(forward(x, *params), y)
            # Networks in a stack share no weights, so the gradient of the sum hands each one
            # exactly its own gradient, and Adam (element-wise) updates each independently.
            total = tf.reduce_sum(losses)
        optimizer.apply_gradients(zip(tape.gradient(total, params), params))
        return losses

    history = []
    for step in range(steps):
        history.append(train_step().numpy())
        if on_step:
            on_step(step, history[-1])
    return np.array(history), forward(x, *params).numpy(), [p.numpy() for p in params]


def run_xor(seed=DEFAULT_SEED, steps=STEPS, lr=LEARNING_RATE, on_step=None):
    """One run as in the book: (loss history by step, predictions [4, 1])."""
    history, pred, _ = train(init_weights(seed), steps, lr, on_step)
    return history, pred


# ---- Why some seeds get stuck ----

def active_inputs(weights):
    """On how many of the four inputs each hidden unit is active (pre-activation > 0): [(N,) 2]."""
    w1, b1 = weights[0], weights[1]
    return (np.asarray(X, np.float32) @ w1 + b1 > 0).sum(axis=-2)


# A ReLU unit learns only from the inputs on which it is active: elsewhere its gradient is 0.
# A unit active on no input (dead) never changes again; one active on a single corner can only
# fit that corner. Each plateau is the best fit left to the network's units.
PLATEAUS = {
    Fraction(1, 4): "no unit bends the output between the corners (dead, or active on all four): 0.5 everywhere",
    Fraction(1, 6): "one corner fitted, the other three get their mean 1/3",
    Fraction(1, 8): "two corners fitted, the other two get their mean 1/2",
}


def plateau(loss):
    """The simple fraction a stuck loss sits at (1/4, 1/6, ...), or None."""
    frac = Fraction(float(loss)).limit_denominator(12)
    return frac if frac and abs(float(frac) - loss) < 1e-4 else None


def sweep(n, steps, lr):
    """Train seeds 0..n-1 together; print how many solve XOR and where the others stop."""
    inits = [init_weights(seed) for seed in range(n)]
    stacked = [np.stack(ws) for ws in zip(*inits)]
    history, _, weights = train(stacked, steps, lr)
    final = history[-1]
    dead = (active_inputs(weights) == 0).sum(axis=-1)
    solved = final < SOLVED_LOSS

    print(f"Sweep: seeds 0..{n - 1}, {steps} steps, Adam lr {lr}")
    print(f"solved (loss < {SOLVED_LOSS}): {solved.sum()}/{n}, dead hidden units among them: {dead[solved].sum()}")
    groups = {}  # plateau (a Fraction), or "elsewhere" for losses still moving or at odd values
    for seed in np.flatnonzero(~solved):
        groups.setdefault(plateau(final[seed]) or "elsewhere", []).append(seed)
    groups = dict(sorted(groups.items(), key=lambda item: -len(item[1])))
    for value, seeds in groups.items():
        counts = np.bincount(dead[seeds], minlength=3)
        name = f"stuck at loss {float(value):.3f} ({value})" if value != "elsewhere" else "not on a plateau"
        print(f"{name}: {len(seeds)} seeds (e.g. {', '.join(map(str, seeds[:5]))}); "
              f"networks with 0/1/2 dead hidden units: {counts[0]}/{counts[1]}/{counts[2]}")
        if value in PLATEAUS:
            print(f"    {PLATEAUS[value]}")
    print(f"stuck: {(~solved).sum()}/{n} seeds ({(~solved).mean():.0%}), "
          f"with {dead[~solved].sum()} dead hidden units among them")
    return final, weights, dead, groups


# ---- Figures ----

def plot_loss(history, lr, seed):
    fig, ax = plt.subplots(figsize=(6, 3.5))
    floor = 1e-16  # a log axis cannot show the exact zeros float32 reaches once XOR is solved
    ax.semilogy(np.maximum(history, floor), label="loss before each step")
    marks = np.arange(0, len(history), PRINT_EVERY)
    ax.semilogy(marks, np.maximum(history[marks], floor), "o", label=f"printed (every {PRINT_EVERY} steps)")
    ax.set(xlabel="step", ylabel=f"MSE loss (log scale, 0 drawn at {floor:g})",
           title=f"XOR, 2-2-1 ReLU network, Adam lr {lr}, seed {seed}")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_regions(panels):
    """Output of trained networks over the input plane: panels is a list of (title, [w1, b1, w2, b2])."""
    grid = np.linspace(-0.5, 1.5, 201, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 4.3), squeeze=False,
                             constrained_layout=True)
    for ax, (title, weights) in zip(axes[0], panels):
        out = forward(tf.constant(points), *weights).numpy().reshape(gx.shape)
        image = ax.contourf(gx, gy, out, levels=np.linspace(-0.5, 1.5, 21), cmap="coolwarm", extend="both")
        ax.contour(gx, gy, out, levels=[0.5], colors="k", linewidths=2)
        w1, b1 = weights[0], weights[1]
        dead = active_inputs(weights) == 0
        for j, color in enumerate(("green", "purple")):
            # Hidden unit j is active on the side where w1[0,j]·x1 + w1[1,j]·x2 + b1[j] > 0.
            a, b, c = w1[0, j], w1[1, j], b1[0, j]
            style = dict(color="dimgray", linestyle=":") if dead[j] else dict(color=color, linestyle="--")
            label = f"hidden unit {j + 1} boundary" if not dead[j] else "dead unit's boundary"
            if abs(b) > 1e-6:
                ax.plot(grid, -(a * grid + c) / b, label=label, linewidth=2, **style)
            else:
                ax.axvline(-c / a, label=label, linewidth=2, **style)
        for target, marker in ((0, "o"), (1, "s")):  # circles 0, squares 1, as in Fig 6-26
            pts = X[Y[:, 0] == target]
            ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=120, c="white", edgecolors="k",
                       linewidths=2, zorder=3, label=f"XOR = {target}")
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), aspect="equal", title=title, xlabel="$x_1$")
    axes[0, 0].set_ylabel("$x_2$")
    handles = {}
    for ax in axes[0]:
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=len(handles), fontsize=8)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="network output (black line: 0.5)")
    return fig


def sweep_panels(final, weights, dead, groups):
    """A solved seed (the default one if in the sweep) next to the first seed stuck at each of the
    (up to 3) commonest plateaus."""
    def net(seed):
        return [w[seed] for w in weights]
    panels = []
    solved = np.flatnonzero(final < SOLVED_LOSS)
    if solved.size:
        seed = DEFAULT_SEED if DEFAULT_SEED in solved else solved[0]
        panels.append((f"seed {seed}: solved, loss {final[seed]:.3f}", net(seed)))
    for value, seeds in list(groups.items())[:3]:
        seed = seeds[0]
        loss = f"loss {value}" if value != "elsewhere" else f"loss {final[seed]:.3f}"
        panels.append((f"seed {seed}: stuck, {loss}, {dead[seed]} dead", net(seed)))
    return panels


def parse_args(argv=None):
    parser = dlbook.cli.make_parser(__doc__.splitlines()[0], seed=DEFAULT_SEED)
    parser.add_argument("--steps", type=dlbook.cli.positive_int, default=STEPS,
                        help=f"training steps (default {STEPS}, as in the book)")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE,
                        help=f"Adam learning rate (default {LEARNING_RATE})")
    parser.add_argument("--sweep", type=dlbook.cli.positive_int, metavar="N",
                        help="train seeds 0..N-1 at once (instead of --seed) and report the ones that get stuck")
    args = dlbook.cli.parse_args(parser, argv)
    if args.lr <= 0:
        parser.error(f"--lr must be positive, got {args.lr}")
    return args


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # first, so --log holds every line the terminal shows
        device = tf_device(args.device)
        if args.sweep:
            with tf.device(device):
                final, weights, dead, groups = sweep(args.sweep, args.steps, args.lr)
            save_figure(plot_regions(sweep_panels(final, weights, dead, groups)),
                        args.out, "xor_sweep_regions.png")
            stuck = int((~(final < SOLVED_LOSS)).sum())  # as sweep() counts them: a NaN loss is stuck too
            manifest.write(__file__, argv, args.out, "xor_sweep", numbers={"stuck": stuck, "seeds": args.sweep})
            return

        # (5) Train, printing the loss every 200 steps as the book does.
        def report(step, loss):
            if step % PRINT_EVERY == 0:
                print("step: {}, loss: {:.3f}".format(step, loss))

        with tf.device(device):
            history, pred = run_xor(args.seed, args.steps, args.lr, report)
        # (6) The inputs and what the trained network predicts for them.
        print(f"X: {X!r}")
        print(f"pred: {pred!r}")
        # Does this run match the book? The printed losses against the book's, with one verdict line.
        verdict = compare.report("xor", console.lines, out=args.out)
        save_figure(plot_loss(history, args.lr, args.seed), args.out, "xor_loss.png")
        ch6.show_xor(args.out, args.lr, args.steps, SOLVED_LOSS)  # in a notebook, this network trained live
        manifest.write(__file__, argv, args.out, numbers={"loss": float(history[-1])}, book_check=verdict)


if __name__ == "__main__":
    dlbook.cli.start(main)
