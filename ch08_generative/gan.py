"""8.2-8.3 Generating images with a fully connected GAN, in PyTorch: Fig 8-7.

The book's parts are the sections below, in its order and names (8.3.1 discriminator, 8.3.2
generator, 8.3.3 training, 8.3.4 results); the listing as printed is listings/gan_listing.py.
Defaults reproduce the book's run:
    python ch08_generative/gan.py                       # MNIST, 200 epochs
    python ch08_generative/gan.py --dataset fashion-mnist --epochs 20
"""
import os

import torch
import torch.nn as nn

from dlbook import book, checkpoints, cli, compare, loader, manifest, training
from dlbook.console import Console
from dlbook.device import torch_device
from dlbook.diagrams import Diagram, layer_lines, linear_sizes
from dlbook.figures import plt, save_figure, show
from dlbook.seed import seed_torch
from dlbook.figures import save_image  # changed: torchvision's save_image, written atomically

# Hyperparameters
latent_size = 64
hidden_size = 256
image_size = 784
num_epochs = 200
batch_size = 100
learning_rate = 0.0002
print_every = 200  # the book's printout has a line every 200 steps


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, num_epochs, batch_size, learning_rate)
    return cli.parse_args(parser, argv)


# Image processing: pixels to [-1, 1], in shuffled batches
def load_data(args, device):
    # Speed-up: the book's datasets.MNIST and DataLoader(shuffle=True) as one tensor on the device
    return loader.load_data(args, device, normalize=True)


# 8.3.1 The discriminator: an image in, the probability that it is real out
def discriminator():  # changed: the book's D = nn.Sequential(...), in a function like G's
    return nn.Sequential(  # changed: was D = nn.Sequential(
        nn.Linear(image_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, 1),
        nn.Sigmoid())


# 8.3.2 The generator: a latent vector z in, an image in [-1, 1] out (Tanh)
def generator():  # changed: the book's G = nn.Sequential(...), in a function: load_generator (8.4, 8.5) calls it
    return nn.Sequential(  # changed: was G = nn.Sequential(
        nn.Linear(latent_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, image_size),
        nn.Tanh())


def build(args, device):
    # Device setting
    D = discriminator().to(device)  # changed: D = D.to(device), D built above
    G = generator().to(device)  # changed: G = G.to(device), likewise

    # Binary cross-entropy loss and optimizers
    criterion = nn.BCELoss()
    # Speed-up: fused=True updates all parameters in one kernel (same steps), on CPU, CUDA and MPS alike.
    d_optimizer = torch.optim.Adam(D.parameters(), lr=args.lr, fused=True)
    g_optimizer = torch.optim.Adam(G.parameters(), lr=args.lr, fused=True)
    return D, G, criterion, d_optimizer, g_optimizer


def denorm(x):
    out = (x + 1) / 2
    return out.clamp(0, 1)


