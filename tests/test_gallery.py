"""The gallery (dlbook/gallery.py and its parts in dlbook/page/): figures/README.md and figures/index.html
from the folder's manifests, figures and weights. The page is opened from file:// in real browsers of two
engines, driven by selenium:
headless Chromium (Debian's chromium, chromium-driver) and WebKitGTK (webkit2gtk-driver, on a virtual X
display: xvfb); Firefox too where a geckodriver is on the PATH. Its live models compute what the scripts' PyTorch models
compute, every image loads, the epoch slider moves, a missing or broken weights file is said, and
nothing leaves the page. Small random-weight checkpoints in the scripts' own format stand in for
trained ones."""
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

import cgan
import gan
import vae
from dlbook import checkpoints, gallery, manifest, sections
from dlbook.page import render
from dlbook.paths import REPO_ROOT
from dlbook.figures import plt, save_figure

try:
    import selenium  # noqa: F401
    BROWSER = ""
except ImportError:
    BROWSER = "needs selenium (python -m pip install -r requirements.txt) and a browser"
needs_browser = pytest.mark.skipif(bool(BROWSER), reason=BROWSER)
SCREENSHOT = Path(tempfile.gettempdir()) / "gallery_screenshot.png"  # the engine's name is added: _webkitgtk.png


def which(*names):
    """The first of `names` on the PATH (or in /usr/bin), else None."""
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    return None


# The engines each browser test runs in, with what each needs: Blink (Chromium, headless), WebKit
# (WebKitGTK's MiniBrowser, Safari's engine, driven by WebKitWebDriver on a virtual X display of its
# own) and Gecko (Firefox ESR, which selenium drives only through geckodriver: Debian does not package
# it, and selenium would download it, so without one on the PATH that engine skips).
ENGINES = {
    "chromium": (("chromium", "chromedriver"), "apt-get install -y chromium chromium-driver"),
    "webkitgtk": (("WebKitWebDriver", "Xvfb"), "apt-get install -y webkit2gtk-driver xvfb"),
    "firefox": (("firefox-esr", "geckodriver"), "apt-get install -y firefox-esr, and a geckodriver on the PATH "
                                                 "(Debian has none)"),
}
# ---- A figures folder as reproduce.py leaves it, with random weights ---------------------------------
def made(out, script, argv, figures=(), name=None, **kw):
    """The manifest a run of ch08_generative/<script>.py with `argv` writes, having shown `figures`."""
    manifest._shown[:] = [out / f for f in figures]
    manifest.write(REPO_ROOT / "ch08_generative" / f"{script}.py", argv, out, name, **kw)


def png(path, title="x"):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.set_title(title)
    save_figure(fig, path.parent, path.name)


def write_weights(out, data_dir, which=("vae_z2", "gan", "cgan"), scale=2.0):
    """Random-weight checkpoints in the format training.Run saves, at the scripts' own paths; weights
    scaled up so every nonlinearity bends."""
    torch.manual_seed(0)
    models = {"vae_z2": ("model", vae.VAE(z_dim=2), vae.weights_path(out, 2)),
              "gan": ("G", gan.generator(), gan.checkpoint_path(out)),
              "cgan": ("G", cgan.Generator(), cgan.checkpoint_path(out))}
    for name in which:
        key, model, path = models[name]
        state = {k: v * scale for k, v in model.state_dict().items()}
        checkpoints.save_weights({key: state, "epoch": 1, "args": {"dataset": "mnist", "data_dir": str(data_dir),
                                                                    "z_dim": 2}}, path)


