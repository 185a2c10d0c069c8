"""The book's listings for 8.1 (VAE) and 8.3 (GAN), kept as written: the baseline for benchmarks.

torchvision's MNIST dataset class with ToTensor/Normalize, a DataLoader, and one .item() per
step. Only the I/O changed: the IDX files come from dlbook's checked copies (extracted into a
temporary torchvision layout), and nothing is saved. Not for readers; read ch08_generative/.
"""
import gzip
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
from torchvision import transforms  # noqa: E402

from dlbook import data  # noqa: E402


def torchvision_dataset(dataset, root, data_dir, transform):
    """The torchvision dataset the book builds, from dlbook's verified files (no download)."""
    cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST}[dataset]
    raw = Path(root) / cls.__name__ / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for filename in data.FILES.values():
        target = raw / filename[:-3]
        if not target.exists():
            with gzip.open(data.locate(dataset, filename, data_dir), "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return cls(root=str(root), train=True, transform=transform, download=False)


# ---- 8.1 VAE, as in the book ----------------------------------------------------------------
image_size, h_dim, z_dim, vae_batch_size, vae_lr = 784, 400, 20, 128, 1e-3


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


def vae_loader(dataset, root, data_dir):
    ds = torchvision_dataset(dataset, root, data_dir, transforms.ToTensor())
    return torch.utils.data.DataLoader(dataset=ds, batch_size=vae_batch_size, shuffle=True)


def vae_step(model, optimizer, x, device):
    x = x.to(device).view(-1, image_size)
    x_reconst, mu, log_var = model(x)
    reconst_loss = F.binary_cross_entropy(x_reconst, x, reduction="sum")  # size_average=False
    kl_div = - 0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())
    loss = reconst_loss + kl_div
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return reconst_loss, kl_div, loss.item()


def train_vae(loader, device, num_epochs=1, max_steps=None):
    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=vae_lr)
    steps = 0
    for epoch in range(num_epochs):
        for i, (x, _) in enumerate(loader):
            reconst_loss, kl_div, _ = vae_step(model, optimizer, x, device)
            if (i + 1) % 100 == 0:
                print("Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}, KL Div: {:.4f}"
                      .format(epoch + 1, num_epochs, i + 1, len(loader), reconst_loss.item(), kl_div.item()))
            steps += 1
            if max_steps and steps >= max_steps:
                return steps
    return steps


# ---- 8.3 GAN, as in the book ----------------------------------------------------------------
latent_size, hidden_size, gan_batch_size, gan_lr = 64, 256, 100, 0.0002


def gan_nets(device):
    D = nn.Sequential(
        nn.Linear(image_size, hidden_size), nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, hidden_size), nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, 1), nn.Sigmoid())
    G = nn.Sequential(
        nn.Linear(latent_size, hidden_size), nn.ReLU(),
        nn.Linear(hidden_size, hidden_size), nn.ReLU(),
        nn.Linear(hidden_size, image_size), nn.Tanh())
    return D.to(device), G.to(device)


def gan_loader(dataset, root, data_dir):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean=(0.5,), std=(0.5,))])
    ds = torchvision_dataset(dataset, root, data_dir, transform)
    return torch.utils.data.DataLoader(dataset=ds, batch_size=gan_batch_size, shuffle=True)


def gan_step(D, G, d_optimizer, g_optimizer, images, device):
    criterion = nn.BCELoss()
    batch_size = images.size(0)
    images = images.reshape(batch_size, -1).to(device)
    real_labels = torch.ones(batch_size, 1).to(device)
    fake_labels = torch.zeros(batch_size, 1).to(device)

    outputs = D(images)
    d_loss_real = criterion(outputs, real_labels)
    real_score = outputs
    z = torch.randn(batch_size, latent_size).to(device)
    fake_images = G(z)
    outputs = D(fake_images)
    d_loss_fake = criterion(outputs, fake_labels)
    fake_score = outputs
    d_loss = d_loss_real + d_loss_fake
    d_optimizer.zero_grad()
    g_optimizer.zero_grad()
    d_loss.backward()
    d_optimizer.step()

    z = torch.randn(batch_size, latent_size).to(device)
    fake_images = G(z)
    outputs = D(fake_images)
    g_loss = criterion(outputs, real_labels)
    d_optimizer.zero_grad()
    g_optimizer.zero_grad()
    g_loss.backward()
    g_optimizer.step()
    return d_loss, g_loss, real_score, fake_score, d_loss.item()


def train_gan(loader, device, num_epochs=1, max_steps=None):
    D, G = gan_nets(device)
    d_optimizer = torch.optim.Adam(D.parameters(), lr=gan_lr)
    g_optimizer = torch.optim.Adam(G.parameters(), lr=gan_lr)
    steps = 0
    for epoch in range(num_epochs):
        for i, (images, _) in enumerate(loader):
            d_loss, g_loss, real_score, fake_score, _ = gan_step(D, G, d_optimizer, g_optimizer, images, device)
            if (i + 1) % 200 == 0:
                print("Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}"
                      .format(epoch, num_epochs, i + 1, len(loader), d_loss.item(), g_loss.item(),
                              real_score.mean().item(), fake_score.mean().item()))
            steps += 1
            if max_steps and steps >= max_steps:
                return steps
    return steps
