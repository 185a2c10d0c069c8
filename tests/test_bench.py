"""benchmarks/bench_ch08.py: an untimed warm-up epoch, and the device synchronised around each timing."""
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
