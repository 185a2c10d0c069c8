"""The notebooks beside the scripts: generated from them (a changed script with an old notebook
fails here), and they run top to bottom in the quick setting, printing and showing what the
scripts print and draw."""
import json
import re
import shutil

import pytest

from dlbook import notebooks
from dlbook.paths import REPO_ROOT
from conftest import needs_data


def test_every_notebook_is_what_its_script_makes():
    assert notebooks.main(["--stale"]) == 0


def test_editing_one_line_of_a_script_makes_the_check_fail(tmp_path, capsys):
    for script in notebooks.SCRIPTS:
        (tmp_path / script).parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".py", ".ipynb"):
            shutil.copy((REPO_ROOT / script).with_suffix(suffix), (tmp_path / script).with_suffix(suffix))
    assert notebooks.main(["--stale"], root=tmp_path) == 0
    vae = tmp_path / "ch08_generative" / "vae.py"
    vae.write_text(vae.read_text(encoding="utf-8").replace("h_dim = 400", "h_dim = 401"), encoding="utf-8")
    assert notebooks.main(["--stale"], root=tmp_path) == 1
    assert "ch08_generative/vae.ipynb is out of date" in capsys.readouterr().out


def test_quick_flags_are_the_scripts_own_run_not_a_variant():
    # reproduce.py runs vae.py twice (the 2-D VAE first); vae.ipynb's quick setting is vae.py's own.
    assert notebooks.quick_flags("ch08_generative/vae.py") == ["--epochs", "2"]
    assert notebooks.quick_flags("ch08_generative/vae_vs_gan.py") == ["--epochs", "2", "--quick-epochs", "1"]


@pytest.mark.parametrize("script", notebooks.SCRIPTS)
def test_the_code_cells_are_the_scripts_lines(script):
    nb = json.loads((REPO_ROOT / script).with_suffix(".ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    body = (REPO_ROOT / script).read_text(encoding="utf-8").split('"""\n', 1)[1]  # after the module docstring
    assert "\n".join(code[1:]).split() == body.split()  # the same lines, cut into cells
    assert "QUICK = False" in code[0] and all(not c["outputs"] for c in nb["cells"] if c["cell_type"] == "code")
    headings = [c for c in nb["cells"] if c["cell_type"] == "markdown" and c["source"][0].startswith("## ")]
    assert headings and re.search(r"[\u4e00-\u9fff]", nb["cells"][0]["source"][0])  # the book's Chinese title


def run_notebook(script, tmp_path, extra=()):
    """Execute the notebook with QUICK = True (plus `extra` flags), figures into tmp_path; return
    (printed text, number of images shown)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.reads((REPO_ROOT / script).with_suffix(".ipynb").read_text(encoding="utf-8"), as_version=4)
    first = nb.cells[1]
    first.source = first.source.replace("QUICK = False", "QUICK = True") + f"\nsys.argv += {['--out', str(tmp_path), *extra]!r}"
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str((REPO_ROOT / script).parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    return text, images


@pytest.mark.slow
def test_the_chapter_6_notebooks_run_and_show_their_figures(tmp_path):
    text, images = run_notebook("ch06_feedforward/perceptron.py", tmp_path)
    assert "output = Hw + b = [0, 1, 1, 0]" in text and images == 9
    text, images = run_notebook("ch06_feedforward/backprop_manual.py", tmp_path)
    assert re.search(r"^iteration: 2000, E_total: ", text, re.M) and images == 8  # Figs 6-29..6-35, the error curve
    pytest.importorskip("tensorflow")
    text, images = run_notebook("ch06_feedforward/xor_tensorflow.py", tmp_path)
    assert "step: 1800, loss: 0.000" in text and "pred: " in text and images == 2  # the loss, the book check's curve


@pytest.mark.slow
@needs_data("fashion-mnist")
def test_keras_and_gan_notebooks_run_on_real_data(tmp_path):
    text, images = run_notebook("ch06_feedforward/keras_mlp.py", tmp_path,
                                ["--dataset", "fashion-mnist", "--epochs", "1", "--max-train", "5000"])
    assert re.search(r"^Test accuracy: 0\.[6-9]", text, re.M) and images == 2
    text, images = run_notebook("ch08_generative/gan.py", tmp_path, ["--dataset", "fashion-mnist", "--max-steps", "200"])
    assert re.search(r"^Epoch \[0/2\], Step \[200/600\], d_loss: ", text, re.M) and images == 4  # the book check's curve, Fig 8-7, the curves, Fig 8-6
