"""8.1 Generating images with a variational autoencoder (VAE), in PyTorch: Fig 8-4 and Fig 8-5.

The book's steps (1)-(8) are the sections below, in its order and names; the listing as printed is
listings/vae_listing.py. Defaults reproduce the book's run:
    python ch08_generative/vae.py                       # MNIST, 30 epochs
    python ch08_generative/vae.py --dataset fashion-mnist --epochs 5
"""
# (1) Import the packages we need
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from dlbook import checkpoints, cli, compare, data, loader, manifest, training
from dlbook.console import Console
from dlbook.device import torch_device
from dlbook.diagrams import Diagram, linear_text
from dlbook.page import live, notebook
from dlbook.paths import DATA_DIR
from dlbook.figures import plt, save_figure, show
from dlbook.seed import seed_torch
from dlbook.figures import save_image  # changed: torchvision's save_image, written atomically

# (2) Hyperparameters
image_size = 784
h_dim = 400
z_dim = 20
num_epochs = 30
batch_size = 128
learning_rate = 1e-3
print_every = 100  # the book's printout has a line every 100 steps


def parse_args(argv=None):
    """The flags: defaults are the hyperparameters above; --z-dim 2 gives the VAE of Fig 8-8."""
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, num_epochs, batch_size, learning_rate)
    parser.add_argument("--z-dim", type=cli.positive_int, default=z_dim,
                        help=f"latent size ({z_dim} in the book; 2 gives the manifold of Fig 8-8)")
    return cli.parse_args(parser, argv)


# (3) The data set as tensors, in shuffled batches
def load_data(args, device):
    # Speed-up: the book's datasets.MNIST and DataLoader(shuffle=True) as one tensor on the device
    return loader.load_data(args, device)


# (4) The VAE model: encode to (mu, log_var), sample z, decode
class VAE(nn.Module):
    def __init__(self, image_size=784, h_dim=400, z_dim=20):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(image_size, h_dim)
        self.fc2 = nn.Linear(h_dim, z_dim)
        self.fc3 = nn.Linear(h_dim, z_dim)
        self.fc4 = nn.Linear(z_dim, h_dim)
        self.fc5 = nn.Linear(h_dim, image_size)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h), self.fc3(h)

    # Sample z with the reparameterisation trick: the book's code uses the standard deviation
    # exp(log_var/2), where its formula (8.1) prints exp(log_var)
    def reparameterize(self, mu, log_var):
        std = torch.exp(log_var / 2)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h = F.relu(self.fc4(z))
        return F.sigmoid(self.fc5(h))

    def forward(self, x):
        mu, log_var = self.encode(x)
        z = self.reparameterize(mu, log_var)
        x_reconst = self.decode(z)
        return x_reconst, mu, log_var


# (5) The device (--device picks it and says which) and the optimizer
def build(args, device):
    model = VAE(z_dim=args.z_dim).to(device)  # changed: z_dim from --z-dim (the book's 20 by default)
    # Speed-up: fused=True updates all parameters in one kernel (same steps), on CPU, CUDA and MPS alike.
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, fused=True)
    return model, optimizer


# (6) Train the model, saving the sampled and the reconstructed images after every epoch
def train(args, model, optimizer, data_loader, run):
    num_epochs, device = args.epochs, next(model.parameters()).device
    sample_dir = os.path.join(args.out, f"vae_samples{suffix(args.z_dim)}")
    for epoch in run.epochs(num_epochs):  # plumbing: resume, checks, checkpoint after each epoch
        for i, (x, _) in enumerate(data_loader):
            # Forward pass
            x = x.to(device).view(-1, image_size)
            x_reconst, mu, log_var = model(x)

            # Reconstruction loss and KL divergence
            reconst_loss = F.binary_cross_entropy(x_reconst, x, reduction="sum")  # was size_average=False (removed)
            kl_div = - 0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())

            # Back-propagate and optimise
            loss = reconst_loss + kl_div
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            if (i + 1) % print_every == 0:  # changed: was % 100; print_every (100) lets the tests print sooner
                print("Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}, KL Div: {:.4f}"
                      .format(epoch + 1, num_epochs, i + 1, len(data_loader), reconst_loss.item(), kl_div.item()))
            if run.step(reconst_loss, kl_div):  # plumbing: loss history, progress, --max-steps
                break

        with torch.no_grad():
            # Save the sampled images
            z = torch.randn(batch_size, args.z_dim).to(device)  # changed: args.z_dim, as above
            out = model.decode(z).view(-1, 1, 28, 28)
            save_image(out, os.path.join(sample_dir, 'sampled-{}.png'.format(epoch + 1)))

            # Save the reconstructed images: odd columns the originals, even columns their reconstructions
            out, _, _ = model(x)
            x_concat = torch.cat([x.view(-1, 1, 28, 28), out.view(-1, 1, 28, 28)], dim=3)
            save_image(x_concat, os.path.join(sample_dir, 'reconst-{}.png'.format(epoch + 1)))


