"""8.5 DCGAN: the convolutional GAN the chapter announces, for 28x28 images, in PyTorch.

The book gives no DCGAN listing; this follows the DCGAN guidelines it draws on (strided and
transposed convolutions instead of pooling, batch norm in both networks except G's output and
D's input, ReLU in G with a Tanh output, LeakyReLU in D, no hidden dense layers beyond the
projection of z, Adam with lr 2e-4 and beta1 0.5) and keeps gan.py's training step, printout and
files, so the two can be put side by side:
    python ch08_generative/dcgan.py --dataset fashion-mnist --epochs 10
"""
import os

import torch
import torch.nn as nn

import gan  # the fully connected GAN of 8.3: its denorm, collapse check, curves, and its samples to compare
from dlbook import checkpoints, cli, loader, manifest, training
from dlbook.console import Console
from dlbook.device import torch_device
from dlbook.figures import plt, save_figure
from dlbook.seed import seed_torch
from dlbook.figures import save_image  # torchvision's save_image, written atomically

# Hyperparameters
latent_size = 100
ngf = 16  # feature maps of G's last hidden layer (twice that before it); ndf likewise for D: sized for a CPU
ndf = 16
num_epochs = 20
batch_size = 100
learning_rate = 0.0002
beta1 = 0.5
print_every = 200


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, num_epochs, batch_size, learning_rate)
    return cli.parse_args(parser, argv)


# Image processing: pixels to [-1, 1], in shuffled batches of 1x28x28 images (no flattening here)
def load_data(args, device):
    return loader.load_data(args, device, normalize=True)


# The discriminator: strided convolutions 28 -> 14 -> 7, LeakyReLU, no batch norm on the input layer
def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1),
        nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(ndf * 2 * 7 * 7, 1),
        nn.Sigmoid())


# The generator: project z to 7x7 feature maps, then transposed convolutions 7 -> 14 -> 28, Tanh out
def generator():
    return nn.Sequential(
        nn.Linear(latent_size, ngf * 2 * 7 * 7),
        nn.Unflatten(1, (ngf * 2, 7, 7)),
        nn.BatchNorm2d(ngf * 2),
        nn.ReLU(),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1),
        nn.BatchNorm2d(ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1),
        nn.Tanh())


