"""One language path (issue 15): every text a user reads comes from the label registry
(:mod:`playbook.i18n`), in English and Chinese, and one function checks a ``lang`` argument.

- a scan of the package's source fails when a module keeps its own English/Chinese table:
  a dict keyed ``"en"``/``"zh"``, a comparison of ``lang`` with a language code, or a Chinese
  string literal outside the registry (docstrings, labels handed to ``register_labels`` and
  English prose with a Chinese gloss in brackets are fine); the few deliberate exceptions are
  listed in ``ALLOWED`` with the reason for each;
- every churn reason, strategy reason and tier name exists in both languages;
- ``i18n.use("zh")`` makes churn, strategy and analyze speak Chinese when ``lang`` is not given;
- a bad ``lang`` gets the same message everywhere, naming the argument and the allowed values.
"""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import playbook
from playbook import i18n
from playbook.errors import InvalidArgumentError

PACKAGE = Path(playbook.__file__).resolve().parent
# CJK ideographs, CJK punctuation (、。「」) and full-width forms (，；：（）￥): text written for a Chinese reader.
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# English prose may name the Chinese term beside the English one, in brackets: "the lead pool (待分配客户)".
GLOSS = re.compile(r"[(（][^()（）]*[)）]")
LANG_CODES = set(i18n.LANGUAGES)

#: (file, top-level name) -> why its Chinese text or language choice may stay where it is.
#: "<module>" stands for statements outside any named definition.
ALLOWED = {
    # the registry itself
    ("i18n.py", "LABELS"): "the registry's own table",
    # input, not output: words the kit recognises in the user's files or in generated data
    ("byod.py", "_CURRENCY"): "currency signs stripped from amounts the user's file may hold (¥, ￥)",
    ("byod.py", "_SPACES"): "white space (incl. the ideographic space) stripped from the user's cells",
    ("byod.py", "_ALIASES"): "column headers of Chinese exports the reader recognises (input, not output)",
    ("features.py", "_SPACES"): "invisible characters (incl. the ideographic space) stripped from ids",
    ("strategy.py", "_FORMULA"): "full-width = + - @ that spreadsheets also read as a formula start",
    ("csv_out.py", "_PROBE"): "characters whose csv quoting is probed, the ideographic space among them: not a text",
    ("strategy.py", "_FORMULA_FIRST"): "the first characters _FORMULA can match, full-width = + - @ among them",
    ("synth/messy.py", "MESSY_COLUMNS"): "the generated messy export's Chinese headers: data a learner must map, not a label",
    ("cli.py", "build_parser"): "the --help example maps a Chinese export's headers: a user's column names",
    # language names are written in their own language, whichever language the page is in
    ("widgets/accounts.py", "DealRecapExplorer"): "the language toggle names each language in itself (English / 中文)",
    # English tables are shown as they are (snake_case codes): a choice of display, not a text table
    ("widgets/_base.py", "localized_table"): "English tables keep their snake_case headers and codes unchanged",
}


def _top_level_name(node: ast.stmt) -> str:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names:
            return names[0]
    return "<module>"


def _is_lang(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "lang") or (isinstance(node, ast.Attribute) and node.attr == "lang")


def _codes(node: ast.AST) -> set:
    """The language codes a literal names: "zh", or ("en", "zh")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & LANG_CODES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_codes(e) for e in node.elts)) if node.elts else set()
    return set()


def _registered_names(tree: ast.AST) -> set[str]:
    """Names of the dicts a module hands to ``register_labels`` (directly or through a comprehension)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "register_labels":
            names |= {n.id for arg in node.args for n in ast.walk(arg) if isinstance(n, ast.Name)}
    return names


