"""8.4 measured: which generator is better, in numbers: a table, and a figure of our own after Fig 8-8.

Section 8.4 says a VAE's latent space is continuous and a GAN's images are sharper (Fig 8-7 "clearly
better than" Fig 8-5). This script measures both claims, and more, for every generator the chapter's
scripts saved in --out/weights/ (vae.py, gan.py, cgan.py, dcgan.py), on 10,000 samples each against
the 10,000 test images:
    python ch08_generative/evaluate.py --dataset fashion-mnist    # after vae.py and gan.py

Its features come from a small convolutional classifier trained here on the data set's training
split (saved in --out/weights/ and reused), not from a downloaded network.
"""
import argparse
import math
import os
from typing import Callable, NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

import cgan
import dcgan
import gan
import vae
from dlbook import checkpoints, cli, data, loader, manifest, training
from dlbook.console import Console
from dlbook.device import torch_device
from dlbook.figures import plt, save_figure, tiles
from dlbook.paths import atomic_path
from dlbook.seed import seed_torch

classifier_epochs = 8
batch_size = 128
learning_rate = 1e-3
WANTED_ACCURACY = {"mnist": 0.99, "fashion-mnist": 0.91}  # below this its features are too coarse to trust
K = 3  # neighbours that set each point's radius for precision and recall (Kynkäänniemi et al., 2019)
PATH_POINTS = 17  # points along each straight latent line, ends included


def parse_args(argv=None):
    parser = cli.make_parser(__doc__.splitlines()[0], dataset=True)
    parser.add_argument("--samples", type=cli.positive_int, default=10_000,
                        help="images drawn from each generator (default 10000, the test set's size)")
    parser.add_argument("--paths", type=cli.positive_int, default=200,
                        help="straight latent lines per generator for the smoothness measure (default 200)")
    parser.add_argument("--classifier-epochs", type=cli.positive_int, default=classifier_epochs,
                        help=f"epochs for the feature classifier when none is saved (default {classifier_epochs})")
    parser.add_argument("--max-steps", type=cli.positive_int, help="cap on the classifier's training (smoke runs)")
    parser.add_argument("--resume", action="store_true", help="continue the classifier's interrupted training")
    return cli.parse_args(parser, argv)


# (1) The feature network: a small CNN classifier, trained once per data set and reused
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(  # 1x28x28 -> 128 features, the space every measure below works in
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, 10))

    def forward(self, x):
        return self.head(self.features(x))


def classifier_path(out, dataset):
    return os.path.join(out, "weights", f"classifier_{dataset}.pt")


def get_classifier(args, device, console):
    model = Classifier().to(device)
    path, state = checkpoints.find(args.out, lambda folder: classifier_path(folder, args.dataset), args.dataset)
    path = path or classifier_path(args.out, args.dataset)
    if state and state["epoch"] >= args.classifier_epochs and not args.resume:
        model.load_state_dict(state["model"])
        print(f"Loaded the classifier from {path} ({state['epoch']} epochs)")
    else:
        print(f"Training the classifier for {args.classifier_epochs} epoch(s) on {args.dataset}'s training split")
        data_loader = loader.DeviceDataLoader(loader.load_mnist(args, device), batch_size, shuffle=True)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        # The learning rate decays to 0 along a cosine: about 1% more test accuracy than a constant one
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.classifier_epochs * len(data_loader))
        run_args = argparse.Namespace(**{**vars(args), "epochs": args.classifier_epochs, "batch_size": batch_size})
        with training.Run(run_args, "classifier", path, len(data_loader), console=console, model=model,
                          optimizer=optimizer, scheduler=scheduler) as run:
            for epoch in run.epochs(args.classifier_epochs):
                for x, y in data_loader:
                    loss = F.cross_entropy(model(x), y)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    scheduler.step()
                    if run.step(loss):
                        break
    return model.eval()


def features_and_logits(classifier, images, chunk=1000):
    with torch.no_grad():
        feats = [classifier.features(x) for x in images.split(chunk)]
        return torch.cat(feats), torch.cat([classifier.head(f) for f in feats])


# (2) The generators the chapter's scripts saved: each as decode(z, labels) -> images in [0, 1]
class SavedGenerator(NamedTuple):
    name: str
    epochs: int
    latent_size: int
    decode: Callable
    conditional: bool = False  # takes the class it is asked for (the CGAN)


