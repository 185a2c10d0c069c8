"""benchmarks/bench_ch08.py: an untimed warm-up epoch, and the device synchronised around each timing;
benchmarks/step_rates.py: what it counts."""
import pytest
import torch

import bench_ch08


def test_timed_synchronises_the_device_before_and_after(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.mps, "synchronize", lambda: calls.append("mps"))
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append("cuda"))
    bench_ch08.timed(lambda: calls.append("work"), torch.device("mps"))
    bench_ch08.timed(lambda: calls.append("work"), torch.device("cuda", 0))
    assert calls == ["mps", "work", "mps", "cuda", "work", "cuda"]


def test_each_side_gets_an_untimed_warm_up_epoch(monkeypatch, capsys):
    runs = {"book": 0, "ours": 0}
    durations = iter([100.0, 100.0] + [1.0, 2.0] * 2)  # the warm-ups are slow, as CUDA start-up is

    def counting(side):
        def make(*args, **kwargs):
            def epoch():
                runs[side] += 1
            return epoch
        return make

    monkeypatch.setattr(bench_ch08, "listing_epoch", counting("book"))
    monkeypatch.setattr(bench_ch08, "our_epoch", counting("ours"))
    monkeypatch.setattr(bench_ch08, "timed", lambda fn, device: (fn(), next(durations))[1])
    rows = bench_ch08.main(["--device", "cpu", "--epochs", "2", "--models", "vae"])
    assert runs == {"book": 3, "ours": 3}
    assert rows == [("vae", 1.0, 2.0)]  # medians of the timed epochs only


@pytest.mark.slow
def test_step_rates_counts_the_gan_steps_matrix_flops(synthetic_idx, capsys):
    """benchmarks/step_rates.py: one GAN step's matrix products, counted from the layer sizes by
    hand: D's step runs D on real and (detached) fake images and G once forward, then back through
    both D passes (weights, and inputs below the first layer); G's step runs G and D forward, then
    back through all of D (its weights too, and its input, to reach G) and through G."""
    import step_rates

    root = synthetic_idx("mnist", n_train=200, n_test=10)
    rows = step_rates.main(["--data-dir", str(root), "--models", "gan", "--steps", "2"])
    d = 784 * 256 + 256 * 256 + 256 * 1
    g = 64 * 256 + 256 * 256 + 256 * 784
    d_inner, g_inner = 256 * 256 + 256 * 1, 256 * 256 + 256 * 784  # layers whose input gradient is needed
    macs_per_image = (2 * d + g) + 2 * (d + d_inner) + (g + d) + (2 * d + g + g_inner)
    assert {row[3] for row in rows} == {2 * 100 * macs_per_image / 1e6}  # MFLOP per step of 100 images
    assert all(row[2] > 0 and row[5] > 0 for row in rows)