# (7) Originals beside their reconstructions, after training (Fig 8-4)
def reconstruction_figure(model, x_test, out):
    with torch.no_grad():
        x = x_test[:64].view(-1, image_size)
        x_reconst = model.decode(model.encode(x)[0])  # the mean code: the sharpest reconstruction
        x_concat = torch.cat([x.view(-1, 1, 28, 28), x_reconst.view(-1, 1, 28, 28)], dim=3)
    path = os.path.join(out, f"fig8-4_vae_reconstruction{suffix(model.fc2.out_features)}.png")
    save_image(x_concat, path)
    show(path)


# (8) New images decoded from points z of the latent space (Fig 8-5)
def samples_figure(model, out):
    with torch.no_grad():
        z = torch.randn(batch_size, model.fc2.out_features, device=next(model.parameters()).device)
        images = model.decode(z).view(-1, 1, 28, 28)
    path = os.path.join(out, f"fig8-5_vae_samples{suffix(model.fc2.out_features)}.png")
    save_image(images, path)
    show(path)


# Fig 8-2: the VAE's four modules as the book numbers them, sizes read from the model
def architecture_diagram(model):
    n, m = model.fc1.in_features, model.fc2.out_features
    d = Diagram(16, 7.6, "Fig 8-2  The VAE: (1) encode, (2) sample $\\epsilon$, (3) form $z$, (4) decode; "
                "loss = reconstruction + KL")
    x = d.box(0.8, 4, f"$X$\n{n}", "data", width=1.2)
    encoder = d.box(3.2, 4, "(1) encoder\nfc1, fc2, fc3", "net")
    mu = d.box(6.4, 5, f"$\\mu$ (mu)\n{m}-D", "latent", width=2.2)
    log_var = d.box(6.4, 3, f"$\\log\\sigma^2$ (log_var)\n{m}-D", "latent", width=2.9)
    sample = d.box(9.6, 4, f"(3) $z = \\mu + \\sigma \\cdot \\epsilon$\n$z$: {model.fc4.in_features}-D", "latent",
                   width=2.9)
    eps = d.box(9.6, 1.6, f"(2) $\\epsilon \\sim N(0, I)$\n{m}-D", "input", width=2.6)
    decoder = d.box(12.8, 4, "(4) decoder\nfc4, fc5", "net")
    x_reconst = d.box(15.2, 4, f"$\\tilde{{X}}$\n{model.fc5.out_features}", "data", width=1.2)
    for a, b in [(x, encoder), (encoder, mu), (encoder, log_var), (mu, sample), (log_var, sample), (eps, sample),
                 (sample, decoder), (decoder, x_reconst)]:
        d.arrow(a, b)
    # The code's sigma: exp(log_var / 2) is the standard deviation, where the book's (8.1) prints exp(log_var)
    d.label(0.3, 1.6, "$\\sigma = \\exp(\\log\\sigma^2 / 2)$, the standard deviation\n(the book's (8.1) prints exp(log_var))",
            ha="left")
    loss = d.box(8, 6.9, "loss = reconstruction BCE($\\tilde{X}$, $X$) + KL(N($\\mu$, $\\sigma^2$) || N(0, I))",
                 "loss", width=15.4)
    for node in (x, mu, x_reconst):
        d.arrow(node, (node.x, 6.45))
    return d.fig