def find_generators(args, device):
    """What vae.py (20-D), gan.py, cgan.py and dcgan.py saved for this data set, each built by its own loader."""
    found = []
    for name, path_of, load, latent_size, decode, conditional in (
            ("VAE", lambda folder: vae.weights_path(folder, vae.z_dim), vae.load_vae, vae.z_dim,
             lambda m, z, y: m.decode(z).view(-1, 1, 28, 28), False),
            ("GAN", gan.checkpoint_path, gan.load_generator, gan.latent_size,
             lambda m, z, y: gan.denorm(m(z)).view(-1, 1, 28, 28), False),
            ("CGAN", cgan.checkpoint_path, cgan.load_generator, cgan.z_size,
             lambda m, z, y: gan.denorm(m(z, y)).view(-1, 1, 28, 28), True),
            ("DCGAN", dcgan.checkpoint_path, dcgan.load_generator, dcgan.latent_size,
             lambda m, z, y: gan.denorm(m(z)), False)):
        path, state = checkpoints.find(args.out, path_of, args.dataset, "vae_vs_gan")
        if state:
            model = load(state, device)
            found.append(SavedGenerator(name, state["epoch"], latent_size,
                                        lambda z, y, m=model, d=decode: d(m, z, y), conditional))
            print(f"Found the {name}: {path} ({state['epoch']} epochs)")
    if not found:
        cli.fail(f"no trained generator for {args.dataset} in {args.out / 'weights'}: run "
                 f"ch08_generative/vae.py and gan.py (and cgan.py, dcgan.py) with --dataset {args.dataset} first")
    return found


def sample(generator, n, device, chunk=1000):
    """n images; the CGAN is asked for each class in turn, so its classes are balanced by design."""
    with torch.no_grad():
        z = torch.randn(n, generator.latent_size, device=device)
        labels = torch.arange(n, device=device) % 10
        return torch.cat([generator.decode(zc, yc) for zc, yc in zip(z.split(chunk), labels.split(chunk))])


def latent_lines(generator, n_paths, device):
    """Images along n_paths straight lines between two z ~ N(0, I): [n_paths * PATH_POINTS, 1, 28, 28]."""
    with torch.no_grad():
        ends = torch.randn(2, n_paths, 1, generator.latent_size, device=device)
        t = torch.linspace(0, 1, PATH_POINTS, device=device)[None, :, None]
        z = (ends[0] + t * (ends[1] - ends[0])).reshape(-1, generator.latent_size)
        labels = (torch.arange(n_paths, device=device) % 10).repeat_interleave(PATH_POINTS)  # one class per line
        return generator.decode(z, labels)


# (3) The measures, each on features (or images) of samples against real test images
def frechet_distance(a, b):
    """|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) of two feature sets [n, d] (the FID formula)."""
    a, b = a.cpu().double(), b.cpu().double()  # float64 on the CPU: MPS has no float64
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = torch.cov(a.T), torch.cov(b.T)
    # tr (S_a S_b)^(1/2) = sum of sqrt(eigenvalues of S_a^(1/2) S_b S_a^(1/2)), a symmetric matrix
    w, v = torch.linalg.eigh(s_a)
    root_a = v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T
    cross = torch.linalg.eigvalsh(root_a @ s_b @ root_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).square().sum() + s_a.trace() + s_b.trace() - 2 * cross)


def kth_neighbour_radius(x, k=K, chunk=2000):
    """Distance from each point of x to its k-th nearest other point of x."""
    # k + 1 smallest, as each point is its own nearest (topk rather than kthvalue: MPS has no kthvalue)
    return torch.cat([torch.cdist(xc, x).topk(k + 1, dim=1, largest=False).values[:, -1] for xc in x.split(chunk)])


def inside_manifold(points, manifold, radii, chunk=2000):
    """For each point: is it within the radius of at least one manifold point?"""
    return torch.cat([(torch.cdist(pc, manifold) <= radii).any(dim=1) for pc in points.split(chunk)])


def precision_recall(real, fake, k=K):
    """Precision: share of fakes inside the real images' k-NN balls (are samples realistic?).
    Recall: share of real images inside the fakes' k-NN balls (is the data's variety covered?)."""
    precision = inside_manifold(fake, real, kth_neighbour_radius(real, k)).float().mean()
    recall = inside_manifold(real, fake, kth_neighbour_radius(fake, k)).float().mean()
    return float(precision), float(recall)


