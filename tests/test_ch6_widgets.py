"""Chapter 6 live in the page (dlbook/page/ch6_page.js, settings from dlbook/page/ch6.py): 6.4.5's
step-through shows backprop_manual.py's own numbers and printed lines, 6.4.4's XOR widget trains as the
float64 reference of tests/test_ch6_live.py, the URL fragment restores both, the notebooks show them.
Opened from file:// in each engine of tests/test_gallery.py's `browser` fixture, nothing fetched."""
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest

import backprop_manual as bp
from dlbook import gallery, manifest
from dlbook.page import ch6
from dlbook.paths import REPO_ROOT
from test_ch6_live import CASES, SOLVED_SEED, STUCK_SEED, reference_xor, script_adam, script_backprop, xor  # noqa: F401
from test_gallery import browser, js_run, known_engine_failures, needs_browser, open_page  # noqa: F401

pytestmark = needs_browser
SHOTS = Path(tempfile.gettempdir())  # ch6_backprop_<engine>.png, ch6_xor_<engine>.png, ch6_timings_<engine>.json
FRAGMENTS = ["", "#backprop-no-bias=1", "#backprop-weights=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8"]  # CASES' flags
PAGE_SEED_STUCK, PAGE_SEED_ALSO_STUCK = 7, 8  # the page's own generator: seed 7 stops at 1/6 with a dead unit


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A folder where nothing has run but the XOR sweep (its manifest: 37 of 100 seeds stuck)."""
    out = tmp_path_factory.mktemp("figures")
    manifest.write(REPO_ROOT / "ch06_feedforward" / "xor_tensorflow.py", ["--sweep", "100"], out, "xor_sweep",
                   numbers={"stuck": 37, "seeds": 100})
    gallery.build(out, "python reproduce.py --chapter 6")
    return out / "index.html"


def open_at(browser, path, fragment=""):
    browser.get("about:blank")  # a new document even where only the fragment differs
    browser.get(path.resolve().as_uri() + fragment)
    open_page_checks(browser)


def open_page_checks(browser):
    assert browser.execute_script("return window.dlbook ? null : 'no window.dlbook'") is None
    # nothing fetched: the page has no images here, so no resource at all
    assert browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)") == []


def press(browser, widget, label):
    button = browser.execute_script(f"return [...document.querySelectorAll('[data-live={widget}] button')]"
                                    ".find(b => b.textContent.startsWith(arguments[0]))", label)
    button.click()


def shown(browser):
    """Every number the step-through shows, {data-key: its exact value}."""
    return browser.execute_script("const out = {}; document.querySelectorAll('[data-live=backprop] [data-key]')"
                                  ".forEach(n => { out[n.dataset.key] = Number(n.dataset.value); }); return out;")


def chain_lines(browser):
    return browser.execute_script("return document.querySelector('[data-live=backprop] pre').textContent").splitlines()


def close(got, want):
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


# the defaults in the fast loop; the other two cases (and the screenshots, the notebooks) in the whole suite
@pytest.mark.parametrize("case", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)],
                         ids=["defaults", "no-bias", "weights-0.1-0.8"])
def test_the_step_through_shows_the_scripts_numbers(page, browser, case, capsys):
    flags, js_input = CASES[case]
    want = script_backprop(flags)
    capsys.readouterr()
    bp.one_step(bp.parse_args(flags))  # the lines the script prints for steps 1) to 4)
    printed = capsys.readouterr().out.splitlines()
    open_at(browser, page, FRAGMENTS[case])
    assert browser.find_element("name", "no_bias").is_selected() == ("--no-bias" in flags)  # the link's settings

    press(browser, "backprop", "forward")
    got = shown(browser)
    for k in range(2):
        close([got[f"z_h{k + 1}"], got[f"h{k + 1}"], got[f"z_o{k + 1}"], got[f"o{k + 1}"]],
              [want["z_h"][k], want["h"][k], want["z_o"][k], want["o"][k]])
    close([got["E_o1"], got["E_o2"], got["E_total"]], [want["E_o1"], want["E_o2"], want["E_total"]])
    close([got[f"w{k + 1}"] for k in range(8)], bp.parse_args(flags).weights)

    press(browser, "backprop", "backward")
    got = shown(browser)
    close([got[f"dE_dw{k + 1}"] for k in range(8)], want["grad"])
    close([got["dE_do1"], got["do1_dz_o1"], got["dz_o1_dw5"], got["chain_dE_dw5"]],
          [want["dE_do"][0], want["do_dz"][0], want["h"][0], want["grad"][4]])
    close([got["dE_o1_dh1"], got["dE_o2_dh1"], got["dE_dh1"], got["dh1_dz_h1"], got["chain_dE_dw1"]],
          [want["dE_dh_parts"][0][0], want["dE_dh_parts"][1][0], want["dE_dh"][0], want["dh_dz"][0], want["grad"][0]])
    lines = chain_lines(browser)
    assert len(lines) == 12 and all(line in printed for line in lines), [x for x in lines if x not in printed]

    press(browser, "backprop", "update")
    got = shown(browser)
    close([got[f"stepped_w{k + 1}"] for k in range(8)], want["stepped"])
    close([got[f"w{k + 1}"] for k in range(8)], want["stepped"])  # the edges carry the new weights
    close(got["E_total_after_step"], want["E_total_after_step"])
    lines = chain_lines(browser)
    assert len(lines) == 10 and all(line in printed for line in lines), [x for x in lines if x not in printed]

    # window.dlbook.run: ch6_models.backprop from the page's settings
    result, = js_run(browser, "backprop", [js_input])
    for name in ("z_h", "h", "z_o", "o", "E_o1", "E_o2", "E_total", "grad", "stepped", "E_total_after_step", "errors"):
        close(result[name], want[name])

    # run N iterations (the iterations field: the script's 10000) from the start
    press(browser, "backprop", "reset")
    press(browser, "backprop", "run N")
    value = browser.execute_script("const n = document.querySelector('[data-live=backprop] .note');"
                                   "return [Number(n.dataset.value), n.textContent]")
    close(value[0], want["errors"][-1])
    assert "iterations so far: 10000" in value[1]


def test_the_fragment_keeps_and_restores_the_settings(page, browser):
    open_at(browser, page)
    assert browser.execute_script("return location.hash") == "#xor-seed=1"  # the XOR widget's starting seed
    browser.execute_script("const f = document.querySelector('[data-live=backprop] input[name=lr]'); f.value = '0.25';"
                           "f.dispatchEvent(new Event('change'));")
    browser.execute_script("const f = document.querySelector('[data-live=xor] input[name=seed]'); f.value = '7';"
                           "f.dispatchEvent(new Event('change'));")
    hash_ = browser.execute_script("return location.hash")
    assert "backprop-lr=0.25" in hash_ and "xor-seed=7" in hash_ and "backprop-weights" not in hash_  # only what changed
    open_at(browser, page, hash_)
    assert browser.find_element("name", "lr").get_attribute("value") == "0.25"
    assert browser.find_element("name", "seed").get_attribute("value") == "7"
    want = script_backprop(["--lr", "0.25", "--iterations", "1"])
    press(browser, "backprop", "update")
    close(shown(browser)["E_total_after_step"], want["E_total_after_step"])
    # a wrong value says which field, and the buttons wait for a right one
    browser.execute_script("const f = document.querySelector('[data-live=backprop] input[name=weights]'); f.value = '1 2';"
                           "f.dispatchEvent(new Event('change'));")
    assert browser.execute_script("return document.querySelector('[data-live=backprop] .ch6-message').textContent") == \
        "weights: expected 8 numbers"
    # every field has its label, every control is a native one (keyboard-usable)
    unlabelled = browser.execute_script("return [...document.querySelectorAll('[data-live=backprop] input, "
                                        "[data-live=xor] input')].filter(i => !i.closest('label')).length")
    assert unlabelled == 0


def test_the_xor_widget_trains_as_the_float64_reference(page, browser):
    open_at(browser, page, f"#xor-seed={PAGE_SEED_STUCK}&xor-step=2000")  # a teacher's link: this seed gets stuck
    init, adam, settings = browser.execute_script(
        "return [dlbookModels.ch6.xorInitWeights(arguments[0]), dlbookModels.ch6.ADAM, dlbookData.ch6.xor]", PAGE_SEED_STUCK)
    losses = browser.execute_script("return document.querySelector('[data-live=xor]').dlbookLosses()")
    want, _ = reference_xor([init[k] for k in ("w1", "b1", "w2", "b2")], settings["steps"], settings["lr"], **adam)
    np.testing.assert_allclose(losses, want, rtol=0, atol=1e-9)
    text = browser.find_element("css selector", "[data-live=xor]").text
    assert "dead (active on none" in text and "step 2000 of 2000" in text
    assert "stuck so far: 1 of 1 seeds tried" in text and "the script measured 37 of 100 seeds stuck (37%" in text
    press(browser, "xor", "new seed")
    press(browser, "xor", "train")  # animated: about two seconds
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(lambda b: b.execute_script(
        "return document.querySelector('[data-live=xor]').dataset.step") == "2000")
    assert "stuck so far: 2 of 2 seeds tried" in browser.find_element("css selector", "[data-live=xor]").text
    assert browser.execute_script("return location.hash") == f"#xor-seed={PAGE_SEED_ALSO_STUCK}&xor-step=2000"
    press(browser, "xor", "step")  # no further than the script's steps
    assert browser.execute_script("return document.querySelector('[data-live=xor]').dataset.step") == "2000"


def test_run_xor_from_the_scripts_initial_weights_is_the_reference(page, browser, xor, script_adam):  # noqa: F811
    open_at(browser, page)
    assert browser.execute_script("return dlbookData.ch6.xor") == {
        "lr": xor.LEARNING_RATE, "steps": xor.STEPS, "solved": xor.SOLVED_LOSS, "measured": {"stuck": 37, "seeds": 100},
        "sweep_command": f"python ch06_feedforward/xor_tensorflow.py --sweep 100 --out {page.parent}"}
    for seed in (SOLVED_SEED, STUCK_SEED):
        init = [w.tolist() for w in xor.init_weights(seed)]
        result, = js_run(browser, "xor", [dict(zip(["w1", "b1", "w2", "b2"], init))])  # lr and steps: the script's
        losses, weights = reference_xor(init, xor.STEPS, **script_adam)
        np.testing.assert_allclose(result["losses"], losses, rtol=0, atol=1e-9)
        assert result["dead"] == (xor.active_inputs(weights) == 0).tolist()


@pytest.mark.slow
def test_page_data_and_the_missing_sweep_and_the_screenshots_and_timings(browser, tmp_path):
    gallery.build(tmp_path, "python reproduce.py --chapter 6")
    page = tmp_path / "index.html"
    open_at(browser, page, "#xor-step=2000")
    settings = vars(bp.parse_args([]))
    assert browser.execute_script("return dlbookData.ch6.backprop") == {
        k: settings[k] for k in ("inputs", "targets", "weights", "biases", "lr", "iterations", "no_bias")}
    assert f"run python ch06_feedforward/xor_tensorflow.py --sweep 100 --out {tmp_path} to measure" in \
        browser.find_element("css selector", "[data-live=xor]").text
    press(browser, "backprop", "forward")
    press(browser, "backprop", "backward")
    timings = browser.execute_script("return dlbook.timeCh6()")  # only when asked
    assert set(timings) == {"backprop", "xor"}
    assert all(0 < t["step_ms"] < 1 and 0 < t["redraw_ms"] < 500 for t in timings.values()), timings
    assert "per Adam step" in browser.find_element("css selector", "[data-live=xor] .timing").text
    (SHOTS / f"ch6_timings_{browser.engine}.json").write_text(json.dumps(
        {**timings, "page_bytes": page.stat().st_size}), encoding="utf-8")
    for kind in ("backprop", "xor"):
        browser.execute_script(f"document.getElementById('live-{kind}').scrollIntoView()")
        shot = SHOTS / f"ch6_{kind}_{browser.engine}.png"
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000


@pytest.mark.slow
def test_the_notebooks_show_the_widgets(browser, monkeypatch, tmp_path):
    """backprop_manual.ipynb's and xor_tensorflow.ipynb's output: one HTML fragment each, the page's script."""
    import IPython.display

    shown_ = []
    monkeypatch.setattr("dlbook.figures.in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", shown_.append)
    html = ch6.show_backprop(bp.parse_args(["--no-bias"]))
    assert len(shown_) == 1 and shown_[0].data == html and 'data-live="backprop"' in html
    xor_html = ch6.show_xor(tmp_path, 0.01, 2000, 1e-3)
    assert 'data-live="xor"' in xor_html and 'data-live="backprop"' not in xor_html
    monkeypatch.setattr("dlbook.figures.in_notebook", lambda: False)
    assert ch6.show_backprop(bp.parse_args([])) is None  # in a terminal, nothing
    cell = tmp_path / "cell.html"
    cell.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{html}{xor_html}</body>", encoding="utf-8")
    open_at(browser, cell)
    assert browser.find_element("name", "no_bias").is_selected()  # this run's flags
    close(js_run(browser, "backprop", [{}])[0]["E_total"], script_backprop(["--no-bias"])["E_total"])
    press(browser, "xor", "step")
    assert browser.execute_script("return location.hash") == ""  # a notebook's URL is Jupyter's: left alone


@pytest.mark.slow
def test_the_backprop_notebook_shows_one_live_output(browser, tmp_path):
    """backprop_manual.ipynb run in a kernel (quick setting): one HTML output, the step-through, working."""
    import nbformat
    from nbclient import NotebookClient

    script = REPO_ROOT / "ch06_feedforward" / "backprop_manual.py"
    nb = nbformat.reads(script.with_suffix(".ipynb").read_text(encoding="utf-8"), as_version=4)
    nb.cells[1].source += f"\nsys.argv += {['--iterations', '10', '--out', str(tmp_path)]!r}"
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(script.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    fragments = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(fragments) == 1 and 'data-live="backprop"' in fragments[0]
    cell = tmp_path / "cell.html"
    cell.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{fragments[0]}</body>", encoding="utf-8")
    open_at(browser, cell)
    assert browser.find_element("name", "iterations").get_attribute("value") == "10"  # the run's own flags
    press(browser, "backprop", "run N")
    close(browser.execute_script("return Number(document.querySelector('[data-live=backprop] .note').dataset.value)"),
          script_backprop(["--iterations", "10"])["errors"][-1])
