"""8.5 A conditional GAN (CGAN) in PyTorch: Fig 8-9, and images of the class you ask for.

Generator and discriminator both get the label: G(z|y) draws an image of class y, D(x|y) judges
an image together with its label. The sections below follow the author's listing in its order and
names; the listing itself is listings/cgan_listing.py. Defaults reproduce the book's run:
    python ch08_generative/cgan.py                       # MNIST, 50 epochs
    python ch08_generative/cgan.py --dataset fashion-mnist --epochs 5 --digit 8

The listing prints minus the mean pixel of the generated batch in the column it names D(G(z));
this script prints there what the name says, the discriminator's score of the generated images, and the listing's quantity in one line
at the end, next to the book's.
"""
import os

import torch
import torch.nn as nn

import gan  # 8.3's training-curves figure
from dlbook import book, checkpoints, cli, compare, data, loader, manifest, training
from dlbook.console import Console
from dlbook.device import torch_device
from dlbook.diagrams import Diagram, layer_lines, linear_sizes
from dlbook.figures import plt, save_figure, tiles
from dlbook.seed import seed_torch
from dlbook.figures import save_image  # changed: torchvision's save_image, written atomically

# Hyperparameters
z_size = 100
class_num = 10
image_size = 784
num_epochs = 50
batch_size = 100
learning_rate = 1e-4
print_every = 200  # the book's printout has a line every 200 steps


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    cli.add_training_flags(parser, num_epochs, batch_size, learning_rate)
    parser.add_argument("--digit", type=int, choices=range(class_num), metavar="N",
                        help="also write one generated image of class N (the listing's generate_digit)")
    return cli.parse_args(parser, argv)


# Data: images in [-1, 1] with their labels, in shuffled batches
def load_data(args, device):
    # Speed-up: the book's datasets.MNIST and DataLoader(shuffle=True) as one tensor on the device
    return loader.load_data(args, device, normalize=True)


# The discriminator D(x|y): the image and an embedding of its label, real or fake
class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(class_num, class_num)  # changed: was (10, 10), named
        self.model = nn.Sequential(
            nn.Linear(image_size + class_num, 1024),  # changed: was 794 (784 pixels + 10 label values), named
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
        x = x.view(x.size(0), image_size)  # changed: was 784, named
        c = self.label_emb(labels)
        x = torch.cat([x, c], 1)
        out = self.model(x)
        return out.squeeze(1)  # changed: was .squeeze(), which makes a batch of one a scalar


# The generator G(z|y): noise and an embedding of the class to draw
class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(class_num, class_num)  # changed: was (10, 10), named
        self.model = nn.Sequential(
            nn.Linear(z_size + class_num, 256),  # changed: was 110 (100 noise + 10 label values), named
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(256, 512),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(512, 1024),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(1024, image_size),  # changed: was 784, named
            nn.Tanh())

    def forward(self, z, labels):
        z = z.view(z.size(0), z_size)  # changed: was 100, named
        c = self.label_emb(labels)
        x = torch.cat([z, c], 1)
        out = self.model(x)
        return out.view(x.size(0), 28, 28)


def build(args, device):
    generator = Generator().to(device)
    discriminator = Discriminator().to(device)
    criterion = nn.BCELoss()
    # Speed-up: fused=True updates all parameters in one kernel (same steps), on CPU, CUDA and MPS alike.
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=args.lr, fused=True)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=args.lr, fused=True)
    return generator, discriminator, criterion, d_optimizer, g_optimizer


