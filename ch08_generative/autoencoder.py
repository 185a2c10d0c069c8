"""8.1.1 The autoencoder, and why the VAE is needed: three figures of our own, after Fig 8-1.

The book: an autoencoder cannot make new images, since its codes z come only from encoding images;
the VAE constrains z to N(0, I). Here a plain autoencoder with the VAE's layer sizes and a 2-D code
is trained like the VAE, then set beside the 2-D VAE (vae.py --z-dim 2, loaded from --out/weights/
or trained here): where the test images' codes lie, what each decoder makes of z ~ N(0, I), and a
walk between two test images. Printed: both reconstruction losses, and how much of N(0, I) the
codes cover (the "holes" as a number).
    python ch08_generative/autoencoder.py                     # MNIST, 30 epochs, like vae.py
    python ch08_generative/autoencoder.py --dataset fashion-mnist --epochs 5
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import vae
from dlbook import cli, data, loader, manifest, training
from dlbook.console import Console
from dlbook.diagrams import Diagram, linear_text
from dlbook.device import torch_device
from dlbook.figures import plt, save_figure, tiles
from dlbook.seed import seed_torch

# Hyperparameters: the VAE's (vae.py), with a 2-D code so that it can be drawn
image_size, h_dim, z_dim = vae.image_size, vae.h_dim, 2
print_every = vae.print_every
CELLS = 20  # N(0, I) is cut into CELLS x CELLS equally likely cells to measure how much the codes cover


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, vae.num_epochs, vae.batch_size, vae.learning_rate)
    return cli.parse_args(parser, argv)


# (1) The autoencoder: the VAE's layers without the sampling step (no fc3 for log_var, no KL term)
class Autoencoder(nn.Module):
    def __init__(self, image_size=784, h_dim=400, z_dim=2):
        super().__init__()
        self.fc1 = nn.Linear(image_size, h_dim)
        self.fc2 = nn.Linear(h_dim, z_dim)
        self.fc4 = nn.Linear(z_dim, h_dim)
        self.fc5 = nn.Linear(h_dim, image_size)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h)

    def decode(self, z):
        h = F.relu(self.fc4(z))
        return F.sigmoid(self.fc5(h))

    def forward(self, x):
        return self.decode(self.encode(x))


# Fig 8-1: the autoencoder's architecture, every size read from the model (its activations are
# F.relu and F.sigmoid in encode and decode, not modules, so those two names are written here)
def architecture_diagram(model):
    d = Diagram(15.6, 4.8, "Fig 8-1  The autoencoder: encode $X$ to a low-dimensional code $z$, decode $z$ to $\\tilde{X}$")
    x = d.box(0.9, 3.5, f"$X$\n{model.fc1.in_features}", "data", width=1.3)
    encoder = d.box(4, 3.5, f"encoder\nfc1: {linear_text(model.fc1)}, ReLU\nfc2: {linear_text(model.fc2)}", "net")
    z = d.box(7.3, 3.5, f"code $z$\n{model.fc2.out_features}-D", "latent", width=1.7)
    decoder = d.box(10.8, 3.5, f"decoder\nfc4: {linear_text(model.fc4)}, ReLU\nfc5: {linear_text(model.fc5)}, Sigmoid",
                    "net")
    x_reconst = d.box(14.6, 3.5, f"$\\tilde{{X}}$\n{model.fc5.out_features}", "data", width=1.3)
    for a, b in [(x, encoder), (encoder, z), (z, decoder), (decoder, x_reconst)]:
        d.arrow(a, b)
    # The loss compares X with X~: a box below both, reached by straight drops
    d.box(7.75, 1, "loss: BCE($\\tilde{X}$, $X$), the reconstruction error", "loss", width=14.6)
    d.arrow(x, (x.x, 1.45))
    d.arrow(x_reconst, (x_reconst.x, 1.45))
    return d.fig


# (2) Train it like the VAE: the same data, optimizer and reconstruction loss, and nothing else
def train(args, model, optimizer, data_loader, run):
    for epoch in run.epochs(args.epochs):
        for i, (x, _) in enumerate(data_loader):
            x = x.view(-1, image_size)
            x_reconst = model(x)
            reconst_loss = F.binary_cross_entropy(x_reconst, x, reduction="sum")
            optimizer.zero_grad()
            reconst_loss.backward()
            optimizer.step()
            if (i + 1) % print_every == 0:
                print("Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}"
                      .format(epoch + 1, args.epochs, i + 1, len(data_loader), reconst_loss.item()))
            if run.step(reconst_loss):
                break


# (3) The numbers: reconstruction loss per test image, and how much of N(0, I) the codes cover
def reconstruction_nats(decode, codes, x):
    with torch.no_grad():
        return F.binary_cross_entropy(decode(codes), x, reduction="sum").item() / len(x)


def prior_coverage(codes, cells=CELLS):
    """Share of the cells x cells equally likely cells of N(0, I) (cut at its quantiles, 99% of its
    mass in all) that hold at least a quarter of the codes N(0, I) itself would put there: about 1
    for codes spread like N(0, I), small for codes on another scale or bunched in places. The rest
    are holes: a sample z that falls there decodes to what no training image looked like. (With
    fewer than about 1,600 codes, a quarter of a cell's share is under one code: then any code counts.)"""
    q = torch.linspace(0.0025, 0.9975, cells + 1)
    edges = torch.distributions.Normal(0.0, 1.0).icdf(q)
    codes = codes.detach().cpu().float()
    inside = ((codes > edges[0]) & (codes < edges[-1])).all(dim=1)
    cell = torch.bucketize(codes[inside].contiguous(), edges) - 1
    counts = torch.bincount(cell[:, 0] * cells + cell[:, 1], minlength=cells ** 2)
    expected = len(codes) * float(q[1] - q[0]) ** 2
    return float((counts >= expected / 4).float().mean())


# (4) Where the test images' codes lie: the autoencoder's anywhere, the VAE's near N(0, I)
def codes_figure(codes, labels, names, coverage, out):
    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    for ax, (name, z), cover in zip(axes, codes.items(), coverage):
        z, y = z.cpu(), labels.cpu()
        for k, class_name in enumerate(names):
            ax.scatter(z[y == k, 0], z[y == k, 1], s=2, color=plt.cm.tab10(k), label=class_name)
        for r in (1, 2):  # circles holding 39% and 86% of N(0, I)
            ax.add_patch(plt.Circle((0, 0), r, fill=False, ls="--", color="black"))
        ax.set(title=f"{name}: test codes (covering {cover:.0%} of N(0, I))", xlabel="z[0]", ylabel="z[1]")
        ax.set_aspect("equal", "datalim")
    axes[1].legend(markerscale=5, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.suptitle("8.1.1  The codes of the test set; dashed: N(0, I)'s 1 and 2 standard-deviation circles")
    return save_figure(fig, out, "ae_vs_vae_codes.png")


# (5) What each decoder makes of z ~ N(0, I): only the VAE was trained for such z
def prior_samples_figure(decoders, out, device):
    z = torch.randn(64, z_dim, device=device)
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.4))
    for ax, (name, decode) in zip(axes, decoders.items()):
        with torch.no_grad():
            images = decode(z)
        ax.imshow(tiles(images, 8), cmap="gray", vmin=0, vmax=1)  # no contrast stretch: dim stays dim
        ax.set_title(f"{name}: decoded from z ~ N(0, I)")
        ax.axis("off")
    return save_figure(fig, out, "ae_vs_vae_prior_samples.png")