# 8.3.3 Training
def train(args, D, G, criterion, d_optimizer, g_optimizer, data_loader, run, fixed_noise):
    num_epochs, device = args.epochs, next(G.parameters()).device
    sample_dir = os.path.join(args.out, "gan_samples")

    def reset_grad():
        d_optimizer.zero_grad()
        g_optimizer.zero_grad()

    total_step = len(data_loader)
    for epoch in run.epochs(num_epochs):  # plumbing: resume, checks, checkpoint after each epoch
        for i, (images, _) in enumerate(data_loader):
            batch_size = images.size(0)  # not the global: a last batch is short if --batch-size does not divide N
            images = images.reshape(batch_size, -1).to(device)

            # Labels for the BCE loss
            real_labels = torch.ones(batch_size, 1).to(device)
            fake_labels = torch.zeros(batch_size, 1).to(device)

            # ================================================================== #
            #                      Train the discriminator                       #
            # ================================================================== #

            # BCE loss on real images: the second term of BCE is zero since real_labels == 1
            outputs = D(images)
            d_loss_real = criterion(outputs, real_labels)
            real_score = outputs

            # BCE loss on fake images: the first term of BCE is zero since fake_labels == 0
            z = torch.randn(batch_size, latent_size).to(device)
            fake_images = G(z)
            outputs = D(fake_images.detach())  # speed-up: .detach(), as D's step needs no gradient in G
            d_loss_fake = criterion(outputs, fake_labels)
            fake_score = outputs

            # Back-propagate and optimise
            d_loss = d_loss_real + d_loss_fake
            reset_grad()
            d_loss.backward()
            d_optimizer.step()

            # ================================================================== #
            #                        Train the generator                         #
            # ================================================================== #

            # Loss on fake images
            z = torch.randn(batch_size, latent_size).to(device)
            fake_images = G(z)
            outputs = D(fake_images)

            # Train G to maximise log(D(G(z))) instead of minimising log(1 - D(G(z)))
            g_loss = criterion(outputs, real_labels)

            # Back-propagate and optimise
            reset_grad()
            g_loss.backward()
            g_optimizer.step()

            if (i + 1) % print_every == 0:  # changed: was % 200; print_every (200) lets the tests print sooner
                print('Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}'
                      .format(epoch, num_epochs, i + 1, total_step, d_loss.item(), g_loss.item(),
                              real_score.mean().item(), fake_score.mean().item()))
            if run.step(d_loss, g_loss, real_score.mean(), fake_score.mean()):  # plumbing: history, progress
                break

        # 8.3.4 Save the real images once
        if (epoch + 1) == 1:
            images = images.reshape(images.size(0), 1, 28, 28)
            save_image(denorm(images), os.path.join(sample_dir, 'real_images.png'))

        # Save the generated images after every epoch
        fake_images = fake_images.reshape(fake_images.size(0), 1, 28, 28)
        save_image(denorm(fake_images), os.path.join(sample_dir, 'fake_images-{}.png'.format(epoch + 1)))
        # Beyond the book: one fixed batch of noise every epoch, so the grids show G learning
        with torch.no_grad():
            save_image(denorm(G(fixed_noise)).view(-1, 1, 28, 28),
                       os.path.join(sample_dir, 'fixed_noise-{}.png'.format(epoch + 1)), nrow=10)

    # Save the model checkpoints
    weights = os.path.join(args.out, "weights")
    checkpoints.save_weights(G.state_dict(), os.path.join(weights, 'G.ckpt'))  # changed: CPU tensors, in weights/
    checkpoints.save_weights(D.state_dict(), os.path.join(weights, 'D.ckpt'))  # changed: likewise


# 8.3.4 Fig 8-7 from the fixed noise
def samples_figure(G, fixed_noise, out):
    with torch.no_grad():
        path = os.path.join(out, "fig8-7_gan_samples.png")
        save_image(denorm(G(fixed_noise)).view(-1, 1, 28, 28), path, nrow=10)
    show(path)


# 8.2.1 Fig 8-6: the GAN's architecture, each network's layers read from G and D themselves
def architecture_diagram(G, D):
    d = Diagram(15.6, 6.6, "Fig 8-6  The GAN: $G$ turns a latent vector $z$ into a fake image, $D$ tells real from fake")
    z = d.box(1.4, 2.3, f"latent vector $z$\n{linear_sizes(G)[0]}-D, $z \\sim N(0, I)$", "latent", width=2.6)
    generator = d.box(5, 2.3, "generator $G$\n" + "\n".join(layer_lines(G)), "net")
    fake = d.box(8.75, 2.3, f"fake images $G(z)$\n{linear_sizes(G)[-1]} pixels", "data", width=3.2)
    real = d.box(8.75, 5.5, "real images $x$\nfrom the training set", "data", width=3.2)
    discriminator = d.box(13, 3.9, "discriminator $D$\n" + "\n".join(layer_lines(D)), "net")
    verdict = d.box(13, 0.9, "real or fake?\nP(real), in (0, 1)", "loss", width=3.2)
    for a, b in [(z, generator), (generator, fake), (fake, discriminator), (real, discriminator), (discriminator, verdict)]:
        d.arrow(a, b)
    return d.fig


def checkpoint_path(out):
    return os.path.join(out, "weights", "gan.pt")