def scan(source: str) -> list[tuple[str, int, str]]:
    """``(top-level name, line, what)`` for every own-language table in ``source``."""
    tree = ast.parse(source)
    registered = _registered_names(tree)
    found = []
    for top in tree.body:
        name = _top_level_name(top)
        exempt: set[int] = set()  # ids of nodes whose strings are registry texts or docstrings
        if name in registered:
            exempt |= {id(n) for n in ast.walk(top)}
        for node in ast.walk(top):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "register_labels":
                exempt |= {id(n) for n in ast.walk(node)}
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                exempt.add(id(node.value))  # a docstring (of a module, class, function or attribute)
        for node in ast.walk(top):
            if isinstance(node, ast.Compare) and any(_is_lang(n) for n in [node.left, *node.comparators]):
                if any(_codes(n) for n in [node.left, *node.comparators]):
                    found.append((name, node.lineno, f"lang compared with a language code: {ast.unparse(node)}"))
            elif isinstance(node, ast.Dict) and id(node) not in exempt:
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if LANG_CODES <= keys:
                    found.append((name, node.lineno, "a dict keyed by language"))
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt
                  and CJK.search(GLOSS.sub("", node.value))):
                found.append((name, node.lineno, f"Chinese text outside the registry: {node.value[:40]!r}"))
    return found


def _package_findings() -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for name, line, what in scan(path.read_text(encoding="utf-8")):
            out.setdefault((rel, name), []).append(f"{rel}:{line} ({name}): {what}")
    return out


@pytest.fixture(scope="module")
def findings():
    return _package_findings()


def test_no_module_keeps_its_own_language_table(findings):
    """Outside the registry no module picks its texts by language; put new texts in register_labels."""
    stray = [line for key, lines in findings.items() if key not in ALLOWED for line in lines]
    assert not stray, "move these texts into the label registry (i18n.register_labels) and look them up:\n" + "\n".join(stray)


def test_every_allowance_is_still_needed(findings):
    stale = sorted(set(ALLOWED) - set(findings))
    assert not stale, f"no longer needed, drop from ALLOWED: {stale}"


@pytest.mark.parametrize("source", [
    'x = "a" if lang == "en" else "b"\n',
    'def f(lang):\n    if lang not in ("en", "zh"):\n        raise ValueError\n',
    'WORDS = {"en": {"none": "no sign"}, "zh": {"none": "no sign"}}\n',
    'SEP = "；"\n',
    'def f():\n    return "无预警信号"\n',
    'T = [("build", "new relationship", "关系刚开始")]\n',
])
def test_the_scan_finds_an_own_table(source):
    assert scan(source), source


def test_the_scan_leaves_the_registry_docstrings_and_glosses_alone():
    source = '''"""Module (模块) doc."""
from playbook.i18n import register_labels, resolve_lang

_MINE = {"a": ("A", "甲")}
register_labels({k: v for k, v in _MINE.items()})
register_labels({"b": ("B", "乙")})


def f(lang=None):
    """Say it in Chinese: 你好."""
    lang = resolve_lang(lang, "f")
    return "the lead pool (待分配客户), in words"
'''
    assert scan(source) == []


# --- the registry holds every reason and tier in both languages -----------------------------------------------

def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _chinese(text: str) -> bool:
    return bool(CJK.search(text))


def test_every_churn_reason_exists_in_both_languages():
    from playbook import churn

    en, zh = i18n.label_group("churn.reason.", "en"), i18n.label_group("churn.reason.", "zh")
    needed = set(churn.SIGNALS) | set(churn.MODEL_GROUPS) | {"p_alive", "none", "no_order", "unnamed", "separator"}
    assert needed <= set(en) == set(zh), needed - set(en)
    for name in en:
        assert en[name] and zh[name] and _chinese(zh[name]), name
        assert not _chinese(en[name]), name
        # Chinese fills only fields the English has (English also bends words for one or many)
        assert _fields(zh[name]) <= _fields(en[name]), name


def test_every_tier_name_exists_in_both_languages_and_strategy_reads_it():
    from playbook import strategy
    from playbook.segment import TIERS

    for tier in TIERS:
        en, zh = i18n.LABELS[tier]
        assert en and _chinese(zh) and not _chinese(en), tier
    assert strategy._tier_names("zh") == {t: i18n.label(t, "zh") for t in TIERS}


def test_every_strategy_reason_comes_from_the_registry():
    from playbook.strategy import STRATEGIES, STRATEGY_TABLE

    assert set(STRATEGY_TABLE["strategy"]) == set(STRATEGIES)
    for _, row in STRATEGY_TABLE.iterrows():
        en, zh = i18n.LABELS[f"strategy.reason.{row['strategy']}"]
        assert (row["reason_en"], row["reason_zh"]) == (en, zh)
        assert _chinese(zh) and not _chinese(en)
        # the same customer values in both, the Chinese naming tier and stage by their Chinese names
        assert {f.removesuffix("_zh") for f in _fields(zh)} == _fields(en), row["strategy"]


