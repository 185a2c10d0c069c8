"""6.5 A deep-learning model built with Keras: a multilayer perceptron that classifies MNIST digits.

The network of the classic Keras example mnist_mlp.py: 784 -> 512 ReLU -> 512 ReLU -> 10 softmax,
dropout 0.2 after each hidden layer, RMSprop, 20 epochs of batches of 128. Runs on Keras 3's
TensorFlow backend (the default) or on another one chosen with KERAS_BACKEND (e.g. torch); on
PyTorch where TensorFlow is not installed.

    python ch06_feedforward/keras_mlp.py
    python ch06_feedforward/keras_mlp.py --dataset fashion-mnist --epochs 5
"""
import contextlib
import sys

import numpy as np

import dlbook.cli
from dlbook import manifest
import dlbook.data
import dlbook.device
import dlbook.frameworks
from dlbook.console import Console
from dlbook.figures import plt, save_figure
from dlbook.seed import seed_keras

# `import keras`, on TensorFlow without its start-up notices, or on PyTorch where TensorFlow is not
# installed (Python 3.14) or KERAS_BACKEND=torch says so.
keras = dlbook.frameworks.load_keras()

EPOCHS = 20
BATCH_SIZE = 128
VALIDATION_SPLIT = 0.1  # the last 10% of the training images; the test set stays unseen until the end
NUM_CLASSES = 10


def parse_args(argv=None):
    parser = dlbook.cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--epochs", type=dlbook.cli.positive_int, default=EPOCHS,
                        help=f"training epochs (default {EPOCHS})")
    parser.add_argument("--batch-size", type=dlbook.cli.positive_int, default=BATCH_SIZE,
                        help=f"mini-batch size (default {BATCH_SIZE})")
    parser.add_argument("--max-train", type=dlbook.cli.positive_int, metavar="N",
                        help="use only the first N training images (quick runs)")
    return dlbook.cli.parse_args(parser, argv)


def device_scope(name):
    """A keras.device scope for --device on whichever backend Keras runs."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return keras.device(dlbook.device.tf_device(name))
    if backend == "torch":
        return keras.device(str(dlbook.device.torch_device(name)))
    if name not in ("auto", "cpu"):
        dlbook.cli.fail(f"--device {name}: not supported on the {backend} backend by this script")
    print(f"Device: Keras {backend} backend default")
    return contextlib.nullcontext()


# (1) Data: 28x28 grey images flattened into 784 inputs in [0, 1], labels 0..9.

def load_data(name, data_dir, max_train=None):
    x_train, y_train = dlbook.data.load(name, "train", data_dir)
    x_test, y_test = dlbook.data.load(name, "test", data_dir)
    if max_train:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    if len(x_train) < 2:
        dlbook.cli.fail(f"--max-train {max_train}: need at least 2 images (one is held out for validation)")

    def prepare(images):
        return images.reshape(len(images), 28 * 28).astype("float32") / 255

    return (prepare(x_train), y_train.astype("int64")), (prepare(x_test), y_test.astype("int64"))


# (2) The model: two hidden layers of 512 ReLU units, dropout against over-fitting, softmax output.

def build_model():
    return keras.Sequential([
        keras.Input(shape=(28 * 28,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(NUM_CLASSES, activation="softmax"),
    ])


# ---- Figures ----

def plot_history(history, title):
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, history[key], "o-", label="training")
        ax.plot(epochs, history["val_" + key], "s--", label="validation")
        ax.set(xlabel="epoch", ylabel=key, title=f"{title}: {key}")
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def plot_predictions(images, labels, predicted, class_names, title, rows=3, cols=8):
    """The first rows*cols test images, then one row of the first mistakes after them (red)."""
    first = np.arange(rows * cols)
    wrong = np.flatnonzero(predicted != labels)
    later_mistakes = wrong[wrong >= rows * cols][:cols]
    shown = np.concatenate([first, later_mistakes])
    total_rows = rows + (1 if later_mistakes.size else 0)
    fig, axes = plt.subplots(total_rows, cols, figsize=(1.6 * cols, 1.9 * total_rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, shown):
        ok = predicted[i] == labels[i]
        ax.imshow(images[i].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{class_names[predicted[i]]}\n(true: {class_names[labels[i]]})",
                     fontsize=8, color="black" if ok else "red")
    fig.suptitle(f"{title}: first {rows * cols} test images"
                 + (", last row: next mistakes" if later_mistakes.size else "")
                 + " (prediction, true label; wrong in red)", fontsize=10)
    return fig


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log):  # first, so --log holds every line the terminal shows
        device = device_scope(args.device)  # before any work, so a wrong --device stops the run at once
        seed_keras(args.seed)
        title = f"{dlbook.data.DATASETS[args.dataset]['title']} MLP"
        (x_train, y_train), (x_test, y_test) = load_data(args.dataset, args.data_dir, args.max_train)
        with device:
            print(f"{len(x_train)} train samples")
            print(f"{len(x_test)} test samples")
            model = build_model()
            model.summary()

            # (3) Cost and optimizer: cross-entropy on the softmax output, RMSprop as in the classic example.
            model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(),
                          metrics=["accuracy"])

            # (4) Train: one line per epoch when stdout is a file or a pipe, a live bar in a terminal.
            history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                                validation_split=VALIDATION_SPLIT, verbose=1 if sys.stdout.isatty() else 2)

            # (5) Evaluate once on the test set.
            loss, accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
            print(f"Test loss: {loss:.4f}")
            print(f"Test accuracy: {accuracy:.4f}")
            predicted = np.argmax(model.predict(x_test, batch_size=1024, verbose=0), axis=1)

        save_figure(plot_history(history.history, title), args.out, "keras_training_curves.png")
        save_figure(plot_predictions(x_test, y_test, predicted, dlbook.data.DATASETS[args.dataset]["class_names"],
                                     title), args.out, "keras_predictions.png")
        manifest.write(__file__, argv, args.out, numbers={"test_loss": loss, "test_accuracy": accuracy})
    return loss, accuracy


if __name__ == "__main__":
    dlbook.cli.start(main)
