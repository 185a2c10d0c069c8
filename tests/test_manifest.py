"""dlbook.manifest: what a run made reaches the main job and the gallery as data, whatever the script
prints. backprop_manual.py (a second, no data) stands in for every script: they all end main the same way."""
import io
import json
import re
import sys
from argparse import Namespace

import pytest

import backprop_manual as bp
import reproduce
from dlbook import gallery, manifest, sections

ROW, = [s for s in sections.BOOK if s.name == "backprop_manual"]


class Reworded(io.StringIO):
    """A stdout on which every printed line reads differently (as if each print's wording changed)."""

    def write(self, text):
        return super().write(text.replace("Figure:", "Wrote figure").replace("E_total", "total error"))


def run(out, monkeypatch, stdout):
    monkeypatch.setattr(sys, "stdout", stdout)
    bp.main(["--iterations", "2000", "--out", str(out)])
    monkeypatch.undo()
    return stdout.getvalue()


def test_reworded_printout_reports_the_same_figures_and_numbers(tmp_path, monkeypatch):
    plain = run(tmp_path / "plain", monkeypatch, io.StringIO())
    reworded = run(tmp_path / "reworded", monkeypatch, Reworded())
    assert "Figure:" not in reworded and "E_total" not in reworded  # nothing left to parse in the printout
    printed = float(re.findall(r"^iteration: 2000, E_total: ([\d.]+)$", plain, re.M)[-1])
    for out in (tmp_path / "plain", tmp_path / "reworded"):
        made = manifest.read(out, "backprop_manual")
        assert made["command"] == f"python ch06_feedforward/backprop_manual.py --iterations 2000 --out {out}"
        assert [f["file"] for f in made["figures"]] == [f.file for f in ROW.figures]  # the table's figures, written
        assert made["numbers"]["iterations"] == 2000 and round(made["numbers"]["E_total"], 9) == printed
        # the main job: the files it checks before reusing the run, and the summary's numbers
        args = Namespace(out=out)
        assert sorted(p.name for p in reproduce.outputs(ROW, args)) == sorted([f.file for f in ROW.figures]
                                                                              + ["backprop_manual.json"])
        assert reproduce.key_numbers(ROW, out) == f"iterations = 2000 | E_total = {printed:.4g}"
        # the gallery: the figure with its book number, caption and the run's own command
        gallery.build(out, "python reproduce.py")
        readme = (out / "README.md").read_text(encoding="utf-8")
        assert "## after Fig 6-35: E_total of the 2-2-2 network under hand-written back-propagation" in readme
        assert f"![E_total of the 2-2-2 network under hand-written back-propagation · 参见 图6-35 反向传播由隐含层再到权重w_1]" \
               "(backprop_error.png)" in readme
        assert f"`python ch06_feedforward/backprop_manual.py --iterations 2000 --out {out}`" in readme
        assert f"<code>python ch06_feedforward/backprop_manual.py --iterations 2000 --out {out}</code>" in \
            (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow  # a few seconds; the fast loop stays under a minute
def test_each_out_folder_gets_its_own_manifest_of_its_own_files(tmp_path, monkeypatch):
    for name in ("a", "b"):
        run(tmp_path / name, monkeypatch, io.StringIO())
    for name in ("a", "b"):
        made = json.loads((tmp_path / name / "manifests" / "backprop_manual.json").read_text(encoding="utf-8"))
        assert made["command"].endswith(f"--out {tmp_path / name}")
        assert [f["file"] for f in made["figures"]] == [f.file for f in ROW.figures]  # relative: the folder can move


def test_a_table_is_data_and_its_markdown_is_rendered_from_it():
    table = {"file": "t.md", "columns": ["model", "epochs", "recall ↑"], "rows": [["GAN", 2, 0.12345], ["real", "-", None]]}
    assert manifest.markdown_table(table) == "| model | epochs | recall ↑ |\n|---|---|---|\n| GAN | 2 | 0.123 |\n| real | - | - |"


def test_the_variants_of_one_script_write_their_rows_names():
    """vae.py --z-dim 2 and xor_tensorflow.py --sweep are rows of their own: their manifests carry the
    rows' names, so neither overwrites the other in one --out."""
    import vae

    assert f"vae{vae.suffix(2)}" == "vae_z2" and f"vae{vae.suffix(vae.z_dim)}" == "vae"
    from dlbook.paths import REPO_ROOT

    text = (REPO_ROOT / "ch06_feedforward" / "xor_tensorflow.py").read_text(encoding="utf-8")
    assert 'manifest.write(__file__, argv, args.out, "xor_sweep"' in text
    assert {s.name for s in sections.BOOK} >= {"vae", "vae_z2", "xor_tensorflow", "xor_sweep"}