# --- lang=None follows i18n.use() ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    from playbook.synth import generate

    return generate("retail", n_customers=300, seed=3)


@pytest.fixture
def in_chinese():
    before = i18n.get_language()
    i18n.use("zh")
    yield
    i18n.set_language(before)


def test_churn_reasons_follow_the_kits_language(small, in_chinese):
    from playbook.churn import churn_risk, churn_signals

    signals = churn_signals(small, small.as_of)
    for method in ("model", "rules"):
        shown = churn_risk(signals, method=method)
        assert shown["reasons"].map(_chinese).all(), method
        assert shown["reasons"].equals(churn_risk(signals, method=method, lang="zh")["reasons"])
        assert not churn_risk(signals, method=method, lang="en")["reasons"].map(_chinese).any()


def test_strategy_reasons_follow_the_kits_language(small, in_chinese):
    from playbook.strategy import customer_profile, recommend_strategies

    profile = customer_profile(small)
    assert profile["risk_reasons"].map(_chinese).all()
    chosen = recommend_strategies(profile)
    assert chosen["reason"].map(_chinese).all() and chosen["strategy_label"].map(_chinese).all()
    assert chosen["reason"].equals(recommend_strategies(profile, lang="zh")["reason"])
    # tiers are named by the registry's words in the Chinese reasons
    named = [i18n.label(t, "zh") for t in ("key", "important", "general")]
    assert chosen["reason"].map(lambda r: any(n in r for n in named)).mean() > 0.5


def test_analysis_follows_the_kits_language(small, in_chinese):
    from playbook.analyze import build_analysis
    from playbook.byod import from_orders

    base = from_orders(small.orders, as_of=small.as_of)
    result = build_analysis(base)
    assert result.lang == "zh"
    assert result.actions["reason"].map(_chinese).all()
    assert result.actions["reason"].equals(build_analysis(base, lang="zh").actions["reason"])


# --- one validator, one message ---------------------------------------------------------------------------------

def _calls(small):
    from playbook.analyze import analyze, build_analysis
    from playbook.churn import churn_risk, churn_signals
    from playbook.strategy import recommend_strategies, strategy_rules

    return {
        "churn_risk": lambda lang: churn_risk(churn_signals(small, small.as_of), lang=lang),
        "strategy_rules": lambda lang: strategy_rules(lang=lang),
        "recommend_strategies": lambda lang: recommend_strategies(small.orders.head(0), lang=lang),
        "build_analysis": lambda lang: build_analysis(small, lang=lang),
        "analyze": lambda lang: analyze(small.orders, out="/nonexistent/never-written", lang=lang),
        "label_group": lambda lang: i18n.label_group("churn.reason.", lang),
        "set_language": lambda lang: i18n.set_language(lang),
    }


@pytest.mark.parametrize("func", ["churn_risk", "strategy_rules", "recommend_strategies", "build_analysis", "analyze",
                                  "label_group", "set_language"])
def test_a_bad_lang_gets_the_one_message(small, func):
    allowed = " or ".join(repr(code) for code in i18n.LANGUAGES)
    with pytest.raises(InvalidArgumentError) as caught:
        _calls(small)[func]("fr")
    assert str(caught.value) == f"The 'lang' parameter of {func} must be {allowed}. Got 'fr'."


def test_the_tier_codes_are_listed_once():
    """Modules read ``segment.TIERS`` (and name the tiers through the registry) instead of retyping the three codes."""
    from playbook.segment import TIERS

    allowed = {"segment.py": "defines TIERS"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == len(TIERS)
                    and [getattr(e, "value", None) for e in node.elts] == list(TIERS)):
                found.append((rel, node.lineno))
    stray = [f"{rel}:{line}" for rel, line in found if rel not in allowed]
    assert not stray, "use playbook.segment.TIERS:\n" + "\n".join(stray)
    assert set(allowed) <= {rel for rel, _ in found}, "no longer needed, drop from allowed"