# Training
def train(args, generator, discriminator, criterion, d_optimizer, g_optimizer, data_loader, run):
    num_epochs, device = args.epochs, next(generator.parameters()).device
    sample_dir = os.path.join(args.out, "cgan_samples")
    total_step = len(data_loader)
    for epoch in run.epochs(num_epochs):  # plumbing: resume, checks, checkpoint after each epoch
        for i, (images, labels) in enumerate(data_loader):
            batch_size = images.size(0)
            real_images = images.to(device)
            labels = labels.to(device)
            real_labels = torch.ones(batch_size).to(device)
            fake_labels = torch.zeros(batch_size).to(device)

            # Train the discriminator: real images with their labels are real (1) ...
            real_validity = discriminator(real_images, labels)
            real_loss = criterion(real_validity, real_labels)
            # ... images generated for random labels are fake (0)
            z = torch.randn(batch_size, z_size).to(device)
            gen_labels = torch.randint(0, class_num, (batch_size,)).to(device)
            fake_images = generator(z, gen_labels)
            fake_validity = discriminator(fake_images.detach(), gen_labels)  # speed-up: no gradient into G here
            fake_loss = criterion(fake_validity, fake_labels)
            d_loss = real_loss + fake_loss
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()

            # Train the generator: fresh noise, the same labels, and D should say real (1)
            z = torch.randn(batch_size, z_size).to(device)
            fake_images = generator(z, gen_labels)
            validity = discriminator(fake_images, gen_labels)
            g_loss = criterion(validity, real_labels)
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()

            if (i + 1) % print_every == 0:  # changed: was % 200; print_every (200) lets the tests print sooner
                # changed: D(G(z)) is the discriminator's score of the fakes (the listing printed -fake_images.mean())
                print('Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}'
                      .format(epoch, num_epochs, i + 1, total_step, d_loss.item(), g_loss.item(),
                              real_validity.mean().item(), fake_validity.mean().item()))
            if run.step(d_loss, g_loss, real_validity.mean(), fake_validity.mean(), -fake_images.mean()):
                break  # plumbing above: history (with the listing's quantity), progress, --max-steps

        # Save the real images once, the generated ones every epoch (changed: gan.denorm for (x + 1) / 2, clamped)
        if (epoch + 1) == 1:
            save_image(gan.denorm(real_images.view(-1, 1, 28, 28)), os.path.join(sample_dir, 'real_images.png'))
        save_image(gan.denorm(fake_images.view(-1, 1, 28, 28)),
                   os.path.join(sample_dir, 'fake_images-{}.png'.format(epoch + 1)))

    # Save the weights
    weights = os.path.join(args.out, "weights")
    checkpoints.save_weights(generator.state_dict(), os.path.join(weights, 'cgan_G.ckpt'))  # changed: CPU tensors, in weights/
    checkpoints.save_weights(discriminator.state_dict(), os.path.join(weights, 'cgan_D.ckpt'))  # changed: likewise


# Images of the class you ask for: one class per row (row r is class r), and the listing's generate_digit
def class_grid(generator, z, names, out):
    labels = torch.arange(class_num, device=z.device).repeat_interleave(class_num)  # 0,0,...,1,1,...
    with torch.no_grad():
        images = gan.denorm(generator(z, labels)).cpu()
    grid = tiles(images, class_num)
    fig, ax = plt.subplots(figsize=(7.5, 7))
    ax.imshow(grid, cmap="gray")
    ax.set_yticks([28 * r + 14 for r in range(class_num)], names)
    ax.set_xticks([])
    ax.set(ylabel="label y given to G(z|y)", title="CGAN: row r is generated for class r (fresh z in each column)")
    return save_figure(fig, out, "cgan_class_grid.png")


def generate_digit(generator, digit, out, names):  # changed: draws the image and saves the figure
    z = torch.randn(1, z_size, device=next(generator.parameters()).device)  # changed: z_size, G's device
    label = torch.tensor([digit], device=z.device)  # changed: was torch.LongTensor([digit]).to(device)
    with torch.no_grad():
        img = gan.denorm(generator(z, label))  # changed: was .data.cpu(), then 0.5 * img + 0.5
    fig, ax = plt.subplots(figsize=(2.6, 2.9))  # one 28x28 image, drawn large enough to see
    ax.imshow(img[0].cpu().numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"G(z|y={digit}): {names[digit]}", fontsize=10)
    ax.axis("off")
    return save_figure(fig, out, f"cgan_digit_{digit}.png")


