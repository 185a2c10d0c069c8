"""8.5 The author's CGAN listing, rebuilt from what the book gives of it (networks, data, losses,
optimiser, hyperparameters, printout), for reading beside ../cgan.py and for timing.

    python ch08_generative/listings/cgan_listing.py [--dataset fashion-mnist] [--epochs N]

The book prints this run's numbers (dlbook/book_runs/cgan.csv) but not every line of its code, so
this file is a reconstruction, not a copy. What it reproduces on purpose: the column printed as
D(G(z)) is minus the mean pixel of the generated batch, the quantity in the book's run. Changes
marked `# changed:` are the same as in the other listings: offline data, functions, output folder.
"""
import os

import torch
import torch.nn as nn
import torchvision.transforms as transforms
from torchvision.utils import save_image

from dlbook import listing  # changed: MNIST from dlbook's checked files, no download

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

# Hyperparameters
z_size = 100
class_num = 10
num_epochs = 50
batch_size = 100
learning_rate = 1e-4


def load_data(args):  # changed: a function, so that importing this file loads nothing
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.5], std=[0.5])])
    dataset = listing.torchvision_mnist(args.dataset, args.data_dir, args.out / "torchvision",
                                        transform=transform)  # changed: was datasets.MNIST(download=True)
    data_loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
    return data_loader


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(10, 10)
        self.model = nn.Sequential(
            nn.Linear(794, 1024),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout(0.4),
            nn.Linear(1024, 512),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout(0.4),
            nn.Linear(512, 256),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout(0.4),
            nn.Linear(256, 1),
            nn.Sigmoid())

    def forward(self, x, labels):
        x = x.view(x.size(0), 784)
        c = self.label_emb(labels)
        x = torch.cat([x, c], 1)
        out = self.model(x)
        return out.squeeze()


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(10, 10)
        self.model = nn.Sequential(
            nn.Linear(110, 256),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(256, 512),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(512, 1024),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(1024, 784),
            nn.Tanh())

    def forward(self, z, labels):
        z = z.view(z.size(0), 100)
        c = self.label_emb(labels)
        x = torch.cat([z, c], 1)
        out = self.model(x)
        return out.view(x.size(0), 28, 28)


def build():  # changed: a function, so that the benchmark and the tests get fresh networks each time
    generator = Generator().to(device)
    discriminator = Discriminator().to(device)
    criterion = nn.BCELoss()
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=learning_rate)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=learning_rate)
    return generator, discriminator, criterion, d_optimizer, g_optimizer


def train(generator, discriminator, criterion, d_optimizer, g_optimizer, data_loader, sample_dir,
          num_epochs=num_epochs):  # changed: a function
    total_step = len(data_loader)
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(data_loader):
            real_images = images.to(device)
            labels = labels.to(device)
            real_labels = torch.ones(batch_size).to(device)
            fake_labels = torch.zeros(batch_size).to(device)

            # Train the discriminator
            real_validity = discriminator(real_images, labels)
            real_loss = criterion(real_validity, real_labels)
            z = torch.randn(batch_size, z_size).to(device)
            gen_labels = torch.randint(0, class_num, (batch_size,)).to(device)
            fake_images = generator(z, gen_labels)
            fake_validity = discriminator(fake_images, gen_labels)
            fake_loss = criterion(fake_validity, fake_labels)
            d_loss = real_loss + fake_loss
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()

            # Train the generator
            z = torch.randn(batch_size, z_size).to(device)
            fake_images = generator(z, gen_labels)
            validity = discriminator(fake_images, gen_labels)
            g_loss = criterion(validity, real_labels)
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()

            if (i + 1) % 200 == 0:
                print('Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}'
                      .format(epoch, num_epochs, i + 1, total_step, d_loss.item(), g_loss.item(),
                              real_validity.mean().item(), -fake_images.mean().item()))  # the book's column

        if (epoch + 1) == 1:
            save_image((real_images.view(-1, 1, 28, 28) + 1) / 2, os.path.join(sample_dir, 'real_images.png'))
        save_image((fake_images.view(-1, 1, 28, 28) + 1) / 2,
                   os.path.join(sample_dir, 'fake_images-{}.png'.format(epoch + 1)))

    torch.save(generator.state_dict(), os.path.join(sample_dir, 'G.ckpt'))  # changed: beside the images
    torch.save(discriminator.state_dict(), os.path.join(sample_dir, 'D.ckpt'))


def generate_digit(generator, digit):
    z = torch.randn(1, 100).to(device)
    label = torch.LongTensor([digit]).to(device)
    img = generator(z, label).data.cpu()
    img = 0.5 * img + 0.5
    return transforms.ToPILImage()(img)


def main(argv=None):
    args, sample_dir = listing.parse_args(argv, num_epochs, "cgan_samples")  # changed: flags for offline use
    data_loader = load_data(args)
    generator, *rest = build()
    train(generator, *rest, data_loader, sample_dir, args.epochs)
    generate_digit(generator, 8).save(os.path.join(sample_dir, "digit_8.png"))  # changed: saved, not shown


if __name__ == "__main__":
    main()
