"""reproduce.py: runs scripts, saves their logs, writes the gallery and the summary."""
import re

import reproduce


def test_runs_logs_gallery_and_summary(tmp_path, capsys, monkeypatch):
    perceptron = next(r for r in reproduce.RUNS if r[0] == "perceptron")
    broken = ("broken", perceptron[1], "6.4.2", ["--max-epochs", "0"], ["--max-epochs", "0"], False, r"^none$")
    monkeypatch.setattr(reproduce, "RUNS", [perceptron, broken])
    status = reproduce.main(["--chapter", "6", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1  # one script failed, and the summary says which
    assert re.search(r"^perceptron +6\.4\.1-6\.4\.3 +ok .*output = Hw \+ b = \[0, 1, 1, 0\]", out, re.M)
    assert re.search(r"^broken +6\.4\.2 +failed \(2\)", out, re.M)
    log = (tmp_path / "logs" / "perceptron.log").read_text()
    assert log.startswith("$ python ch06_feedforward/perceptron.py") and "output = Hw + b" in log
    gallery = (tmp_path / "README.md").read_text()
    assert "## Fig 6-26: XOR: circles are 0, squares are 1" in gallery
    assert "python reproduce.py --chapter 6 --quick --out" in gallery
    for image in re.findall(r"!\[.*?\]\((.+?)\)", gallery):
        assert (tmp_path / image).exists()