def weights_init(m):
    """DCGAN's initialisation: weights from N(0, 0.02), batch-norm scales from N(1, 0.02)."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def build(args, device):
    D = discriminator().to(device)
    G = generator().to(device)
    D.apply(weights_init)
    G.apply(weights_init)
    criterion = nn.BCELoss()
    # Speed-up: fused=True, one kernel for all parameters (CPU, CUDA and MPS alike)
    d_optimizer = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(beta1, 0.999), fused=True)
    g_optimizer = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(beta1, 0.999), fused=True)
    return D, G, criterion, d_optimizer, g_optimizer


# Training: gan.py's step, with images as 1x28x28 instead of 784-vectors
def train(args, D, G, criterion, d_optimizer, g_optimizer, data_loader, run, fixed_noise):
    num_epochs, device = args.epochs, next(G.parameters()).device
    sample_dir = os.path.join(args.out, "dcgan_samples")
    total_step = len(data_loader)
    for epoch in run.epochs(num_epochs):  # plumbing: resume, checks, checkpoint after each epoch
        for i, (images, _) in enumerate(data_loader):
            batch_size = images.size(0)
            images = images.to(device)
            real_labels = torch.ones(batch_size, 1).to(device)
            fake_labels = torch.zeros(batch_size, 1).to(device)

            # Train the discriminator: real images are 1, generated ones 0
            outputs = D(images)
            d_loss_real = criterion(outputs, real_labels)
            real_score = outputs
            z = torch.randn(batch_size, latent_size).to(device)
            fake_images = G(z)
            outputs = D(fake_images.detach())  # no gradient into G in D's step
            d_loss_fake = criterion(outputs, fake_labels)
            fake_score = outputs
            d_loss = d_loss_real + d_loss_fake
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()

            # Train the generator: D should call fresh fakes real
            z = torch.randn(batch_size, latent_size).to(device)
            fake_images = G(z)
            outputs = D(fake_images)
            g_loss = criterion(outputs, real_labels)
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()

            if (i + 1) % print_every == 0:
                print('Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}'
                      .format(epoch, num_epochs, i + 1, total_step, d_loss.item(), g_loss.item(),
                              real_score.mean().item(), fake_score.mean().item()))
            if run.step(d_loss, g_loss, real_score.mean(), fake_score.mean()):  # plumbing: history, progress
                break

        # Save the real images once, generated ones and the fixed noise's after every epoch
        if (epoch + 1) == 1:
            save_image(gan.denorm(images), os.path.join(sample_dir, 'real_images.png'))
        save_image(gan.denorm(fake_images), os.path.join(sample_dir, 'fake_images-{}.png'.format(epoch + 1)))
        G.eval()  # batch norm with its running statistics, as at the end of training
        with torch.no_grad():
            save_image(gan.denorm(G(fixed_noise)),
                       os.path.join(sample_dir, 'fixed_noise-{}.png'.format(epoch + 1)), nrow=10)
        G.train()

    weights = os.path.join(args.out, "weights")
    checkpoints.save_weights(G.state_dict(), os.path.join(weights, 'dcgan_G.ckpt'))  # CPU tensors
    checkpoints.save_weights(D.state_dict(), os.path.join(weights, 'dcgan_D.ckpt'))


# Beside the fully connected GAN after the same number of epochs
def gan_samples_after(args, epochs):
    """gan.py's fixed-noise grid after `epochs` epochs on this data set: found in --out (or
    --out/dcgan_vs_gan), or made by running gan.py for that many epochs."""
    for folder in (args.out, os.path.join(args.out, "dcgan_vs_gan")):
        grid = os.path.join(folder, "gan_samples", f"fixed_noise-{epochs}.png")
        if os.path.exists(grid) and checkpoints.find(folder, gan.checkpoint_path, args.dataset)[1]:
            print(f"Using gan.py's samples after {epochs} epoch(s): {grid}")
            return grid
    folder = os.path.join(args.out, "dcgan_vs_gan")
    print(f"No gan.py samples after {epochs} epoch(s) on {args.dataset}: running gan.py for {epochs} epoch(s)")
    gan.main(["--dataset", args.dataset, "--data-dir", str(args.data_dir), "--epochs", str(epochs),
              "--out", folder, "--seed", str(args.seed), "--device", args.device])
    return os.path.join(folder, "gan_samples", f"fixed_noise-{epochs}.png")


def side_by_side_figure(args, epochs):
    gan_grid = plt.imread(gan_samples_after(args, epochs))
    dcgan_grid = plt.imread(os.path.join(args.out, "dcgan_samples", f"fixed_noise-{epochs}.png"))
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.8))
    for ax, image, title in ((axes[0], gan_grid, "fully connected GAN (gan.py, 8.3)"),
                             (axes[1], dcgan_grid, "DCGAN (dcgan.py)")):
        ax.imshow(image)
        ax.set_title(f"{title}, {epochs} epoch(s)")
        ax.axis("off")
    fig.suptitle(f"8.5  The same data, the same number of epochs: dense layers vs convolutions ({args.dataset})")
    return save_figure(fig, args.out, "gan_vs_dcgan_samples.png")


def checkpoint_path(out):
    return os.path.join(out, "weights", "dcgan.pt")


def load_generator(checkpoint, device):
    """The trained G from the checkpoint dcgan.py saves (the loaded dict), for evaluate.py."""
    return checkpoints.load_model(generator(), checkpoint, "G", device)


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        data_loader = load_data(args, device)
        D, G, criterion, d_optimizer, g_optimizer = build(args, device)
        fixed_noise = torch.randn(100, latent_size, device=device)
        with training.Run(args, "dcgan", checkpoint_path(args.out), len(data_loader), first_epoch=0,
                          after_epoch=gan.stop_if_collapsed, console=console, G=G, D=D, g_optimizer=g_optimizer,
                          d_optimizer=d_optimizer, fixed_noise=fixed_noise) as run:
            train(args, D, G, criterion, d_optimizer, g_optimizer, data_loader, run, fixed_noise)
        history = run.losses()
        epochs_done = len(history) // len(data_loader)
        gan.training_curves(history, len(data_loader), args.out, "dcgan_training_curves.png", "DCGAN")
        if epochs_done:
            side_by_side_figure(args, epochs_done)
        print(f"Weights: {os.path.join(args.out, 'weights')}/dcgan_G.ckpt, dcgan_D.ckpt")
        weights = [checkpoint_path(args.out), *(os.path.join(args.out, "weights", f) for f in ("dcgan_G.ckpt", "dcgan_D.ckpt"))]
        manifest.write(__file__, argv, args.out, numbers=gan.last_printed(history, len(data_loader)), saved=weights)
    return {"history": history}


if __name__ == "__main__":
    cli.start(main)