# (6) A straight walk between the codes of two test images, decoded step by step
def interpolation_figure(encoders, decoders, x_a, x_b, out, steps=10):
    t = torch.linspace(0, 1, steps, device=x_a.device)[:, None]
    fig, axes = plt.subplots(2, 1, figsize=(12, 2.6))
    for ax, name in zip(axes, decoders):
        with torch.no_grad():
            z_a, z_b = encoders[name](x_a[None]), encoders[name](x_b[None])
            images = torch.cat([x_a[None], decoders[name](z_a + t * (z_b - z_a)), x_b[None]])
        ax.imshow(tiles(images, len(images)), cmap="gray", vmin=0, vmax=1)
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_title("From one test image to another (ends: the originals)")
    return save_figure(fig, out, "ae_vs_vae_interpolation.png")


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        data_loader = vae.load_data(args, device)
        model = Autoencoder(z_dim=z_dim).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        path = os.path.join(args.out, "weights", "autoencoder.pt")
        with training.Run(args, "autoencoder", path, len(data_loader), console=console, model=model,
                          optimizer=optimizer) as run:
            train(args, model, optimizer, data_loader, run)
        model.eval()
        vae2, note = vae.find_or_train_vae(args, z_dim, args.epochs, device)

        seed_torch(args.seed)  # the same z below whether the 2-D VAE was loaded or trained just now
        x_test, y_test = loader.load_mnist(args, device, train=False)
        x = x_test.view(-1, image_size)
        with torch.no_grad():
            mu, log_var = vae2.encode(x)
            # Each decoder's own codes: the VAE's decoder is trained on z = mu + sigma * eps, not on mu
            codes = {"autoencoder": model.encode(x), f"VAE ({note})": vae2.reparameterize(mu, log_var)}
        ae_nats = reconstruction_nats(model.decode, codes["autoencoder"], x)
        vae_nats = reconstruction_nats(vae2.decode, mu, x)
        print(f"Reconstruction loss per test image (nats): autoencoder {ae_nats:.1f}, VAE {vae_nats:.1f} "
              f"(decoded from its mean code)")
        coverage = [prior_coverage(c) for c in codes.values()]
        print(f"Share of N(0, I) the test codes cover: autoencoder {coverage[0]:.1%}, VAE {coverage[1]:.1%} (of its "
              f"{CELLS}x{CELLS} equally likely cells, those holding a quarter of the codes N(0, I) would put there)")
        codes_figure(codes, y_test, data.DATASETS[args.dataset]["class_names"], coverage, args.out)
        decoders = {"autoencoder": model.decode, "VAE": vae2.decode}
        prior_samples_figure(decoders, args.out, device)
        encoders = {"autoencoder": model.encode, "VAE": lambda x: vae2.encode(x)[0]}
        b = int((y_test != y_test[0]).nonzero()[0])  # the first test image of another class
        interpolation_figure(encoders, decoders, x[0], x[b], args.out)
        save_figure(architecture_diagram(model), args.out, "fig8-1_autoencoder_architecture.png")
        manifest.write(__file__, argv, args.out, saved=[path], numbers={
            "autoencoder_nats": ae_nats, "vae_nats": vae_nats, "autoencoder_coverage": coverage[0],
            "vae_coverage": coverage[1]})
    return {"history": run.losses(), "coverage": coverage, "codes": list(codes.values())}


if __name__ == "__main__":
    cli.start(main)