def load_generator(checkpoint, device):
    """The trained G from the checkpoint gan.py saves (the loaded dict), for vae_vs_gan.py and evaluate.py."""
    return checkpoints.load_model(generator(), checkpoint, "G", device)


def live_export(path):
    """The generator saved in `path` as the page's live model (dlbook.page.live.Unusable if it cannot run)."""
    from dlbook.page import live

    G, checkpoint = live.read_weights(path, "G", generator(), load_generator, "gan.py's generator: 64->256->256->784")
    return {"input": latent_size, "layers": live.layers(G) + [{"op": "denorm"}], "note": live.trained(checkpoint)}


# ---- Beyond the book: the health check and the curves of the game, used here and by 8.5 ----------
# (dcgan.py uses both, cgan.py the curves, with its `name`, `title` and `extra` line)
def stop_if_collapsed(rows, epoch):
    """A discriminator that wins every step of an epoch gives the generator no gradient to learn from."""
    if bool(((rows[:, 2] > 0.99) & (rows[:, 3] < 0.01)).all()):
        cli.fail(f"the discriminator collapsed in epoch {epoch}: D(x) > 0.99 and D(G(z)) < 0.01 at every step, "
                 f"so the generator learns nothing; try another --seed or a lower --lr", status=1)


def training_curves(history, steps_per_epoch, out, name="gan_training_curves.png", title="GAN", extra=None):
    """Losses above, the discriminator's mean scores below; `extra`: (label, values) for one more line."""
    epochs = torch.arange(1, len(history) + 1) / steps_per_epoch
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    ax1.plot(epochs, history[:, 0], lw=0.4, label="d_loss")
    ax1.plot(epochs, history[:, 1], lw=0.4, label="g_loss")
    ax1.set(ylabel="BCE loss", title=f"{title} training: losses and the discriminator's scores")
    ax2.plot(epochs, history[:, 2], lw=0.4, label="D(x), real images")
    ax2.plot(epochs, history[:, 3], lw=0.4, label="D(G(z)), generated images")
    if extra:
        ax2.plot(epochs, extra[1], lw=0.4, label=extra[0])
    ax2.set(xlabel="epoch", ylabel="mean", ylim=(0, 1))
    for ax in (ax1, ax2):
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    return save_figure(fig, out, name)


def last_printed(history, steps_per_epoch):
    """The values of the run's last printed line, by the book's names: its key numbers (for GAN, CGAN, DCGAN)."""
    printed = [s for s in range(len(history)) if (s % steps_per_epoch + 1) % print_every == 0]
    return dict(zip(book.METRICS["gan"], history[printed[-1], :4].tolist())) if printed else {}


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        data_loader = load_data(args, device)
        D, G, criterion, d_optimizer, g_optimizer = build(args, device)
        fixed_noise = torch.randn(100, latent_size, device=device)
        with training.Run(args, "gan", checkpoint_path(args.out), len(data_loader), first_epoch=0,
                          after_epoch=stop_if_collapsed, console=console, G=G, D=D, g_optimizer=g_optimizer,
                          d_optimizer=d_optimizer, fixed_noise=fixed_noise) as run:
            train(args, D, G, criterion, d_optimizer, g_optimizer, data_loader, run, fixed_noise)
        # Does this run match the book? The printed lines against the book's, with one verdict line.
        verdict = compare.report("gan", run.lines, args.dataset, args.epochs, args.out)
        history = run.losses()
        samples_figure(G, fixed_noise, args.out)
        training_curves(history, len(data_loader), args.out)
        save_figure(architecture_diagram(G, D), args.out, "fig8-6_gan_architecture.png")
        print(f"Weights: {os.path.join(args.out, 'weights')}/G.ckpt, D.ckpt")
        weights = [checkpoint_path(args.out), *(os.path.join(args.out, "weights", f) for f in ("G.ckpt", "D.ckpt"))]
        manifest.write(__file__, argv, args.out, numbers=last_printed(history, len(data_loader)),
                       saved=weights, book_check=verdict)
    return {"history": history}


if __name__ == "__main__":
    cli.start(main)
