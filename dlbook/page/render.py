"""figures/index.html (and the notebooks' live fragment) rendered with Jinja2 from the folder's entries,
the live models' specs, page.html.j2, page.css and the page's scripts: every *_models.js file of this
folder (the models' maths, no DOM), then page.js (the figures, sliders and window.dlbook.run)."""
import json
import uuid
from pathlib import Path
from urllib.parse import quote

import jinja2

from .. import manifest, sections
from . import ch6, live
from .collect import measured_unevenness, table_command, zh_caption

HERE = Path(__file__).resolve().parent
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=True, trim_blocks=True, lstrip_blocks=True,
                         keep_trailing_newline=True)
ENV.filters["url"] = quote
ENV.filters["json_attr"] = json.dumps
ENV.globals.update(zh_caption=zh_caption, cell=manifest.cell)


def scripts():
    """The page's JavaScript, in order: the models files (sorted by name), page.js, then the pages that
    add their figures to page.js's (*_page.js, sorted by name)."""
    return [p.read_text(encoding="utf-8")
            for p in [*sorted(HERE.glob("*_models.js")), HERE / "page.js", *sorted(HERE.glob("*_page.js"))]]


def script_json(data):
    """JSON inside a <script>: no '</' that could end it."""
    return jinja2.utils.markupsafe.Markup(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/"))


def weights_apart(data, prefix):
    """(data with each weight, a live.Base64 string, replaced by {"template": its id}, [(id, base64)]):
    the page writes each into a <template id=...> element of its own, which ch8_models.js's bytes() reads.
    As one 11 MB <script> of JSON the page took WebKit 2-30 s to open, as <template> text well under 1 s."""
    found = []

    def walk(value):
        if isinstance(value, live.Base64):
            found.append((f"{prefix}{len(found)}", str(value)))
            return {"template": found[-1][0]}
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return walk(data), found


def live_card(figure, specs, missing, unevenness, out):
    """What one live figure's card shows: its notes, and whether its element is there to fill."""
    notes = [("missing", missing[n], None) for n in figure.needs if n not in specs]
    notes += [("note", f"{specs[n]['short']}: {specs[n]['note']}", None) for n in figure.needs if n in specs]
    if figure.kind == "path":
        values, path = unevenness
        if values.get("VAE") and values.get("GAN"):
            notes.append(("note", f"Measured by evaluate.py ({path}): path unevenness (lower is smoother) VAE "
                          f"{values['VAE']}, GAN {values['GAN']}; it measures vae.py's 20-D VAE, the live path here "
                          "runs through the 2-D one. 路径不均匀度(越小越平滑)。", None))
        else:
            notes.append(("note", "The measured path unevenness appears here once evaluate.py has run: ",
                          table_command(sections.of_script("ch08_generative/evaluate.py"), out)))
    # chapter 6's widgets need no model: they run from the scripts' settings alone
    return {"live": figure, "notes": notes, "runs": not figure.needs or any(n in specs for n in figure.needs)}


def cards(entry, specs, missing, unevenness, out):
    """The section's cards in order: each figure, each live figure right after the one it animates
    (or at the end, where that figure is not there), then the per-epoch grids."""
    here = [f for f in live.FIGURES if f.row == entry.section.name]
    shown, listed = {s.figure.file for s in entry.figures}, []
    for figure in entry.figures:
        listed.append({"figure": figure})
        listed += [live_card(f, specs, missing, unevenness, out) for f in here if f.after == figure.figure.file]
    listed += [live_card(f, specs, missing, unevenness, out) for f in here if f.after not in shown]
    return listed + [{"grid": grid, "found": found} for grid, found in entry.grids]


def page(entries, specs, missing, written_by, out):
    unevenness = measured_unevenness(entries)
    data, weights = weights_apart({"models": specs, "missing": missing, "ch6": ch6.data(out)}, "w-")
    sections_ = [{"entry": e, "cards": cards(e, specs, missing, unevenness, out),
                  "live_here": any(f.row == e.section.name for f in live.FIGURES)} for e in entries]
    return ENV.get_template("page.html.j2").render(
        sections=sections_, written_by=written_by, css=(HERE / "page.css").read_text(encoding="utf-8"),
        scripts=scripts(), weights=weights, data=script_json(data))


def fragment(specs, kinds, missing=None, ch6=None):
    """A self-contained HTML fragment with the given live figures (the page's script and style); `ch6`:
    chapter 6's widgets' settings (dlbook.page.ch6), for those among `kinds`."""
    uid = f"dlbook-live-{uuid.uuid4().hex[:12]}"  # one per output: a notebook may show several
    data, weights = weights_apart({"models": specs, "missing": missing or {}, "ch6": ch6 or {}}, f"{uid}-w-")
    return ENV.get_template("fragment.html.j2").render(
        uid=uid, kinds=kinds, weights=weights, css=(HERE / "page.css").read_text(encoding="utf-8"), scripts=scripts(),
        note=" ".join(s["note"] for s in specs.values()),
        data=script_json(data))
