"""The gallery page's parts, each with one job: collect (a figures folder's manifests as entries),
live (the live models and their weights as the page's JSON), readme (figures/README.md), render
(figures/index.html with Jinja2), notebook (a live figure as a notebook's output); the JavaScript:
*_models.js (the models' maths, no DOM, also run by node) and page.js (the page). dlbook.gallery
puts them together."""
