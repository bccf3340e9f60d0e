"""realism_chart: our shop next to a real panel, in English and in Chinese."""
import re
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from playbook import charts, i18n
from playbook.errors import DataValidationError
from playbook.synth import generate, realism

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def both():
    return pd.concat([realism(generate("retail", n_customers=3000, seed=1, process=p), start="2023-01-01").assign(process=p)
                      for p in ("realistic", "classic")], ignore_index=True)


def _inside(table, process):
    t = table[table.process == process]
    return int(((t.ours >= t.low) & (t.ours <= t.high)).sum()), len(t)


def test_title_counts_measures_inside_the_bands_per_process(both):
    ax = charts.realism_chart(both, lang="en")
    for process in ("realistic", "classic"):
        inside, n = _inside(both, process)
        assert f"{process} process {inside} of {n} measures" in ax.get_title()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == both.measure.nunique() and labels[0].startswith("One-time buyers")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "real panel's band", "real value (CDNOW)", "realistic process", "classic process"]


def test_a_single_table_is_our_shop(both):
    ax = charts.realism_chart(both[both.process == "realistic"].drop(columns="process"), lang="en")
    assert "our shop" in ax.get_title()


def test_far_points_stay_on_the_axis(both):
    ax = charts.realism_chart(both, lang="en")
    low, high = ax.get_xlim()
    for collection in ax.collections:
        xs = collection.get_offsets()[:, 0] if len(collection.get_offsets()) else []
        assert all(low <= x <= high for x in xs)


def test_draws_in_chinese_without_missing_glyphs(both):
    charts.set_theme()
    i18n.register_labels({"process_realistic": ("realistic process", "真实化过程")})  # same texts: accepted
    ax = charts.realism_chart(both, lang="zh")
    texts = [ax.get_title(), ax.get_xlabel()] + [t.get_text() for t in ax.get_yticklabels()]
    texts += [t.get_text() for t in ax.get_legend().get_texts()] + [ax.get_legend().get_title().get_text()]
    assert all(CJK.search(t) for t in texts), texts
    assert "真实化过程" in ax.get_title() and "经典过程" in ax.get_title()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        ax.figure.canvas.draw()


def test_a_table_without_the_band_is_refused(both):
    with pytest.raises(DataValidationError, match="low"):
        charts.realism_chart(both.drop(columns="low"))


def test_an_unknown_language_is_refused(both):
    with pytest.raises(ValueError, match="realism_chart"):
        charts.realism_chart(both, lang="fr")
