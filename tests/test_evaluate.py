"""ch08_generative/evaluate.py: the measures give known answers; the script finds, samples and reports."""
import math
from argparse import Namespace

import pytest
import torch
import torch.nn.functional as F

import cgan
import dcgan
import evaluate
import gan
import vae
from conftest import error_line, stopped
from dlbook.figures import plt


@pytest.fixture
def feats():
    return torch.randn(500, 16, generator=torch.Generator().manual_seed(0))


def test_frechet_distance_is_zero_for_a_set_and_itself_and_grows_with_noise(feats):
    assert evaluate.frechet_distance(feats, feats) == pytest.approx(0, abs=1e-6)
    noise = torch.randn(feats.shape, generator=torch.Generator().manual_seed(1))
    distances = [evaluate.frechet_distance(feats, feats + s * noise) for s in (0.1, 0.5, 1.0)]
    assert 0 < distances[0] < distances[1] < distances[2]
    # tr (S_a S_b)^(1/2) another way: the square roots of the (real, non-negative) eigenvalues of S_a S_b.
    other = feats @ torch.randn(16, 16, generator=torch.Generator().manual_seed(2)) + 1.0
    s_a, s_b = torch.cov(feats.double().T), torch.cov(other.double().T)
    cross = torch.linalg.eigvals(s_a @ s_b).real.clamp(min=0).sqrt().sum()
    expected = (feats.double().mean(0) - other.double().mean(0)).square().sum() + s_a.trace() + s_b.trace() - 2 * cross
    assert evaluate.frechet_distance(feats, other) == pytest.approx(float(expected), rel=1e-6)
    # A shift of the mean alone adds exactly |shift|^2.
    assert evaluate.frechet_distance(feats, feats + 2.0) == pytest.approx(16 * 4.0, rel=1e-6)


def test_precision_and_recall_of_a_set_against_itself_are_one(feats):
    assert evaluate.precision_recall(feats, feats) == (1.0, 1.0)
    # Fakes all at one real point: realistic (precision 1) but they cover almost none of the data.
    precision, recall = evaluate.precision_recall(feats, feats[:1].repeat(500, 1))
    assert precision == 1.0 and recall < 0.05
    # Fakes far from the data: neither.
    assert evaluate.precision_recall(feats, feats + 100) == (0.0, 0.0)


def test_radius_is_the_kth_nearest_other_point():
    x = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    assert evaluate.kth_neighbour_radius(x, k=1).tolist() == [1, 1, 2, 4]
    assert evaluate.kth_neighbour_radius(x, k=2).tolist() == [3, 2, 3, 6]


def test_one_class_generator_has_zero_class_entropy():
    one_class = F.one_hot(torch.full((100,), 3), 10).float()
    assert evaluate.class_coverage(one_class) == (0.0, 1.0)
    balanced = F.one_hot(torch.arange(1000) % 10, 10).float()
    assert evaluate.class_coverage(balanced) == pytest.approx((3.3219, 0.1), abs=1e-4)


def test_a_blurred_copy_scores_lower_sharpness():
    images = torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    blurred = F.avg_pool2d(images, 3, stride=1, padding=1)
    assert evaluate.sharpness(blurred) < 0.5 * evaluate.sharpness(images)
    assert evaluate.sharpness(torch.full((2, 1, 28, 28), 0.7)) == 0


def test_path_unevenness_is_zero_for_even_steps_and_grows_with_a_jump():
    t = torch.linspace(0, 1, evaluate.PATH_POINTS)[None, :, None]
    even = t * torch.randn(4, 1, 8)  # features moving at constant speed
    assert evaluate.path_unevenness(even) == pytest.approx(0, abs=1e-5)
    jump = even.clone()
    jump[:, 9:] += 5.0  # a seam: one big step in the middle
    assert evaluate.path_unevenness(jump) > 1
    assert math.isnan(evaluate.path_unevenness(torch.ones(4, evaluate.PATH_POINTS, 8)))  # a collapse is not "even"


def test_latent_lines_are_straight_and_keep_one_class_per_line():
    seen = {}

    def decode(z, labels):
        seen["z"], seen["labels"] = z, labels
        return torch.zeros(len(z), 1, 28, 28)

    evaluate.latent_lines(evaluate.SavedGenerator("toy", 1, 5, decode), 3, torch.device("cpu"))
    z = seen["z"].view(3, evaluate.PATH_POINTS, 5)
    steps = z[:, 1:] - z[:, :-1]
    assert torch.allclose(steps, steps[:, :1].expand_as(steps), atol=1e-6)
    assert seen["labels"].view(3, -1).tolist() == [[k] * evaluate.PATH_POINTS for k in range(3)]