# Fig 8-9: the architecture, drawn from the networks' own layers
def architecture_figure(generator, discriminator):
    d = Diagram(15.9, 9, "Fig 8-9  CGAN: the label $y$ conditions both the generator and the discriminator")
    g_emb, d_emb = generator.label_emb, discriminator.label_emb
    dropout = next(m.p for m in discriminator.model if isinstance(m, nn.Dropout))
    z = d.box(1.7, 7.4, f"noise $z$\n{generator.model[0].in_features - g_emb.embedding_dim}-D", "latent", width=3.2)
    y_g = d.box(1.7, 5, f"label $y$\nEmbedding({g_emb.num_embeddings}, {g_emb.embedding_dim})", "input", width=3.2)
    G = d.box(6.3, 6.2, "generator $G(z|y)$\n" + "\n".join(layer_lines(generator.model)), "net")
    fake = d.box(10.6, 6.2, f"$G(z|y)$\n{linear_sizes(generator.model)[-1]} pixels", "data", width=2.4)
    x = d.box(5, 2.9, f"real image $x$\n{discriminator.model[0].in_features - d_emb.embedding_dim} pixels",
              "data", width=3.2)
    y_d = d.box(5, 0.9, f"label $y$\nEmbedding({d_emb.num_embeddings}, {d_emb.embedding_dim})", "input", width=3.2)
    D = d.box(10.6, 2.4, "discriminator $D(x|y)$\n" + "\n".join(layer_lines(discriminator.model))
              + f"\nhidden layers: Dropout({dropout:g})", "net")
    verdict = d.box(14.6, 2.4, "real (1)\nor fake (0)?", "loss", width=2.2)
    for a, b in [(z, G), (y_g, G), (G, fake), (fake, D), (x, D), (y_d, D), (D, verdict)]:
        d.arrow(a, b)
    return d.fig


def listing_quantity_line(history):
    """One line: what the listing printed as D(G(z)) at this run's last printed step, beside the book's."""
    last = (len(history) // print_every) * print_every - 1
    if last < 0:
        return "The listing's D(G(z)) column: no printed step in this run"
    book_value = book.book_run("cgan")[-1][-1]
    return (f"The listing's D(G(z)) column (minus the mean pixel of the fakes, not a score) at the last printed "
            f"step: {history[last, 4]:.2f} in this run, {book_value:.2f} in the book's")


def checkpoint_path(out):
    return os.path.join(out, "weights", "cgan.pt")


def load_generator(checkpoint, device):
    """The trained G(z|y) from the checkpoint cgan.py saves (the loaded dict), for evaluate.py."""
    return checkpoints.load_model(Generator(), checkpoint, "G", device)


def live_export(path):
    """G(z|y) saved in `path` as the page's live model (dlbook.page.live.Unusable if it cannot run)."""
    from dlbook.page import live

    G, checkpoint = live.read_weights(path, "G", Generator(), load_generator,
                                      "cgan.py's G(z|y): Embedding(10, 10), 110->256->512->1024->784")
    embedding = G.label_emb
    return {"input": z_size + embedding.embedding_dim, "layers": live.layers(G.model) + [{"op": "denorm"}],
            "embedding": {"rows": embedding.num_embeddings, "dim": embedding.embedding_dim,
                          "w": live.floats(embedding.weight)},
            "class_names": live.class_names(checkpoint["args"].get("dataset", "mnist")), "note": live.trained(checkpoint)}


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        data_loader = load_data(args, device)
        generator, discriminator, criterion, d_optimizer, g_optimizer = build(args, device)
        fixed_z = torch.randn(class_num * class_num, z_size, device=device)
        with training.Run(args, "cgan", checkpoint_path(args.out), len(data_loader), first_epoch=0, console=console,
                          G=generator, D=discriminator, g_optimizer=g_optimizer, d_optimizer=d_optimizer,
                          fixed_z=fixed_z) as run:
            train(args, generator, discriminator, criterion, d_optimizer, g_optimizer, data_loader, run)
        history = run.losses()
        print(listing_quantity_line(history))
        verdict = compare.report("cgan", run.lines, args.dataset, args.epochs, args.out)
        generator.eval()
        save_figure(architecture_figure(generator, discriminator), args.out, "fig8-9_cgan_architecture.png")
        class_grid(generator, fixed_z, data.DATASETS[args.dataset]["class_names"], args.out)
        if args.digit is not None:
            generate_digit(generator, args.digit, args.out, data.DATASETS[args.dataset]["class_names"])
        gan.training_curves(history, len(data_loader), args.out, "cgan_training_curves.png", "CGAN",
                            extra=("minus the mean pixel of the fakes (the listing's 'D(G(z))')", history[:, 4]))
        print(f"Weights: {os.path.join(args.out, 'weights')}/cgan_G.ckpt, cgan_D.ckpt")
        weights = [checkpoint_path(args.out), *(os.path.join(args.out, "weights", f) for f in ("cgan_G.ckpt", "cgan_D.ckpt"))]
        manifest.write(__file__, argv, args.out, numbers=gan.last_printed(history, len(data_loader)), saved=weights,
                       book_check=verdict)
    return {"history": history, "generator": generator}


if __name__ == "__main__":
    cli.start(main)
