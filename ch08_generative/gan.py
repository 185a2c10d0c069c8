"""8.2-8.3 Generating images with a fully connected GAN on MNIST, in PyTorch.

The book's steps are the sections below. Defaults reproduce the book's run:
    python ch08_generative/gan.py                       # MNIST, 200 epochs
    python ch08_generative/gan.py --dataset fashion-mnist --epochs 20
"""
# (1) Imports
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from dlbook import book, cli, compare, training  # noqa: E402
from dlbook.console import Console  # noqa: E402
from dlbook.device import torch_device  # noqa: E402
from dlbook.figures import plt, save_figure  # noqa: E402
from dlbook.seed import seed_torch  # noqa: E402

# (2) Hyperparameters (the book's)
LATENT_SIZE = 64
HIDDEN_SIZE = 256
IMAGE_SIZE = 784
NUM_EPOCHS = 200
BATCH_SIZE = 100
LEARNING_RATE = 2e-4
PRINT_EVERY = 200

LINE = "Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}"


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, NUM_EPOCHS, BATCH_SIZE, LEARNING_RATE)
    return cli.parse_args(parser, argv)


# (3) Data: the whole training set as one tensor on the device, in [-1, 1] like Normalize(0.5, 0.5)
def load_data(args, device):
    return training.images_on_device(args.dataset, "train", args.data_dir, device, normalize=True)


# (4) Discriminator (8.3.1) and generator (8.3.2)
def discriminator():
    return nn.Sequential(
        nn.Linear(IMAGE_SIZE, HIDDEN_SIZE), nn.LeakyReLU(0.2),
        nn.Linear(HIDDEN_SIZE, HIDDEN_SIZE), nn.LeakyReLU(0.2),
        nn.Linear(HIDDEN_SIZE, 1), nn.Sigmoid())


def generator():
    return nn.Sequential(
        nn.Linear(LATENT_SIZE, HIDDEN_SIZE), nn.ReLU(),
        nn.Linear(HIDDEN_SIZE, HIDDEN_SIZE), nn.ReLU(),
        nn.Linear(HIDDEN_SIZE, IMAGE_SIZE), nn.Tanh())


def denorm(x):
    return ((x + 1) / 2).clamp(0, 1)


def build(args, device):
    D, G = discriminator().to(device), generator().to(device)
    d_optimizer = training.adam(D.parameters(), args.lr, device)
    g_optimizer = training.adam(G.parameters(), args.lr, device)
    return D, G, d_optimizer, g_optimizer


def weights_dir(out):
    return Path(out) / "weights"


# (5) Training (8.3.3): the discriminator's step on real and fake images, then the generator's
criterion = nn.BCELoss()


def train_step(D, G, d_optimizer, g_optimizer, images):
    """One step of each network; returns [d_loss, g_loss, D(x), D(G(z))] without leaving the device.

    The losses and updates are the book's. Two things it computed and threw away are skipped:
    G's gradients from the discriminator's loss (the fakes are made without a graph) and D's gradients from
    the generator's loss (D is frozen for that step). Real and fake images go through D as one
    batch of 2n, which gives the same scores as two batches of n, in fewer, larger matrix products.
    """
    n = len(images)
    real_labels = torch.ones(n, 1, device=images.device)
    fake_labels = torch.zeros(n, 1, device=images.device)

    # The discriminator learns to say 1 for real images and 0 for generated ones.
    with torch.no_grad():
        fake_images = G(torch.randn(n, LATENT_SIZE, device=images.device))
    real_score, fake_score = D(torch.cat([images, fake_images])).split(n)
    d_loss = criterion(real_score, real_labels) + criterion(fake_score, fake_labels)
    d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    d_optimizer.step()

    # The generator learns to make the discriminator say 1 for fresh fakes.
    D.requires_grad_(False)
    g_loss = criterion(D(G(torch.randn(n, LATENT_SIZE, device=images.device))), real_labels)
    g_optimizer.zero_grad(set_to_none=True)
    g_loss.backward()
    g_optimizer.step()
    D.requires_grad_(True)
    return torch.stack([d_loss, g_loss, real_score.mean(), fake_score.mean()]).detach()


def stop_if_collapsed(epoch_rows, epoch):
    """A discriminator that wins every step of an epoch gives the generator no gradient to learn from."""
    if bool(((epoch_rows[:, 2] > 0.99) & (epoch_rows[:, 3] < 0.01)).all()):
        cli.fail(f"the discriminator collapsed in epoch {epoch}: D(x) > 0.99 and D(G(z)) < 0.01 at every step, "
                 f"so the generator learns nothing; try another --seed or a lower --lr", status=1)


