"""A live figure as a notebook's output: one HTML fragment with the page's own script (no ipywidgets)."""
from .. import figures


def show(make_specs, kinds, ch6=None):
    """In a notebook, display the live figures `kinds` of the models {name: a function making its spec}
    (called only here: a spec may read the test set), chapter 6's widgets with the settings `ch6`
    (dlbook.page.ch6); elsewhere nothing. Returns the HTML shown, or None."""
    if not figures.in_notebook():
        return None
    from IPython.display import HTML, display

    from .render import fragment

    html = fragment({name: make() for name, make in make_specs.items()}, kinds, ch6=ch6)
    display(HTML(html))
    return html
