"""8.4 VAE vs GAN: the VAE's structured latent space (Fig 8-8) and the two models' samples side by side.

    python ch08_generative/vae_vs_gan.py            # uses the weights vae.py and gan.py saved
    python ch08_generative/vae.py --z-dim 2         # optional: the 2-D VAE that Fig 8-8 decodes

Weights are looked for in --out/weights/ (where vae.py and gan.py put them); a model that is
missing is trained here, for --epochs (2-D VAE) or --quick-epochs (the others), and the figure says so.
"""

import torch

import gan
import vae
from dlbook import checkpoints, cli, manifest
from dlbook.console import Console
from dlbook.device import torch_device
from dlbook.figures import plt, save_figure, tiles
from dlbook.seed import seed_torch

GRID = 20  # Fig 8-8 decodes a GRID x GRID lattice of latent points


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--epochs", type=cli.positive_int, default=vae.num_epochs,
                        help="epochs for the 2-D VAE when no saved one is found (default: the book's 30)")
    parser.add_argument("--quick-epochs", type=cli.positive_int, default=5,
                        help="epochs for the 20-D VAE and the GAN when their weights are missing")
    parser.add_argument("--max-steps", type=cli.positive_int, help="cap on each training run (smoke runs)")
    return cli.parse_args(parser, argv)


# (1) A VAE and a generator: loaded from what vae.py and gan.py saved, or trained here
def get_generator(args, device):
    state, note = checkpoints.find_or_train(args, "GAN", gan.checkpoint_path, gan.main,
                                            ["--epochs", str(args.quick_epochs)], "vae_vs_gan")
    return gan.load_generator(state, device), note


# (2) Fig 8-8: decode a lattice of 2-D latent points; evenly spaced in probability, so the
# lattice covers the prior N(0, I) the way the data does
def manifold_figure(model, out, note, device):
    p = torch.linspace(0.05, 0.95, GRID)
    z_axis = torch.distributions.Normal(0.0, 1.0).icdf(p)
    z1, z2 = torch.meshgrid(z_axis, z_axis.flip(0), indexing="xy")
    with torch.no_grad():
        images = model.decode(torch.stack([z1.flatten(), z2.flatten()], 1).to(device)).cpu()
    grid = tiles(images, GRID)
    fig, ax = plt.subplots(figsize=(8, 8))
    low, high = float(z_axis[0]) - 0.1, float(z_axis[-1]) + 0.1
    extent = [low, high, low, high]
    ax.imshow(grid, cmap="gray", extent=extent)
    ax.set(xlabel="z[0]", ylabel="z[1]", title=f"Fig 8-8  The manifold learned by a 2-D VAE ({note})")
    return save_figure(fig, out, "fig8-8_vae_manifold.png")


# (3) Samples from each model, side by side
def samples_figure(vae_model, vae_note, G, gan_note, out, device):
    with torch.no_grad():
        vae_images = vae_model.decode(torch.randn(64, vae_model.fc2.out_features, device=device))
        gan_images = gan.denorm(G(torch.randn(64, gan.latent_size, device=device)))
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.4))
    for ax, images, title in ((axes[0], vae_images, f"VAE samples ({vae_note})"),
                              (axes[1], gan_images, f"GAN samples ({gan_note})")):
        ax.imshow(tiles(images, 8), cmap="gray")
        ax.set_title(title)
        ax.axis("off")
    fig.suptitle("8.4  VAE: smooth, blurrier images from a structured latent space. GAN: sharper images")
    return save_figure(fig, out, "vae_vs_gan_samples.png")


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log):  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        vae2, note2 = vae.find_or_train_vae(args, 2, args.epochs, device)
        manifold_figure(vae2, args.out, note2, device)
        vae.show_live(vae2, args)  # in a notebook, Fig 8-8 live: point at z, see its digit (elsewhere nothing)
        vae20, note20 = vae.find_or_train_vae(args, vae.z_dim, args.quick_epochs, device)
        G, gan_note = get_generator(args, device)
        samples_figure(vae20, note20, G, gan_note, args.out, device)
        # which models it drew, loaded or trained just now: its key facts are these notes, not numbers
        manifest.write(__file__, argv, args.out, numbers={"2-D VAE": note2, "VAE": note20, "GAN": gan_note})


if __name__ == "__main__":
    cli.start(main)
