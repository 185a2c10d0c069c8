"""The page's JavaScript tests (tests/js/*.test.js, node:test) as one pytest test, so the suite runs them."""
import shutil
import subprocess

import pytest

from conftest import ROOT

NODE = shutil.which("node")
# One reason, shared with the tests that run the page's models in node (test_ch6_live.py)
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the page's JavaScript tests need it")


@needs_node
def test_node_tests_pass():
    proc = subprocess.run([NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
