"""charts.roc_curves: one curve per score from stacked evaluate.roc_curve outputs, titled with the finding,
in English and in Chinese without missing glyphs."""
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from playbook import charts, evaluate
from playbook.errors import DataValidationError


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _curves():
    # a perfect method, a baseline at chance (one tie group) and one in between
    y = [0, 0, 0, 1, 1, 1]
    scores = {"kit": [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], "low_revenue": [1, 1, 1, 1, 1, 1],
              "days_since_last": [0.1, 0.5, 0.3, 0.4, 0.8, 0.2]}
    return pd.concat([evaluate.roc_curve(y, s).assign(score=name, kind="method" if name == "kit" else "baseline")
                      for name, s in scores.items()], ignore_index=True)


def test_one_curve_per_score_with_its_auc_in_the_legend():
    curves = _curves()
    ax = charts.roc_curves(curves, lang="en")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "Kit's churn risk (AUC 1.00)"
    assert "Days since last order (AUC 0.67)" in legend
    assert "Lowest revenue to date (AUC 0.50)" in legend and "Chance (AUC 0.50)" in legend
    # every score drawn, plus the diagonal; the method's line is the thickest
    lines = [ln for ln in ax.get_lines() if ln.get_label() in legend]
    assert len(lines) == 4
    assert max(lines, key=lambda ln: ln.get_linewidth()).get_label().startswith("Kit's")


def test_title_says_the_method_against_its_best_baseline():
    ax = charts.roc_curves(_curves(), lang="en")
    # days since last order: 6 of 9 (positive, negative) pairs in order, 0.67; the constant score: 0.50
    assert ax.get_title() == "Kit's churn risk: AUC 1.00; best baseline, days since last order: 0.67"


def test_without_kind_the_title_names_the_best_score():
    ax = charts.roc_curves(_curves().drop(columns="kind"), lang="en")
    assert ax.get_title() == "Kit's churn risk ranks best (AUC 1.00)"


def test_draws_on_the_given_axes_and_returns_it():
    _, ax = plt.subplots()
    assert charts.roc_curves(_curves(), ax=ax) is ax


def test_chinese_without_missing_glyphs():
    charts.set_theme()
    ax = charts.roc_curves(_curves(), lang="zh")
    assert ax.get_title() == "本工具的流失风险分：AUC 1.00；最佳基准「距上次购买天数」：0.67"
    assert "累计收入最低 (AUC 0.50)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "误报率" in ax.get_xlabel() and "召回率" in ax.get_ylabel()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        ax.figure.canvas.draw()


def test_a_table_without_the_columns_is_refused_with_what_it_needs():
    with pytest.raises(DataValidationError, match=r"\['fpr', 'score', 'tpr'\].*Got \['fpr', 'tpr'\]"):
        charts.roc_curves(_curves()[["fpr", "tpr"]])
    with pytest.raises(DataValidationError, match="Got list"):
        charts.roc_curves([1, 2])


def test_reliability_chart_plots_each_bin_and_the_diagonal():
    from playbook.charts.evaluate import reliability_chart

    table = evaluate.reliability_table([0, 0, 1, 1, 0, 1], [0.1, 0.1, 0.9, 0.9, 0.5, 0.5], bins=3)
    for lang in ("en", "zh"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a missing Chinese glyph warns
            ax = reliability_chart(table, lang=lang)
            ax.figure.canvas.draw()
        points = ax.collections[0].get_offsets()
        assert len(points) == 3 and list(points[:, 1]) == [0.0, 0.5, 1.0]
        assert "0.090" in ax.get_title()  # (4 x 0.01 + 2 x 0.25) / 6
        plt.close("all")
    with pytest.raises(DataValidationError, match="reliability_table"):
        reliability_chart(pd.DataFrame({"x": [1]}))


def test_rate_interval_chart_draws_one_line_per_group_in_both_languages():
    from playbook.charts.uncertainty import rate_interval_chart

    ci = evaluate.proportion_interval(pd.Series([11, 4, 9], index=["R1", "R2", "R3"]), [12, 12, 20])
    ax = rate_interval_chart(ci, rate="rate", low="low", high="high", lang="en")
    at = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())))
    assert [at[y] for y in sorted(at, reverse=True)] == ["R1", "R2", "R3"]  # first group on top
    segments = ax.collections[0].get_segments()
    assert len(segments) == 3 and all(s[0][0] <= s[1][0] for s in segments)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts.set_theme()
        ax = rate_interval_chart(ci, rate="rate", low="low", high="high", lang="zh")
        ax.figure.canvas.draw()
    with pytest.raises(DataValidationError):
        rate_interval_chart(ci.iloc[0:0], rate="rate", low="low", high="high")
