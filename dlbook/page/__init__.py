"""The gallery page's parts, each with one job: collect (a figures folder's manifests as entries),
live (the live models and their weights as the page's JSON), readme (figures/README.md), render
(figures/index.html with Jinja2), notebook (a live figure as a notebook's output), ch6 (chapter 6's
widgets' settings, from the scripts); the JavaScript: *_models.js (the models' maths, no DOM, also run
by node), page.js (the page) and *_page.js (more of the page: chapter 6's widgets). dlbook.gallery
puts them together."""