@pytest.fixture
def folder(tmp_path, synthetic_idx):
    """A figures folder: logs of vae_vs_gan, gan, cgan, evaluate (one with a Book check and its curve),
    their figures, 3 GAN epoch grids, and the three live models' weights."""
    out = tmp_path / "figures"
    data_dir = synthetic_idx("mnist", n_train=20, n_test=200)
    for name in ("fig8-8_vae_manifold.png", "vae_vs_gan_samples.png", "fig8-7_gan_samples.png", "book_check_gan.png",
                 "cgan_digit_8.png", *[f"gan_samples/fixed_noise-{e}.png" for e in (1, 2, 10)]):
        png(out / name, name)
    made(out, "vae_vs_gan", ["--out", str(out)], ["fig8-8_vae_manifold.png", "vae_vs_gan_samples.png"])
    made(out, "gan", ["--epochs", "2", "--out", "figures"], ["fig8-7_gan_samples.png", "book_check_gan.png"],
         book_check={"kind": "gan", "outcome": "within",
                     "line": "Book check: within the book's range at epoch 2 of 200 (unfinished)"})
    made(out, "cgan", ["--digit", "8"], ["cgan_digit_8.png"])
    (out / "evaluate_mnist.md").write_text("| model | epochs | path unevenness ↓ |\n|---|---|---|\n"
                                           "| VAE | 2 | 0.250 |\n| GAN | 2 | 0.750 |\n", encoding="utf-8")
    table = {"file": out / "evaluate_mnist.md", "columns": ["model", "epochs", "path unevenness ↓"],
             "rows": [["VAE", 2, 0.25], ["GAN", 2, 0.75]]}
    made(out, "evaluate", ["--classifier-epochs", "1", "--samples", "2000", "--out", "x"], tables=[table])
    write_weights(out, data_dir)
    return out


def build(out, capsys=None):
    problems = gallery.build(out, "python reproduce.py --quick")
    err = capsys.readouterr().err if capsys else ""
    return problems, err


# ---- The Markdown gallery (no browser) --------------------------------------------------------------
def test_readme_shows_each_figure_verdict_and_table_with_its_command(folder):
    build(folder)
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert "Written by `python reproduce.py --quick`" in text
    assert "## Fig 8-7: GAN: images from one fixed batch of noise after the last epoch · 图8-7 GAN的新图片" in text
    assert "![The data manifold learned by a VAE with a 2-D latent space · 图8-8 AVE得到的数据流形分布图](fig8-8_vae_manifold.png)" in text
    assert "`python ch08_generative/gan.py --epochs 2 --out figures`" in text
    assert "> Book check: within the book's range at epoch 2 of 200 (unfinished)" in text
    assert "## 8.4-8.5 measured: evaluate.py's table\n\n| model | epochs | path unevenness ↓ |" in text
    assert "`python ch08_generative/evaluate.py --classifier-epochs 1 --samples 2000 --out x`" in text
    assert "3 grids, epochs 1-10" in text
    for image in re.findall(r"!\[.*?\]\((.+?)\)", text):
        assert (folder / image).is_file(), image
    # book order: 8.2-8.3 before 8.4 before 8.5 before 8.4-8.5's table
    assert text.index("Fig 8-7") < text.index("Fig 8-8") < text.index("cgan_digit_8") < text.index("measured")


def test_without_a_log_the_tables_figures_that_are_there_and_the_books_command(tmp_path):
    png(tmp_path / "fig8-7_gan_samples.png")
    build(tmp_path)
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "![GAN: images from one fixed batch" in text
    assert f"`python ch08_generative/gan.py --out {tmp_path}` (no log: the book's settings)" in text


def test_the_gallery_shows_all_23_numbered_figures_of_the_book_with_their_captions(tmp_path):
    """Chapters 6 and 8 print 23 numbered figures (6-22 ... 6-28 but 6-26's table, 6-29 ... 6-35, 8-1 ... 8-9):
    with each one's file in the folder, README.md and index.html show every number with the book's caption."""
    numbers = [f"Fig 6-{n}" for n in range(22, 36)] + [f"Fig 8-{n}" for n in range(1, 10)]
    assert len(numbers) == 23
    for row in sections.BOOK:
        for figure in row.figures:
            png(tmp_path / figure.file)
    build(tmp_path)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for number in numbers:
        caption = sections.BOOK_CAPTIONS[number]
        assert f"## {number}: " in readme and caption in readme, number
        assert f">{number}<" in page and caption in page, number


