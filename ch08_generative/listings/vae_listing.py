"""8.1 The book's VAE listing, as printed: steps (1)-(6), for reading beside ../vae.py and for timing.

    python ch08_generative/listings/vae_listing.py [--dataset fashion-mnist] [--epochs N]

Changes from the printed page, each marked `# changed:`: `size_average=False`, which PyTorch no
longer accepts, is `reduction="sum"`; the data comes from dlbook's checked copy of the MNIST files
(no download, works offline); data, model and loop sit in functions, so that importing the file
runs nothing and the benchmark and the tests can call them; images go to figures/listings/.
"""
# (1) Import the packages we need
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as transforms
from torchvision.utils import save_image

from dlbook import listing  # changed: MNIST from dlbook's checked files, no download

# (2) Hyperparameters
image_size = 784
h_dim = 400
z_dim = 20
num_epochs = 30
batch_size = 128
learning_rate = 1e-3


# (3) MNIST as tensors, in shuffled batches
def load_data(args):  # changed: a function, so that importing this file loads nothing
    dataset = listing.torchvision_mnist(args.dataset, args.data_dir, args.out / "torchvision",
                                        transform=transforms.ToTensor())  # changed: was datasets.MNIST(download=True)
    data_loader = torch.utils.data.DataLoader(dataset=dataset, batch_size=batch_size, shuffle=True)
    return data_loader


# (4) The VAE model
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

    # Sample z with the reparameterisation trick
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


# (5) GPU and optimizer
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def build():  # changed: a function, so that the benchmark and the tests get a fresh model each time
    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    return model, optimizer


# (6) Train the model, saving the sampled and the reconstructed images after every epoch
def train(model, optimizer, data_loader, sample_dir, num_epochs=num_epochs):  # changed: a function
    for epoch in range(num_epochs):
        for i, (x, _) in enumerate(data_loader):
            # Forward pass
            x = x.to(device).view(-1, image_size)
            x_reconst, mu, log_var = model(x)

            # Reconstruction loss and KL divergence
            reconst_loss = F.binary_cross_entropy(x_reconst, x, reduction="sum")  # changed: was size_average=False
            kl_div = - 0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())

            # Back-propagate and optimise
            loss = reconst_loss + kl_div
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            if (i + 1) % 100 == 0:
                print("Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}, KL Div: {:.4f}"
                      .format(epoch + 1, num_epochs, i + 1, len(data_loader), reconst_loss.item(), kl_div.item()))

        with torch.no_grad():
            # Save the sampled images
            z = torch.randn(batch_size, z_dim).to(device)
            out = model.decode(z).view(-1, 1, 28, 28)
            save_image(out, os.path.join(sample_dir, 'sampled-{}.png'.format(epoch + 1)))

            # Save the reconstructed images
            out, _, _ = model(x)
            x_concat = torch.cat([x.view(-1, 1, 28, 28), out.view(-1, 1, 28, 28)], dim=3)
            save_image(x_concat, os.path.join(sample_dir, 'reconst-{}.png'.format(epoch + 1)))


def main(argv=None):
    args, sample_dir = listing.parse_args(argv, num_epochs, "ave_samples")  # changed: flags for offline use
    data_loader = load_data(args)
    model, optimizer = build()
    train(model, optimizer, data_loader, sample_dir, args.epochs)


if __name__ == "__main__":
    main()