@pytest.mark.slow
def test_evaluates_saved_generators_and_reuses_its_classifier(synthetic_idx, tmp_path, capsys):
    root = synthetic_idx("mnist", n_train=200, n_test=100)
    common = ["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path)]
    for script in (vae, gan, cgan, dcgan):
        script.main(common + ["--epochs", "1"])
    capsys.readouterr()
    flags = common + ["--samples", "100", "--paths", "4", "--classifier-epochs", "4"]
    first = evaluate.main(flags)
    out = capsys.readouterr().out
    assert "Training the classifier for 4 epoch(s)" in out
    assert [row.model for row in first["rows"]] == ["real (test half vs half, 50 each)", "VAE", "GAN", "CGAN", "DCGAN"]
    real, vae_row, gan_row, *_ = first["rows"]
    assert first["accuracy"] > 0.8  # the blobs' place gives the class away (chance: 0.1)
    assert real.frechet < vae_row.frechet and real.frechet < gan_row.frechet  # the test halves are closer than any generator
    assert "8.4 'GAN images are sharper than the VAE's'" in out
    table = (tmp_path / "evaluate_mnist.md").read_text(encoding="utf-8")
    assert table.count("\n| VAE | 1 |") == 1 and "| GAN | 1 |" in table
    assert plt.imread(tmp_path / "generators_measured.png").std() > 0.01

    second = evaluate.main(flags)  # loads the classifier, draws the same samples: the same numbers
    assert f"Loaded the classifier from {tmp_path / 'weights' / 'classifier_mnist.pt'}" in capsys.readouterr().out
    assert second["rows"] == first["rows"]

    (tmp_path / "weights" / "vae_z20.pt").unlink()  # each model's numbers do not depend on the others found
    third = evaluate.main(flags)
    assert third["rows"][1:] == first["rows"][2:]
    assert "need both vae.py's and gan.py's weights" in capsys.readouterr().out


def test_without_generators_one_line_names_the_scripts(synthetic_idx, tmp_path, capsys):
    synthetic_idx("fashion-mnist", n_train=100, n_test=20)
    root = synthetic_idx("mnist", n_train=100, n_test=20)
    # A generator trained on the other data set is not one of this data set's.
    vae.main(["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path), "--epochs", "1",
              "--dataset", "fashion-mnist"])
    capsys.readouterr()
    status, err = stopped(capsys, evaluate.main, "--device", "cpu", "--data-dir", root, "--out", tmp_path,
                          "--classifier-epochs", "1")
    assert status == 2 and len(err) == 1 and err[0].startswith(error_line("no trained generator for mnist"))
    assert "vae.py and gan.py" in err[0]


def test_claim_lines_say_yes_or_no_and_by_how_much():
    def row(name, sharp, uneven):
        return evaluate.Row(name, 1, 0.0, 0.0, 0.0, 0.0, 0.0, sharp, uneven)
    sharp_gan, smooth_vae = evaluate.claims([row("VAE", 0.3, 0.2), row("GAN", 0.6, 0.5)])
    assert sharp_gan.startswith("8.4 'GAN images are sharper than the VAE's': yes here") and "2.00x" in sharp_gan
    assert smooth_vae.startswith("8.4 'the VAE's latent space is continuous': yes here") and "2.50x" in smooth_vae
    blurry_gan, jumpy_vae = evaluate.claims([row("VAE", 0.6, 0.5), row("GAN", 0.3, 0.2)])
    assert ": no here" in blurry_gan and ": no here" in jumpy_vae
    flat_vae, still_vae = evaluate.claims([row("VAE", 0.0, math.nan), row("GAN", 0.3, 0.2)])
    assert "cannot tell" in flat_vae and "cannot tell" in still_vae
    assert evaluate.claims([row("VAE", 0.3, 0.2)]) == [
        "8.4 claims: need both vae.py's and gan.py's weights to compare them (run both first)"]


class BrightnessClassifier(torch.nn.Module):
    """Reads class k from an image's mean brightness (k / 10 + 0.05): a known answer for measure()."""

    def features(self, x):
        return x.mean(dim=(1, 2, 3))[:, None].repeat(1, 4)

    def head(self, f):
        centres = torch.arange(10) / 10 + 0.05
        return -(f[:, :1] - centres).square()


def level_images(classes):
    """One grey level per class, with a faint checkerboard that leaves the mean alone (so sharpness is not 0)."""
    checks = 0.01 * (-1.0) ** torch.arange(28 * 28).view(28, 28).add(torch.arange(28)[:, None])
    return torch.as_tensor(classes, dtype=torch.float)[:, None, None, None] / 10 + 0.05 + checks


def test_class_entropy_and_conditioning_come_from_the_generated_samples():
    """A generator stuck on one class has no entropy whatever the test set's classes; a conditional
    one that draws the class it is asked for is read as that class every time."""
    args = Namespace(seed=0, samples=200, paths=4)
    x_test = level_images(torch.arange(100) % 10)
    classifier = BrightnessClassifier()
    real_feats, real_logits = evaluate.features_and_logits(classifier, x_test)
    stuck = evaluate.SavedGenerator("stuck", 1, 2, lambda z, y: level_images(torch.full((len(z),), 3)))
    obedient = evaluate.SavedGenerator("obedient", 1, 2, lambda z, y: level_images(y), conditional=True)
    rows, _, conditioned = evaluate.measure(args, classifier, [stuck, obedient], x_test, real_feats, real_logits, "cpu")
    assert rows[0].entropy == pytest.approx(3.3219, abs=1e-4)  # the test set: every class equally often
    assert rows[1].entropy == 0.0 and rows[1].largest_class == 1.0
    assert rows[2].entropy == pytest.approx(3.3219, abs=1e-4)
    assert conditioned == {"obedient": [1.0] * 10}
    assert evaluate.conditioning(real_logits.roll(1, 0)) == [0.0] * 10  # asked for k, drawn k - 1


def test_the_conditioning_line_names_the_data_sets_own_classes():
    shares = [1.0] * 9 + [0.5]
    fashion = evaluate.conditioning_line("CGAN", shares, "fashion-mnist")
    assert "T-shirt/top 100.0%" in fashion and "Ankle boot 50.0%" in fashion and fashion.endswith("; all 95.0%")
    assert ", 9 50.0%; all 95.0%" in evaluate.conditioning_line("CGAN", shares, "mnist")
