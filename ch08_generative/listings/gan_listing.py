"""8.3 The book's GAN listing, as printed: discriminator, generator, training, saved images.

    python ch08_generative/listings/gan_listing.py [--dataset fashion-mnist] [--epochs N]

Changes from the printed page, each marked `# changed:`: the data comes from dlbook's checked copy
of the MNIST files (no download, works offline); data, networks and loop sit in functions, so that
importing the file runs nothing and the benchmark and the tests can call them; images go to
figures/listings/ and the weights beside them.
"""
import os

import torch
import torch.nn as nn
import torchvision.transforms as transforms
from torchvision.utils import save_image

from dlbook import listing  # changed: MNIST from dlbook's checked files, no download

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

# Hyperparameters
latent_size = 64
hidden_size = 256
image_size = 784
num_epochs = 200
batch_size = 100


# Image processing: pixels to [-1, 1]
def load_data(args):  # changed: a function, so that importing this file loads nothing
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(mean=(0.5,), std=(0.5,))])
    mnist = listing.torchvision_mnist(args.dataset, args.data_dir, args.out / "torchvision",
                                      transform=transform)  # changed: was datasets.MNIST(download=True)
    data_loader = torch.utils.data.DataLoader(dataset=mnist, batch_size=batch_size, shuffle=True)
    return data_loader


def build():  # changed: a function, so that the benchmark and the tests get fresh networks each time
    # 8.3.1 The discriminator
    D = nn.Sequential(
        nn.Linear(image_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, 1),
        nn.Sigmoid())

    # 8.3.2 The generator
    G = nn.Sequential(
        nn.Linear(latent_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, image_size),
        nn.Tanh())

    # Device setting
    D = D.to(device)
    G = G.to(device)

    # Binary cross-entropy loss and optimizers
    criterion = nn.BCELoss()
    d_optimizer = torch.optim.Adam(D.parameters(), lr=0.0002)
    g_optimizer = torch.optim.Adam(G.parameters(), lr=0.0002)
    return D, G, criterion, d_optimizer, g_optimizer


def denorm(x):
    out = (x + 1) / 2
    return out.clamp(0, 1)


# 8.3.3 Training
def train(D, G, criterion, d_optimizer, g_optimizer, data_loader, sample_dir,
          num_epochs=num_epochs):  # changed: a function

    def reset_grad():
        d_optimizer.zero_grad()
        g_optimizer.zero_grad()

    total_step = len(data_loader)
    for epoch in range(num_epochs):
        for i, (images, _) in enumerate(data_loader):
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
            outputs = D(fake_images)
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

            if (i + 1) % 200 == 0:
                print('Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}'
                      .format(epoch, num_epochs, i + 1, total_step, d_loss.item(), g_loss.item(),
                              real_score.mean().item(), fake_score.mean().item()))

        # 8.3.4 Save the real images once
        if (epoch + 1) == 1:
            images = images.reshape(images.size(0), 1, 28, 28)
            save_image(denorm(images), os.path.join(sample_dir, 'real_images.png'))

        # Save the generated images after every epoch
        fake_images = fake_images.reshape(fake_images.size(0), 1, 28, 28)
        save_image(denorm(fake_images), os.path.join(sample_dir, 'fake_images-{}.png'.format(epoch + 1)))

    # Save the model checkpoints
    torch.save(G.state_dict(), os.path.join(sample_dir, 'G.ckpt'))  # changed: beside the images, not in the cwd
    torch.save(D.state_dict(), os.path.join(sample_dir, 'D.ckpt'))


def main(argv=None):
    args, sample_dir = listing.parse_args(argv, num_epochs, "samples")  # changed: flags for offline use
    data_loader = load_data(args)
    train(*build(), data_loader, sample_dir, args.epochs)


if __name__ == "__main__":
    main()
