"""`make html`: executed, self-contained pages with alt text, an index, never over the sources."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_html.py"
NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"

sys.path.insert(0, str(SCRIPT.parent))
import make_html  # noqa: E402


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    shutil.copy(NOTEBOOK, src / NOTEBOOK.name)
    out = tmp_path_factory.mktemp("html")
    run = subprocess.run([sys.executable, str(SCRIPT), str(src), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out


def test_page_is_executed_and_self_contained(edition):
    page = (edition / "00_start_here.html").read_text(encoding="utf-8")
    assert "Start here: the Retention Playbook" in page
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert imgs, "the executed notebook should carry its charts"
    assert all('src="data:image/' in tag for tag in imgs), "images must be embedded"
    assert "jp-OutputArea-output" in page


def test_every_image_has_useful_alt_text(edition):
    page = (edition / "00_start_here.html").read_text(encoding="utf-8")
    for tag in re.findall(r"<img\b[^>]*>", page):
        assert re.search(r'\balt="Figure \d+: [^"]+"', tag), tag[:120]
    assert "No description has been provided" not in page
    assert "A0002" in " ".join(re.findall(r'alt="([^"]*)"', page)), "alt text should name the chart"


def test_widgets_become_a_note(edition):
    page = (edition / "00_start_here.html").read_text(encoding="utf-8")
    assert "Interactive widget" in page
    assert "application/vnd.jupyter.widget-state" not in page


def test_index_links_pages_in_order(edition):
    index = (edition / "index.html").read_text(encoding="utf-8")
    assert 'href="00_start_here.html"' in index
    assert "Start here: the Retention Playbook" in index
    assert "not interactive" in index


def test_refuses_the_source_folder(tmp_path):
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    for target in (tmp_path, tmp_path / "html"):
        run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), str(target)], capture_output=True, text=True)
        assert run.returncode == 2
        assert "refusing" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [NOTEBOOK.name]


def test_alt_text_fallback_uses_the_heading():
    page = '<h2 id="x">Tiers¶</h2><p><img src="a.png"></p><img src="b.png" alt="kept">'
    out = make_html.add_alt_text(page)
    assert '<img alt="Figure 1: chart in section “Tiers”" src="a.png">' in out
    assert 'alt="kept"' in out and out.count("alt=") == 2