# Fig 8-3: the network layer by layer, every name and size read from the model (the activations are
# F.relu and F.sigmoid in encode and decode, not modules, so those names are written here)
def network_diagram(model):
    d = Diagram(16.4, 5.6, "Fig 8-3  The VAE's network: layers and sizes of the model that runs")
    fc = dict(width=2.1)
    x = d.box(0.7, 3.4, f"$x$\n{model.fc1.in_features}", "data", width=1.2)
    fc1 = d.box(2.95, 3.4, f"fc1\n{linear_text(model.fc1)}\nReLU", "hidden", **fc)
    fc2 = d.box(5.75, 4.6, f"fc2: mu\n{linear_text(model.fc2)}", "latent", **fc)
    fc3 = d.box(5.75, 2.2, f"fc3: log_var\n{linear_text(model.fc3)}", "latent", **fc)
    z = d.box(8.3, 3.4, f"$z$\n{model.fc4.in_features}", "latent", width=1.2)
    eps = d.box(8.3, 0.8, "$\\epsilon \\sim N(0, I)$", "input", width=2.4)
    fc4 = d.box(10.65, 3.4, f"fc4\n{linear_text(model.fc4)}\nReLU", "hidden", **fc)
    fc5 = d.box(13.25, 3.4, f"fc5\n{linear_text(model.fc5)}\nSigmoid", "output", **fc)
    x_reconst = d.box(15.6, 3.4, f"$\\tilde{{x}}$\n{model.fc5.out_features}", "data", width=1.2)
    for a, b in [(x, fc1), (fc1, fc2), (fc1, fc3), (fc2, z), (fc3, z), (eps, z), (z, fc4), (fc4, fc5), (fc5, x_reconst)]:
        d.arrow(a, b)
    return d.fig


# Beyond the book: the loss curves, and the loss per image over whole splits
def loss_curves(history, steps_per_epoch, n_train, batch_size, z_dim, out):
    # Per image rather than per batch, so each epoch's short last batch does not show as a dip.
    sizes = torch.tensor([len(b) for b in torch.arange(n_train).split(batch_size)], dtype=torch.float)
    per_image = history / sizes.repeat(len(history) // len(sizes) + 1)[:len(history), None]
    epochs = torch.arange(1, len(history) + 1) / steps_per_epoch
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, per_image[:, 0], lw=0.6, label="reconstruction (BCE)")
    ax.plot(epochs, per_image[:, 1], lw=0.6, label="KL divergence")
    ax.set(xlabel="epoch", ylabel="nats per image", yscale="log", title="VAE training losses")
    ax.legend()
    ax.grid(alpha=0.3)
    save_figure(fig, out, f"vae_loss_curves{suffix(z_dim)}.png")


def per_image_nats(model, x, chunk=2000):
    """Mean (reconstruction, KL) per image in nats over a whole split, one z sample per image."""
    totals = torch.zeros(2, device=x.device)
    with torch.no_grad():
        for xb in x.view(-1, image_size).split(chunk):
            x_reconst, mu, log_var = model(xb)
            totals += torch.stack([F.binary_cross_entropy(x_reconst, xb, reduction="sum"),
                                   -0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())])
    return (totals / len(x)).tolist()


def suffix(z):
    """Outputs of a latent size other than the book's get their own names, so they never overwrite its figures."""
    return "" if z == z_dim else f"_z{z}"


def weights_path(out, z):
    return os.path.join(out, "weights", f"vae_z{z}.pt")


def load_vae(checkpoint, device):
    """A trained VAE from the checkpoint vae.py saves (the loaded dict), for the later sections
    that use it: autoencoder.py, vae_vs_gan.py, evaluate.py."""
    return checkpoints.load_model(VAE(z_dim=checkpoint["args"]["z_dim"]), checkpoint, "model", device)


# ---- Beyond the book: the live Fig 8-8 (figures/index.html, and a notebook's output) -------------
CODES = 3000  # test images whose codes the live Fig 8-8 draws as dots


def test_codes(model, dataset, data_dirs, n=CODES):
    """(codes [n, 2] as the encoder's means, labels, a note) for the first n test images of `dataset`."""
    reasons = []
    for folder in dict.fromkeys(str(d) for d in data_dirs if d):
        try:
            images, labels = data.load(dataset, "test", folder, allow_download=False)
            break
        except data.DataError as err:
            reasons.append(str(err).splitlines()[0])
    else:
        return None, None, f"no dots: the {dataset} test images were not found ({'; '.join(reasons)})"
    device = next(model.parameters()).device
    x = torch.from_numpy(images[:n].reshape(-1, 784)).to(device).float().div(255)
    with torch.no_grad():
        codes = model.encode(x)[0]
    return codes, torch.from_numpy(labels[:n].copy()), f"dots: the codes of {len(x)} {dataset} test images"


def live_spec(model, dataset, data_dirs, note):
    """The live Fig 8-8's model: the 2-D VAE's decoder (decode: fc4, ReLU, fc5, sigmoid) and the test
    images' codes."""
    codes, labels, dots = test_codes(model, dataset, data_dirs)
    spread = float(codes.abs().flatten().quantile(0.995)) if codes is not None else 0.0
    # vae_vs_gan.py's lattice: the normal quantiles 0.05 ... 0.95, and 0.1 beyond (its imshow extent)
    lattice = float(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor(0.95))) + 0.1
    return {"input": 2, "layers": live.layers([model.fc4, nn.ReLU(), model.fc5, nn.Sigmoid()]),
            "codes": live.floats(codes) if codes is not None else None,
            "labels": live.bytes_(labels) if labels is not None else None,
            "range": max(3.0, math.ceil(spread * 2) / 2), "lattice": lattice,
            "class_names": live.class_names(dataset), "short": "VAE", "note": f"{note}; {dots}"}


