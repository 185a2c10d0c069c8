"""8.1 Generating images with a variational autoencoder (VAE) on MNIST, in PyTorch.

The book's steps (1)-(8) are the sections below. Defaults reproduce the book's run:
    python ch08_generative/vae.py                       # MNIST, 30 epochs
    python ch08_generative/vae.py --dataset fashion-mnist --epochs 5
"""
# (1) Imports
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from dlbook import book, cli, compare, training  # noqa: E402
from dlbook.console import Console  # noqa: E402
from dlbook.device import torch_device  # noqa: E402
from dlbook.figures import plt, save_figure  # noqa: E402
from dlbook.seed import seed_torch  # noqa: E402

# (2) Hyperparameters (the book's)
IMAGE_SIZE = 784
H_DIM = 400
Z_DIM = 20
NUM_EPOCHS = 30
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
PRINT_EVERY = 100

LINE = "Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}, KL Div: {:.4f}"


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, NUM_EPOCHS, BATCH_SIZE, LEARNING_RATE)
    parser.add_argument("--z-dim", type=cli.positive_int, default=Z_DIM,
                        help="latent size (20 in the book; 2 gives the manifold of Fig 8-8)")
    return cli.parse_args(parser, argv)


# (3) Data: each split as one tensor on the device, pixels in [0, 1] like ToTensor()
def load_data(args, device):
    return (training.images_on_device(args.dataset, "train", args.data_dir, device),
            training.images_on_device(args.dataset, "test", args.data_dir, device))


# (4) The model: encoder to (mu, log_var), reparameterisation, decoder
class VAE(nn.Module):
    def __init__(self, image_size=IMAGE_SIZE, h_dim=H_DIM, z_dim=Z_DIM):
        super().__init__()
        self.fc1 = nn.Linear(image_size, h_dim)
        self.fc2 = nn.Linear(h_dim, z_dim)
        self.fc3 = nn.Linear(h_dim, z_dim)
        self.fc4 = nn.Linear(z_dim, h_dim)
        self.fc5 = nn.Linear(h_dim, image_size)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h), self.fc3(h)

    def reparameterize(self, mu, log_var):
        std = torch.exp(log_var / 2)  # the book's code: the standard deviation, not exp(log_var)
        return mu + torch.randn_like(std) * std

    def decode_logits(self, z):
        return self.fc5(F.relu(self.fc4(z)))

    def decode(self, z):
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x):
        mu, log_var = self.encode(x)
        return self.decode_logits(self.reparameterize(mu, log_var)), mu, log_var


def vae_losses(logits, x, mu, log_var):
    """Per-batch sums, as the book prints them: BCE over pixels and images, and the KL term.

    BCE is taken from the decoder's logits: the same value as BCE on the sigmoid output, without
    the log(0) clamp and in one kernel.
    """
    reconst = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())
    return reconst, kl


# (5) Device and optimiser
def build(args, device):
    model = VAE(z_dim=args.z_dim).to(device)
    optimizer = training.adam(model.parameters(), args.lr, device)
    return model, optimizer


def weights_path(out, z_dim):
    return Path(out) / "weights" / f"vae_z{z_dim}.pt"


def load_vae(path, device):
    """A trained VAE from the file vae.py saves (used by vae_vs_gan.py)."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    model = VAE(z_dim=state["z_dim"]).to(device)
    model.load_state_dict(state["model"])
    return model.eval()


# (6) Training, saving sampled and reconstructed images after every epoch
def train_step(model, optimizer, x):
    logits, mu, log_var = model(x)
    reconst, kl = vae_losses(logits, x, mu, log_var)
    optimizer.zero_grad(set_to_none=True)
    (reconst + kl).backward()
    optimizer.step()
    return torch.stack([reconst.detach(), kl.detach()])


def save_epoch_images(model, x_last, z_dim, folder, epoch):
    """The book's per-epoch files: 128 samples from N(0, I), and originals beside reconstructions
    (odd columns originals, even columns reconstructions) of the epoch's last batch."""
    with torch.no_grad():
        z = torch.randn(BATCH_SIZE, z_dim, device=x_last.device)
        training.save_grid(model.decode(z), folder / f"sampled-{epoch}.png")
        recon = torch.sigmoid(model(x_last)[0])
        pairs = torch.cat([x_last.view(-1, 1, 28, 28), recon.view(-1, 1, 28, 28)], dim=3)
        training.save_grid(pairs, folder / f"reconst-{epoch}.png")