def train(args, nets, x_train, con, fixed_noise, start_epoch=0, history=None):
    D, G, d_optimizer, g_optimizer = nets
    n = len(x_train)
    steps_per_epoch = math.ceil(n / args.batch_size)
    total = min(args.epochs * steps_per_epoch, args.max_steps or math.inf)
    if history is None:
        history = torch.full((args.epochs * steps_per_epoch, 4), math.nan, device=x_train.device)
    folder = Path(args.out) / "gan_samples"
    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, args.epochs):
        first = step
        for i, idx in enumerate(training.batch_indices(n, args.batch_size, x_train.device)):
            images = x_train[idx]
            history[step] = train_step(D, G, d_optimizer, g_optimizer, images)
            step += 1
            con.step()
            if (i + 1) % PRINT_EVERY == 0:
                training.stop_if_not_finite(history[:step], steps_per_epoch, first_epoch=0)
                con.print(LINE.format(epoch, args.epochs, i + 1, steps_per_epoch, *history[step - 1].tolist()))
            if step >= total:
                break
        training.stop_if_not_finite(history[:step], steps_per_epoch, first_epoch=0)
        if step - first == steps_per_epoch:
            stop_if_collapsed(history[first:step], epoch)

        # (6) Save real images once, generated ones after every epoch (8.3.4)
        with torch.no_grad():
            if epoch == 0:
                training.save_grid(denorm(images), folder / "real_images.png")
            training.save_grid(denorm(G(torch.randn(len(images), LATENT_SIZE, device=images.device))),
                               folder / f"fake_images-{epoch + 1}.png")
            training.save_grid(denorm(G(fixed_noise)), folder / f"fixed_noise-{epoch + 1}.png")
        training.save_checkpoint(weights_dir(args.out) / "gan.pt", G=G.state_dict(), D=D.state_dict(),
                                 g_optimizer=g_optimizer.state_dict(), d_optimizer=d_optimizer.state_dict(),
                                 epoch=epoch + 1, history=history.cpu(), fixed_noise=fixed_noise.cpu(),
                                 args=vars(args))
        args.epochs_saved = epoch + 1
        if step >= total:
            break
    return history[:step].cpu()


# (7) Figures: Fig 8-7 from the fixed noise, and the course of the game
def book_figures(G, fixed_noise, out, history, steps_per_epoch):
    with torch.no_grad():
        path = Path(out) / "fig8-7_gan_samples.png"
        training.save_grid(denorm(G(fixed_noise)), path, nrow=10)
        print(f"Figure: {path}")

    epochs = torch.arange(1, len(history) + 1) / steps_per_epoch
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    ax1.plot(epochs, history[:, 0], lw=0.4, label="d_loss")
    ax1.plot(epochs, history[:, 1], lw=0.4, label="g_loss")
    ax1.set(ylabel="BCE loss", title="GAN training: losses and the discriminator's scores")
    ax2.plot(epochs, history[:, 2], lw=0.4, label="D(x), real images")
    ax2.plot(epochs, history[:, 3], lw=0.4, label="D(G(z)), generated images")
    ax2.set(xlabel="epoch", ylabel="mean score", ylim=(0, 1))
    for ax in (ax1, ax2):
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    save_figure(fig, out, "gan_training_curves.png")


def main(argv=None):
    args = parse_args(argv)
    device = torch_device(args.device)
    seed_torch(args.seed)
    training.stop_on_signals()
    x_train = load_data(args, device)
    nets = build(args, device)
    D, G, d_optimizer, g_optimizer = nets
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    fixed_noise = torch.randn(100, LATENT_SIZE, device=device)

    start_epoch, history = 0, None
    ckpt = weights_dir(args.out) / "gan.pt"
    if args.resume:
        state = training.resume_state(ckpt, args)
        for module, key in ((G, "G"), (D, "D"), (g_optimizer, "g_optimizer"), (d_optimizer, "d_optimizer")):
            module.load_state_dict(state[key])
        start_epoch, history = state["epoch"], state["history"].to(device)
        fixed_noise = state["fixed_noise"].to(device)
    args.epochs_saved = start_epoch

    total = min(args.epochs * steps_per_epoch, args.max_steps or math.inf) - start_epoch * steps_per_epoch
    with Console(args.log, total, label="gan", append=args.resume) as con:
        try:
            history = train(args, nets, x_train, con, fixed_noise, start_epoch, history)
        except KeyboardInterrupt:
            con.close()
            training.report_interrupt(ckpt, args.epochs_saved)
        # Does this run match the book? The printed lines against the book's, with one verdict line.
        compare.report("gan", book.parse("gan", "\n".join(con.lines))[0], con, args.dataset, args.epochs)
    # The book's two weight files, beside the full checkpoint that --resume uses.
    for net, name in ((G, "G.ckpt"), (D, "D.ckpt")):
        with training.atomic_path(weights_dir(args.out) / name) as tmp:
            torch.save(net.state_dict(), tmp)
    book_figures(G, fixed_noise, args.out, history, steps_per_epoch)
    print(f"Weights: {weights_dir(args.out)}/G.ckpt, D.ckpt")
    return {"history": history}


if __name__ == "__main__":
    main()