def live_export(path):
    """The 2-D VAE saved in `path` as the page's live model (live.Unusable if the page cannot run it)."""
    model, checkpoint = live.read_weights(path, "model", VAE(z_dim=2), load_vae,
                                          "the checkpoint of vae.py --z-dim 2: a 2-D VAE, fc4 2->400, fc5 400->784")
    args = checkpoint["args"]
    return live_spec(model, args.get("dataset", "mnist"), [args.get("data_dir"), DATA_DIR], live.trained(checkpoint))


def show_live(model, args):
    """In a notebook, the live Fig 8-8 of a 2-D VAE (point at z, see the digit); elsewhere, or for another
    latent size, nothing. Returns the HTML shown, or None."""
    if model.fc4.in_features != 2:
        return None
    return notebook.show({"vae_z2": lambda: live_spec(model, args.dataset, [args.data_dir, DATA_DIR],
                                                       "this run's 2-D VAE")}, ["pad"])


def find_or_train_vae(args, z, epochs, device):
    """The z-D VAE vae.py saved in --out (or --out/vae_vs_gan), else one trained there now for
    `epochs` epochs: (the model, a note for titles). For autoencoder.py (8.1.1) and vae_vs_gan.py (8.4)."""
    state, note = checkpoints.find_or_train(args, f"{z}-D VAE", lambda folder: weights_path(folder, z), main,
                                            ["--epochs", str(epochs), "--z-dim", str(z)], "vae_vs_gan")
    return load_vae(state, device), note


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        data_loader = load_data(args, device)
        model, optimizer = build(args, device)
        with training.Run(args, "vae", weights_path(args.out, args.z_dim), len(data_loader), console=console,
                          model=model, optimizer=optimizer) as run:
            train(args, model, optimizer, data_loader, run)
        model.eval()
        x_test, _ = loader.load_mnist(args, device, train=False)
        train_nats, test_nats = per_image_nats(model, data_loader.images), per_image_nats(model, x_test)
        print(f"Per-image loss (nats, one z sample): train {sum(train_nats):.1f} "
              f"(reconst {train_nats[0]:.1f} + KL {train_nats[1]:.1f}), test {sum(test_nats):.1f} "
              f"(reconst {test_nats[0]:.1f} + KL {test_nats[1]:.1f})")
        # Does this run match the book? The printed lines against the book's, with one verdict line.
        if args.z_dim == z_dim:
            verdict = compare.report("vae", run.lines, args.dataset, args.epochs, args.out)
        else:
            verdict = compare.no_verdict(f"Book check: the book's VAE has a {z_dim}-D latent space; with --z-dim "
                                         f"{args.z_dim} its numbers do not apply (no verdict)")
        reconstruction_figure(model, x_test, args.out)
        samples_figure(model, args.out)
        show_live(model, args)  # a 2-D VAE in a notebook: Fig 8-8 live, point at z (elsewhere nothing)
        history = run.losses()
        loss_curves(history, len(data_loader), len(data_loader.images), args.batch_size, args.z_dim, args.out)
        save_figure(architecture_diagram(model), args.out, f"fig8-2_vae_architecture{suffix(args.z_dim)}.png")
        save_figure(network_diagram(model), args.out, f"fig8-3_vae_network{suffix(args.z_dim)}.png")
        if run.epochs_saved:  # a --max-steps run may stop before its first epoch ends: then none were written
            print(f"Weights: {weights_path(args.out, args.z_dim)}")
        else:
            print("Weights: none saved (stopped before the first epoch ended)")
        numbers = {"train_nats": sum(train_nats), "train_reconst": train_nats[0], "train_kl": train_nats[1],
                   "test_nats": sum(test_nats), "test_reconst": test_nats[0], "test_kl": test_nats[1]}
        manifest.write(__file__, argv, args.out, f"vae{suffix(args.z_dim)}", numbers,
                       saved=[weights_path(args.out, args.z_dim)] if run.epochs_saved else [], book_check=verdict)
    return {"history": history, "train_nats": train_nats, "test_nats": test_nats}


if __name__ == "__main__":
    cli.start(main)
