"""ch08_generative/vae_vs_gan.py: trains what is missing, reuses what vae.py and gan.py saved."""
import gan
import vae
import pytest

import vae_vs_gan
from dlbook.figures import plt


@pytest.mark.slow
def test_trains_missing_models_then_reuses_saved_ones(synthetic_idx, tmp_path, capsys):
    root = synthetic_idx("mnist", n_train=200, n_test=20)
    common = ["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path)]
    vae_vs_gan.main(common + ["--epochs", "1", "--quick-epochs", "1"])
    out = capsys.readouterr().out
    assert out.count("training one for 1 epoch(s)") == 3  # 2-D VAE, 20-D VAE, GAN
    for name in ("fig8-8_vae_manifold.png", "vae_vs_gan_samples.png"):
        assert plt.imread(tmp_path / name).std() > 0.01

    # Weights saved by vae.py and gan.py themselves are preferred.
    vae.main(common + ["--epochs", "1", "--z-dim", "2"])
    gan.main(common + ["--epochs", "1"])
    capsys.readouterr()
    vae_vs_gan.main(common)
    out = capsys.readouterr().out
    assert f"Loaded the 2-D VAE from {tmp_path / 'weights' / 'vae_z2.pt'}" in out
    assert f"Loaded the GAN from {tmp_path / 'weights' / 'gan.pt'}" in out
    assert "Loaded the 20-D VAE" in out and "training" not in out


@pytest.mark.slow
def test_weights_from_another_dataset_are_not_used(synthetic_idx, tmp_path, capsys):
    synthetic_idx("fashion-mnist", n_train=100, n_test=10)
    root = synthetic_idx("mnist", n_train=100, n_test=10)
    common = ["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path)]
    vae.main(common + ["--epochs", "1", "--z-dim", "2", "--dataset", "fashion-mnist"])
    capsys.readouterr()
    vae_vs_gan.main(common + ["--epochs", "1", "--quick-epochs", "1", "--max-steps", "1"])
    assert "No saved 2-D VAE for mnist" in capsys.readouterr().out


@pytest.mark.slow
def test_max_steps_reaches_the_models_it_trains(synthetic_idx, tmp_path, capsys):
    """--max-steps caps each model trained here: 3 steps of 2-step epochs save one epoch, not two."""
    from dlbook import checkpoints

    root = synthetic_idx("mnist", n_train=200, n_test=10)
    vae_vs_gan.main(["--device", "cpu", "--data-dir", str(root), "--out", str(tmp_path), "--epochs", "2",
                     "--quick-epochs", "2", "--max-steps", "3"])
    assert capsys.readouterr().out.count("training one for 2 epoch(s)") == 3
    for name in ("vae_z2.pt", "vae_z20.pt", "gan.pt"):
        saved = checkpoints.load_checkpoint(tmp_path / "vae_vs_gan" / "weights" / name)
        assert saved["epoch"] == 1 and saved["args"]["max_steps"] == 3, name