def train(args, model, optimizer, x_train, con, start_epoch=0, history=None):
    """Run the epochs; returns the per-step [reconst, kl] history (kept on the device until the end)."""
    n = len(x_train)
    steps_per_epoch = math.ceil(n / args.batch_size)
    total = min(args.epochs * steps_per_epoch, args.max_steps or math.inf)
    if history is None:
        history = torch.full((args.epochs * steps_per_epoch, 2), math.nan, device=x_train.device)
    folder = Path(args.out) / f"vae_samples{suffix(args.z_dim)}"
    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, args.epochs):
        for i, idx in enumerate(training.batch_indices(n, args.batch_size, x_train.device)):
            x = x_train[idx]
            history[step] = train_step(model, optimizer, x)
            step += 1
            con.step()
            if (i + 1) % PRINT_EVERY == 0:
                reconst, kl = history[step - 1].tolist()  # the only host read-back
                training.stop_if_not_finite(history[:step], steps_per_epoch)
                con.print(LINE.format(epoch + 1, args.epochs, i + 1, steps_per_epoch, reconst, kl))
            if step >= total:
                break
        training.stop_if_not_finite(history[:step], steps_per_epoch)
        save_epoch_images(model, x, args.z_dim, folder, epoch + 1)
        training.save_checkpoint(weights_path(args.out, args.z_dim), model=model.state_dict(),
                                 optimizer=optimizer.state_dict(), epoch=epoch + 1, z_dim=args.z_dim,
                                 history=history.cpu(), args=vars(args))
        args.epochs_saved = epoch + 1
        if step >= total:
            break
    return history[:step].cpu()


def per_image_nats(model, x, chunk=2000):
    """Mean (reconstruction, KL) per image in nats over a whole split, one z sample per image."""
    totals = torch.zeros(2, device=x.device)
    with torch.no_grad():
        for xb in x.split(chunk):
            logits, mu, log_var = model(xb)
            totals += torch.stack(vae_losses(logits, xb, mu, log_var))
    return (totals / len(x)).tolist()


# (7) Originals and reconstructions (Fig 8-4); (8) new images decoded from the latent space (Fig 8-5)
def suffix(z_dim):
    """Outputs of a latent size other than the book's get their own names, so they never overwrite its figures."""
    return "" if z_dim == Z_DIM else f"_z{z_dim}"


def book_figures(model, x_test, z_dim, out, history, n_train, batch_size):
    with torch.no_grad():
        x = x_test[:64]
        recon = model.decode(model.encode(x)[0])  # the mean code: the sharpest reconstruction
        pairs = torch.cat([x.view(-1, 1, 28, 28), recon.view(-1, 1, 28, 28)], dim=3)
        path = Path(out) / f"fig8-4_vae_reconstruction{suffix(z_dim)}.png"
        training.save_grid(pairs, path)
        print(f"Figure: {path}")
        samples = model.decode(torch.randn(BATCH_SIZE, z_dim, device=x.device))
        path = Path(out) / f"fig8-5_vae_samples{suffix(z_dim)}.png"
        training.save_grid(samples, path)
        print(f"Figure: {path}")

    # Per image rather than per batch, so each epoch's short last batch does not show as a dip.
    sizes = torch.tensor([len(b) for b in torch.arange(n_train).split(batch_size)])
    per_image = history / sizes.repeat(len(history) // len(sizes) + 1)[:len(history), None]
    epochs = torch.arange(1, len(history) + 1) / len(sizes)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, per_image[:, 0], lw=0.6, label="reconstruction (BCE)")
    ax.plot(epochs, per_image[:, 1], lw=0.6, label="KL divergence")
    ax.set(xlabel="epoch", ylabel="nats per image", yscale="log", title="VAE training losses")
    ax.legend()
    ax.grid(alpha=0.3)
    save_figure(fig, out, f"vae_loss_curves{suffix(z_dim)}.png")


def main(argv=None):
    args = parse_args(argv)
    device = torch_device(args.device)
    seed_torch(args.seed)
    training.stop_on_signals()
    x_train, x_test = load_data(args, device)
    model, optimizer = build(args, device)
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)

    start_epoch, history = 0, None
    ckpt = weights_path(args.out, args.z_dim)
    if args.resume:
        state = training.resume_state(ckpt, args)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, history = state["epoch"], state["history"].to(device)
    args.epochs_saved = start_epoch

    total = min(args.epochs * steps_per_epoch, args.max_steps or math.inf) - start_epoch * steps_per_epoch
    with Console(args.log, total, label="vae", append=args.resume) as con:
        try:
            history = train(args, model, optimizer, x_train, con, start_epoch, history)
        except KeyboardInterrupt:
            con.close()
            training.report_interrupt(ckpt, args.epochs_saved)
        model.eval()
        train_nats, test_nats = per_image_nats(model, x_train), per_image_nats(model, x_test)
        con.print(f"Per-image loss (nats, one z sample): train {sum(train_nats):.1f} "
                  f"(reconst {train_nats[0]:.1f} + KL {train_nats[1]:.1f}), test {sum(test_nats):.1f} "
                  f"(reconst {test_nats[0]:.1f} + KL {test_nats[1]:.1f})")
        # Does this run match the book? The printed lines against the book's, with one verdict line.
        if args.z_dim == Z_DIM:
            compare.report("vae", book.parse("vae", "\n".join(con.lines))[0], con, args.dataset, args.epochs)
        else:
            con.print(f"Book check: the book's VAE has a {Z_DIM}-D latent space; with --z-dim {args.z_dim} "
                      f"its numbers do not apply (no verdict)")
    book_figures(model, x_test, args.z_dim, args.out, history, len(x_train), args.batch_size)
    print(f"Weights: {ckpt}")
    return {"history": history, "train_nats": train_nats, "test_nats": test_nats}


if __name__ == "__main__":
    main()