def test_building_writes_only_the_page_and_the_readme(folder):
    def snapshot():
        return {p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file()}
    before = snapshot()
    assert gallery.main(["--out", str(folder)]) == 0
    after = snapshot()
    assert set(after) - set(before) == {"index.html", "README.md"}
    assert {k: v for k, v in after.items() if k in before} == before  # nothing else changed
    after_again = snapshot()
    gallery.main(["--out", str(folder)])
    assert snapshot().keys() == after_again.keys()


def test_the_page_makes_no_request_off_itself(folder):
    build(folder)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    for text in (page, *render.scripts()):
        assert not re.search(r"\bfetch\s*\(|XMLHttpRequest|\bimport\s*\(|WebSocket|EventSource|sendBeacon", text)
    for src in re.findall(r"""\bsrc="([^"]+)""", page):  # every image a file of the folder
        assert (folder / src).is_file(), src
    assert len(page.encode()) < 15e6


@pytest.mark.parametrize("damage", ["shape", "truncated", "nan"])
def test_bad_weights_one_clear_line_and_the_model_shown_missing(folder, capsys, damage):
    path = Path(gan.checkpoint_path(folder))
    if damage == "shape":  # a generator of another latent size
        wrong = torch.nn.Sequential(torch.nn.Linear(32, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                    torch.nn.ReLU(), torch.nn.Linear(256, 784), torch.nn.Tanh())
        checkpoints.save_weights({"G": wrong.state_dict(), "epoch": 1, "args": {"dataset": "mnist"}}, path)
    elif damage == "truncated":  # half-written
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        state = torch.load(path, weights_only=True)
        state["G"]["0.weight"][0, 0] = float("nan")
        torch.save(state, path)
    problems, err = build(folder, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(problems) == 1 and len(lines) == 1, err
    assert str(path) in lines[0] and "expected" in lines[0]
    assert {"shape": "0.weight has shape [256, 32], expected [256, 64]", "truncated": "truncated",
            "nan": "NaN"}[damage] in lines[0]
    page = (folder / "index.html").read_text(encoding="utf-8")
    script = re.search(r"window\.dlbookData = (\{.*?\});</script>", page, re.S).group(1)
    data = json.loads(script)
    # the weights in <template> elements of their own, the JSON keeping their ids: WebKit takes 2-30 s to
    # parse the 11 MB as one <script>, well under 1 s as <template> text
    assert len(script) < 100_000 and data["models"]["cgan"]["embedding"]["w"]["template"].startswith("w-")
    ids = re.findall(r'"template":"(w-\d+)"', script)
    assert ids and all(re.search(f'<template id="{i}">[A-Za-z0-9+/=]+</template>', page) for i in ids)
    assert set(data["models"]) == {"vae_z2", "cgan"} and "unusable weights" in data["missing"]["gan"]
    assert "python ch08_generative/gan.py" in data["missing"]["gan"]
    assert gallery.main(["--out", str(folder)]) == 1


# ---- In the browser --------------------------------------------------------------------------------
def start_xvfb():
    """A virtual X display on a free number (Xvfb picks it, -displayfd): (process, ":N")."""
    import select
    import subprocess

    read, write = os.pipe()
    xvfb = subprocess.Popen([which("Xvfb"), "-displayfd", str(write), "-screen", "0", "1280x2000x24", "-nolisten",
                             "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    number = b""
    while not number.endswith(b"\n") and select.select([read], [], [], 20)[0]:
        chunk = os.read(read, 16)
        if not chunk:
            break
        number += chunk
    os.close(read)
    if not number.strip():
        xvfb.kill()
        pytest.skip("webkitgtk: Xvfb did not start a display")
    return xvfb, f":{number.decode().strip()}"


def as_chromedriver_does(driver):
    """Two places where WebKitWebDriver and chromedriver differ, the tests written against the latter:
    - element text: WebKit's runs a block's lines together ("...模型Written by..."); the W3C spec's Get
      Element Text is the rendered text, one line per block, as chromedriver returns it and a reader
      sees it: here read from innerText, blank lines dropped;
    - a pointer moved to an element out of view: chromedriver scrolls it into view, WebKit (as the
      spec says) fails with "move target out of bounds": here it is scrolled to the middle first."""
    from selenium.webdriver.remote.command import Command
    from selenium.webdriver.remote.webelement import WebElement

    ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"  # the W3C spec's key of an element reference

    class RenderedText(WebElement):
        @property
        def text(self):
            text = self.parent.execute_script("return arguments[0].innerText", self)
            return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    execute = driver.execute

    def scroll_then_act(command, params=None):
        if command == Command.W3C_ACTIONS:
            for source in params["actions"]:
                for action in source.get("actions", []):
                    element = (action.get("origin") or {}) if action.get("type") == "pointerMove" else {}
                    if isinstance(element, dict) and ELEMENT_KEY in element:
                        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                                              RenderedText(driver, element[ELEMENT_KEY]))
        return execute(command, params)

    driver._web_element_cls = RenderedText
    driver.execute = scroll_then_act


# The second and third engines run in the whole suite (the README's command, CI), not in the fast loop.
@pytest.fixture(scope="module", params=[pytest.param(engine, marks=() if engine == "chromium" else pytest.mark.slow)
                                        for engine in ENGINES])
def browser(request):
    """A browser of each engine in turn, at 1280 x 2000, for the module's browser tests; `.engine` names it."""
    from selenium import webdriver

    engine = request.param
    programs, install = ENGINES[engine]
    paths = [which(name, "firefox") if name == "firefox-esr" else which(name) for name in programs]
    if not all(paths):
        pytest.skip(f"{engine}: needs {' and '.join(p for p, path in zip(programs, paths) if not path)}: {install}")
    cleanup = []
    if engine == "chromium":
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = paths[0]
        profile = tempfile.mkdtemp(prefix="gallery-chromium-")
        cleanup.append(lambda: shutil.rmtree(profile, ignore_errors=True))
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,2000",
                     f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    elif engine == "webkitgtk":
        from selenium.webdriver.webkitgtk.service import Service

        xvfb, display = start_xvfb()
        cleanup.append(lambda: (xvfb.terminate(), xvfb.wait()))
        # without an accessibility bus to reach, GTK would wait ~40 s for one as the browser starts
        env = {**os.environ, "DISPLAY": display, "NO_AT_BRIDGE": "1", "GTK_A11Y": "none"}
        try:
            driver = webdriver.WebKitGTK(options=webdriver.WebKitGTKOptions(), service=Service(paths[0], env=env))
        except Exception:
            cleanup[0]()
            raise
        driver.set_window_size(1280, 2000)
        as_chromedriver_does(driver)
    else:
        from selenium.webdriver.firefox.service import Service

        options = webdriver.FirefoxOptions()
        options.binary_location = paths[0]
        options.add_argument("-headless")
        options.set_preference("network.proxy.type", 0)
        driver = webdriver.Firefox(service=Service(paths[1]), options=options)
        driver.set_window_size(1280, 2000)
    driver.engine = engine
    yield driver
    driver.quit()
    for step in cleanup:
        step()


# Where an engine is known to fail a test, and why (the page's fix is the gallery's to make).
KNOWN = {}  # none now: ("engine", "test name"): "why"


@pytest.fixture(autouse=True)
def known_engine_failures(request):
    engine = request.node.callspec.params.get("browser") if hasattr(request.node, "callspec") else None
    reason = KNOWN.get((engine, request.node.originalname))
    if reason:
        request.applymarker(pytest.mark.xfail(raises=AssertionError, strict=False, reason=reason))


def open_page(browser, path):
    browser.get(path.resolve().as_uri())
    browser.execute_script("return document.readyState")
    errors = browser.execute_script("return window.dlbook ? null : 'no window.dlbook'")
    assert errors is None


def js_run(browser, name, inputs):
    return browser.execute_script("return arguments[1].map(x => window.dlbook.run(arguments[0], x));", name, inputs)


@needs_browser
def test_each_live_model_computes_what_pytorch_computes(folder, browser):
    build(folder)
    open_page(browser, folder / "index.html")
    load = checkpoints.load_checkpoint
    torch.manual_seed(1)
    vae_model = vae.load_vae(load(vae.weights_path(folder, 2)), "cpu")
    G = gan.load_generator(load(gan.checkpoint_path(folder)), "cpu")
    C = cgan.load_generator(load(cgan.checkpoint_path(folder)), "cpu")
    z2, z64, z100 = torch.randn(20, 2) * 2, torch.randn(20, 64), torch.randn(20, 100)
    digits = torch.arange(20) % 10
    with torch.no_grad():
        expected = {"vae_z2": vae_model.decode(z2), "gan": gan.denorm(G(z64)).view(20, -1),
                    "cgan": gan.denorm(C(z100, digits)).view(20, -1)}
    inputs = {"vae_z2": z2.tolist(), "gan": z64.tolist(),
              "cgan": [{"digit": int(d), "z": z} for d, z in zip(digits, z100.tolist())]}
    for name, want in expected.items():
        got = torch.tensor(js_run(browser, name, inputs[name]), dtype=torch.float64)
        assert got.shape == (20, 784)
        assert float((got - want.double()).abs().max()) < 1e-5, name
        assert 0 <= float(got.min()) and float(got.max()) <= 1 and float(want.std()) > 0.05  # not flat images
    assert browser.execute_script("try { dlbook.run('gan', [1, 2]); } catch (e) { return e.message; }") == \
        "gan takes an array of 64 numbers"
    for digit in ("10", "-1", "2.5"):  # no such class: an error, never an image of NaN pixels
        said = browser.execute_script(f"try {{ return dlbook.run('cgan', {{digit: {digit}, z: new Array(100).fill(0)}}); }}"
                                      " catch (e) { return e.message; }")
        assert said == "cgan takes {digit: 0-9, z: [100 numbers]}", (digit, said)


@needs_browser
def test_every_image_loads_the_slider_moves_and_the_live_figures_draw(folder, browser, tmp_path):
    build(folder)
    open_page(browser, folder / "index.html")
    images = browser.execute_script("return [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
    assert len(images) >= 6 and all(ok and width > 0 for _, ok, width in images), images
    # opened in under 2 s: the 11 MB page, all three models' weights decoded (the budget is an idle
    # machine's: on one whose cores are busy with other work it stretches by the load per core)
    busy = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert browser.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd") < 2000 * busy
    assert all(url.startswith(folder.resolve().as_uri() + "/") for url in
               browser.execute_script("return [...document.images].map(i => i.src)"))
    # the GAN's per-epoch grids: one slider, the last epoch first
    label = "return document.querySelector('.epochs .epoch-label').textContent"
    assert browser.execute_script(label) == "epoch 10 of 10"
    browser.execute_script("const s = document.querySelector('.epochs input'); s.value = 0;"
                           "s.dispatchEvent(new Event('input'));")
    assert browser.execute_script(label) == "epoch 1 of 10"
    src = browser.execute_script("return document.querySelector('.epochs img').getAttribute('src')")
    assert src == "gan_samples/fixed_noise-1.png"
    from selenium.webdriver.support.ui import WebDriverWait  # the new epoch's file loads after the slider moves

    loaded = "const i = document.querySelector('.epochs img'); return i.complete && i.naturalWidth"
    assert WebDriverWait(browser, 10).until(lambda b: b.execute_script(loaded)) > 0
    # the verdict beside its curve, the measured unevenness beside the path, the live figures drawn
    text = browser.find_element("tag name", "body").text
    assert "Book check: within the book's range" in text and "VAE 0.250, GAN 0.750" in text
    assert "GAN: this run's printed values over the book's range\n与书中结果对比" in text  # its curve, beside it
    assert browser.execute_script("return document.querySelectorAll('#live-pad canvas.pad').length") == 1
    pad_digit = """const root = document.querySelector('[data-live=pad]'); root.dlbookSet(1.5, -0.5);
        const c = root.querySelector('canvas.digit'), d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        const want = dlbook.run('vae_z2', [1.5, -0.5]);
        return Math.max(...want.map((v, i) => Math.abs(Math.round(255 * v) - d[4 * i])));"""
    assert browser.execute_script(pad_digit) == 0  # the pad shows exactly the decoder's image of z
    # a pointer drag over the pad moves z
    from selenium.webdriver import ActionChains

    pad = browser.find_element("css selector", "canvas.pad")
    ActionChains(browser).move_to_element_with_offset(pad, 100, -100).click_and_hold().move_by_offset(20, 10) \
        .release().perform()
    z = browser.execute_script("return document.querySelector('#live-pad .zlabel').textContent")
    r = browser.execute_script("return dlbookData.models.vae_z2.range")  # the pad spans [-r, r] each way
    z0, z1 = map(float, re.fullmatch(r"z = \((.*), (.*)\)", z).groups())
    assert abs(z0 - 120 / 160 * r) < 0.05 and abs(z1 - 90 / 160 * r) < 0.05, (z, r)  # 160 px: half the pad
    browser.execute_script("document.querySelector('#live-cgan button[data-digit=\"3\"]').click()")
    assert browser.execute_script("return document.querySelector('[data-live=cgan]').dataset.digit") == "3"
    # the redraw time, measured in the page when asked
    browser.implicitly_wait(0)
    assert browser.execute_script("return Object.keys(dlbook.timings).length") == 0  # not on every load
    timings = browser.execute_script("return dlbook.benchmark()")
    assert set(timings) == {"vae_z2", "gan", "cgan"} and all(0 < t < 100 for t in timings.values())
    assert "Redraw time per image" in browser.execute_script("return document.querySelector('.timing').textContent")
    browser.execute_script("document.getElementById('live-pad').scrollIntoView()")
    browser.save_screenshot(str(tmp_path / "gallery.png"))
    shutil.copy(tmp_path / "gallery.png", SCREENSHOT.with_stem(f"{SCREENSHOT.stem}_{browser.engine}"))
    assert (tmp_path / "gallery.png").stat().st_size > 10_000


@needs_browser
def test_a_page_without_a_models_weights_loads_and_says_how_to_make_them(folder, browser):
    Path(gan.checkpoint_path(folder)).unlink()
    Path(cgan.checkpoint_path(folder)).unlink()
    assert build(folder)[0] == []
    open_page(browser, folder / "index.html")
    text = browser.find_element("tag name", "body").text
    assert "no weights in" in text and "run `python ch08_generative/gan.py --out" in text
    assert "python ch08_generative/cgan.py --digit 8 --out" in text
    error = browser.execute_script("try { dlbook.run('gan', new Array(64).fill(0)); } catch (e) { return e.message; }")
    assert "the GAN's generator (gan.py): no weights" in error
    assert len(js_run(browser, "vae_z2", [[0, 0]])[0]) == 784  # the rest works
    assert browser.execute_script("return document.querySelectorAll('#live-cgan [data-live]').length") == 0
    logs = browser.get_log("browser") if hasattr(browser, "get_log") else []
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs


@needs_browser
def test_the_notebooks_live_fig_8_8_is_the_same_model(folder, browser, monkeypatch, tmp_path):
    """vae_vs_gan.ipynb's (and a 2-D vae.ipynb's) output: one HTML fragment with the page's script."""
    import argparse

    import IPython.display

    shown = []
    monkeypatch.setattr("dlbook.figures.in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", shown.append)
    model = vae.load_vae(checkpoints.load_checkpoint(vae.weights_path(folder, 2)), "cpu")
    state = checkpoints.load_checkpoint(vae.weights_path(folder, 2))
    args = argparse.Namespace(dataset="mnist", data_dir=Path(state["args"]["data_dir"]))
    fragment = vae.show_live(model, args)
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.HTML) and shown[0].data == fragment
    assert vae.show_live(vae.VAE(z_dim=20), args) is None  # only a 2-D VAE has a plane to point at
    assert re.search(r'<template id="dlbook-live-[0-9a-f]{12}-w-0">', fragment)  # the weights, ids of this output
    page = tmp_path / "cell.html"
    page.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{fragment}</body>", encoding="utf-8")
    open_page(browser, page)
    z = torch.tensor([[0.3, -1.2]])
    got = torch.tensor(js_run(browser, "vae_z2", z.tolist()), dtype=torch.float64)
    with torch.no_grad():
        assert float((got - model.decode(z).double()).abs().max()) < 1e-5
    assert browser.execute_script("return document.querySelectorAll('canvas.pad').length") == 1


def test_reproduce_writes_both_with_its_own_command(tmp_path, monkeypatch, capsys):
    import reproduce

    monkeypatch.setattr(reproduce, "RUNS", [])
    assert reproduce.main(["--chapter", "6", "--out", str(tmp_path)]) == 0
    assert f"Written by <code>python reproduce.py --chapter 6 --out {tmp_path}</code>" in \
        (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f"Written by `python reproduce.py --chapter 6 --out {tmp_path}`" in (tmp_path / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
@needs_browser
def test_the_vae_vs_gan_notebook_shows_the_live_fig_8_8(tmp_path, browser):
    """The notebook itself, run in a kernel with saved (random) weights, so nothing trains: one HTML
    output, the page's script, working in Chromium."""
    import nbformat
    from nbclient import NotebookClient

    from dlbook.paths import REPO_ROOT

    out = tmp_path / "out"
    write_weights(out, tmp_path / "no-data", ("vae_z2", "gan"))
    checkpoints.save_weights({"model": vae.VAE().state_dict(), "epoch": 1, "args": {"dataset": "mnist", "z_dim": 20}},
                             vae.weights_path(out, 20))
    script = REPO_ROOT / "ch08_generative" / "vae_vs_gan.py"
    nb = nbformat.reads(script.with_suffix(".ipynb").read_text(encoding="utf-8"), as_version=4)
    nb.cells[1].source += f"\nsys.argv += {['--out', str(out), '--data-dir', str(tmp_path / 'no-data')]!r}"
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(script.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    fragments = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(fragments) == 1 and 'data-live="pad"' in fragments[0] and "window.dlbook.run" in fragments[0]
    page = tmp_path / "cell.html"
    page.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{fragments[0]}</body>", encoding="utf-8")
    open_page(browser, page)
    model = vae.load_vae(checkpoints.load_checkpoint(vae.weights_path(out, 2)), "cpu")
    got = torch.tensor(js_run(browser, "vae_z2", [[0.5, 0.5]]), dtype=torch.float64)
    with torch.no_grad():
        assert float((got - model.decode(torch.tensor([[0.5, 0.5]])).double()).abs().max()) < 1e-5
    assert browser.execute_script("return document.querySelectorAll('canvas.pad').length") == 1
    assert re.search(r"dots: the codes of \d+ mnist test images|no dots", browser.find_element("tag name", "body").text)