def class_coverage(logits, classes=10):
    """(entropy in bits of the predicted-class histogram, largest class share). log2(10) = 3.32 bits
    is every class equally often; 0 is one class only: mode collapse."""
    p = torch.bincount(logits.argmax(1).cpu(), minlength=classes).double() / len(logits)
    return float(-(p[p > 0] * p[p > 0].log2()).sum()), float(p.max())


def sharpness(images):
    """Mean image-gradient energy: squared differences of neighbouring pixels, per pixel pair."""
    dx = images[..., :, 1:] - images[..., :, :-1]
    dy = images[..., 1:, :] - images[..., :-1, :]
    return float(dx.square().mean() + dy.square().mean())


def path_unevenness(features):
    """Features along lines [paths, points, d]: the coefficient of variation (std / mean) of the
    feature distance between neighbouring points, averaged over lines. 0: the features change by
    equal steps all along; large: still stretches, then jumps (holes or seams in the latent space).
    Lines along which the features do not move at all have no such ratio and are left out (NaN if all)."""
    steps = (features[:, 1:] - features[:, :-1]).norm(dim=2)
    moving = steps.mean(dim=1) > 1e-6
    return float((steps.std(dim=1) / steps.mean(dim=1))[moving].mean()) if moving.any() else math.nan


# (4) The table: one row per generator, and the test set's two halves as the floor
class Row(NamedTuple):
    model: str
    epochs: object  # an int, or "-" for the test set
    frechet: float
    precision: float
    recall: float
    entropy: float
    largest_class: float
    sharpness: float
    unevenness: float = None  # none for the test set: it has no latent space


COLUMNS = ["model", "epochs", "Fréchet distance ↓", "precision ↑", "recall ↑", "class entropy (bits) ↑",
           "largest class", "sharpness vs real", "path unevenness ↓"]  # the table's heads, one per Row field


def conditioning(logits, classes=10):
    """For a conditional generator asked for class i % 10 for image i (see sample()): per class, the
    share of its images the classifier reads as that class."""
    asked = torch.arange(len(logits), device=logits.device) % classes
    hits = (logits.argmax(1) == asked).float()
    return [float(hits[asked == k].mean()) for k in range(classes)]


def measure(args, classifier, generators, x_test, real_feats, real_logits, device):
    """(table rows, 12 samples per model, {conditional model: per-class conditioning shares})."""
    half = len(x_test) // 2
    real_sharpness = sharpness(x_test)
    # The floor: 5,000 test images against the other 5,000. Both measures depend on the sample size (the
    # distance's bias shrinks like 1/n): this floor sits a little above a 10,000-vs-10,000 one.
    rows = [Row(f"real (test half vs half, {half} each)", "-", frechet_distance(real_feats[:half], real_feats[half:]),
                *precision_recall(real_feats[:half], real_feats[half:]), *class_coverage(real_logits), 1.0)]
    samples, conditioned = {"real": x_test[:12]}, {}
    for generator in generators:
        seed_torch(args.seed)  # each model's samples the same, whichever other models were found
        images = sample(generator, args.samples, device)
        feats, logits = features_and_logits(classifier, images)
        lines = features_and_logits(classifier, latent_lines(generator, args.paths, device))[0]
        rows.append(Row(generator.name, generator.epochs, frechet_distance(feats, real_feats),
                        *precision_recall(real_feats, feats), *class_coverage(logits),
                        sharpness(images) / real_sharpness, path_unevenness(lines.view(args.paths, PATH_POINTS, -1))))
        samples[generator.name] = images[:12]
        if generator.conditional:
            conditioned[generator.name] = conditioning(logits)
    return rows, samples, conditioned


def table(rows, path):
    """The table as data (its file, COLUMNS, one list per row), as the run's manifest carries it."""
    return {"file": path, "columns": COLUMNS, "rows": [list(row) for row in rows]}


# (5) 8.4's two claims, one line each
def claims(rows):
    by_name = {row.model: row for row in rows}
    if "VAE" not in by_name or "GAN" not in by_name:
        return ["8.4 claims: need both vae.py's and gan.py's weights to compare them (run both first)"]
    vae_row, gan_row = by_name["VAE"], by_name["GAN"]

    def ratio(a, b):  # NaN where a model's images or features never change: no verdict then
        return a / b if b and not math.isnan(a) else math.nan

    def verdict(r):
        return "cannot tell (a model's output does not change)" if math.isnan(r) else "yes" if r > 1 else "no"

    sharper = ratio(gan_row.sharpness, vae_row.sharpness)
    smoother = ratio(gan_row.unevenness, vae_row.unevenness)
    return [f"8.4 'GAN images are sharper than the VAE's': {verdict(sharper)} here: the GAN's samples "
            f"have {gan_row.sharpness:.2f} of the real images' gradient energy, the VAE's {vae_row.sharpness:.2f}: "
            f"the GAN's {sharper:.2f}x the VAE's",
            f"8.4 'the VAE's latent space is continuous': {verdict(smoother)} here: along straight "
            f"latent lines the features change with unevenness {vae_row.unevenness:.3f} (VAE) vs "
            f"{gan_row.unevenness:.3f} (GAN): the VAE's steps {smoother:.2f}x as even (ratio of the two)"]


# (6) Our figure after Fig 8-8: the table as bars, and a row of samples per model beside real images
def figure(rows, samples, dataset, out):
    fig = plt.figure(figsize=(13, 9.5))
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.5, 1])
    axes = top.subplots(2, 3, gridspec_kw={"hspace": 0.45}).flatten()
    names = [row.model.split(" ")[0] for row in rows]
    shown = ["frechet", "precision", "recall", "entropy", "sharpness", "unevenness"]  # not epochs, largest class
    for ax, field in zip(axes, shown):
        values = [math.nan if getattr(row, field) is None else getattr(row, field) for row in rows]
        ax.bar(names, values, color=["grey"] + [f"C{i}" for i in range(len(rows) - 1)])
        ax.set_title(COLUMNS[Row._fields.index(field)], fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    top.suptitle(f"8.4 measured on {dataset}: generators against the test set ('real' = one test half vs the other)")
    strips = bottom.subplots(len(samples), 1)
    for ax, (name, images) in zip(strips, samples.items()):
        ax.imshow(tiles(images, len(images)), cmap="gray", vmin=0, vmax=1)
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, out, "generators_measured.png")


def conditioning_line(name, shares, dataset):
    """One line: for each class of `dataset`, the share of the images asked for it that are read as it."""
    names = data.DATASETS[dataset]["class_names"]
    return (f"{name} conditioning (share of the images asked for each class that the classifier reads as "
            f"that class): " + ", ".join(f"{names[k]} {v:.1%}" for k, v in enumerate(shares))
            + f"; all {sum(shares) / len(shares):.1%}")


def main(argv=None):
    args = parse_args(argv)
    with Console(args.log) as console:  # every line printed below, on the terminal and in --log
        device = torch_device(args.device)
        seed_torch(args.seed)
        classifier = get_classifier(args, device, console)
        x_test, y_test = loader.load_mnist(args, device, train=False)
        real_feats, real_logits = features_and_logits(classifier, x_test)
        accuracy = float((real_logits.argmax(1) == y_test).float().mean())
        wanted = WANTED_ACCURACY[args.dataset]
        print(f"Classifier test accuracy: {accuracy:.2%} (wanted: at least {wanted:.0%}"
              + (")" if accuracy >= wanted else "; below it the measures are rough: train longer with "
                 "--classifier-epochs)"))
        generators = find_generators(args, device)
        rows, samples, conditioned = measure(args, classifier, generators, x_test, real_feats, real_logits, device)
        path = os.path.join(args.out, f"evaluate_{args.dataset}.md")
        measured = table(rows, path)
        text = manifest.markdown_table(measured)
        print(text)
        with atomic_path(path) as tmp:
            tmp.write_text(f"{text}\n", encoding="utf-8")
        print(f"Table: {path}")
        for line in claims(rows):
            print(line)
        for name, shares in conditioned.items():  # 8.5: does the label steer the CGAN?
            print(conditioning_line(name, shares, args.dataset))
        figure(rows, samples, args.dataset, args.out)
        numbers = {"classifier_accuracy": accuracy,
                   **{f"{name} conditioning": sum(s) / len(s) for name, s in conditioned.items()}}
        manifest.write(__file__, argv, args.out, numbers=numbers, tables=[measured],
                       saved=[classifier_path(args.out, args.dataset)])
    return {"rows": rows, "accuracy": accuracy, "conditioning": conditioned}


if __name__ == "__main__":
    cli.start(main)
