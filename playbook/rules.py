"""Ordered decision tables (决策表): rules tried from the top, the first that holds wins, with a reason.

The kit's central idea, stated once. A :class:`RuleTable` is a list of rules, each a
``label``, a ``condition`` (a :meth:`pandas.DataFrame.eval` expression on the columns of a
per-customer table) and a ``reason`` template (a ``str.format`` text filled with that
customer's values), plus a ``default`` label for customers no rule catches. Named numbers
the conditions use (``{active_days}``) are the table's ``thresholds``: override them with
``thresholds={"active_days": 90}``, the one spelling for changing a rule's numbers.

:meth:`RuleTable.table` prints the rules a learner reads and edits;
:meth:`RuleTable.evaluate` applies exactly those rules to every customer at once.

Examples
--------
>>> import pandas as pd
>>> rules = RuleTable([
...     ("lapsed", "days_since_last > {active_days}", "{label}: silent for {days_since_last} days"),
...     ("regular", "n_orders >= 2", "{label}: {n_orders} orders"),
... ], default="new", default_reason="{label}: one order", thresholds={"active_days": 180})
>>> rules.table()[["label", "condition"]]
         label              condition
order                                
1       lapsed  days_since_last > 180
2      regular          n_orders >= 2
3          new                   True
>>> customers = pd.DataFrame({"days_since_last": [400, 20, 5], "n_orders": [3, 3, 1]}, index=["a", "b", "c"])
>>> rules.evaluate(customers)
     label  rule                       reason
a   lapsed     1  lapsed: silent for 400 days
b  regular     2            regular: 3 orders
c      new     3               new: one order
>>> rules.evaluate(customers, thresholds={"active_days": 500})["label"].tolist()
['regular', 'regular', 'new']
"""
from __future__ import annotations

import itertools
import re
import string
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import DataValidationError, InvalidArgumentError

__all__ = ["RuleTable", "fill_reasons", "literal", "resolve_thresholds"]

_COLUMNS = ["label", "condition", "reason", "description"]


def literal(text: str) -> str:
    """``text`` as a reason template that prints itself: braces doubled so ``str.format`` keeps them.

    >>> literal("call {them}").format()
    'call {them}'
    """
    return str(text).replace("{", "{{").replace("}", "}}")


def resolve_thresholds(defaults: Mapping, thresholds: Mapping | None, func: str, *,
                       old: Mapping | None = None, stacklevel: int = 3) -> dict:
    """``defaults`` updated with ``thresholds``; unknown names are refused with the valid ones.

    ``old`` holds thresholds given the deprecated way (as ``**rules`` keywords): they still
    work for one release, with a DeprecationWarning that shows the new spelling (``stacklevel``
    as for :func:`warnings.warn`, counted from this function: 3 is the caller's caller).

    >>> resolve_thresholds({"active_days": 180}, {"active_days": 90}, "f")
    {'active_days': 90}
    """
    if thresholds is not None and not isinstance(thresholds, Mapping):
        raise InvalidArgumentError(f"The 'thresholds' parameter of {func} must be a dict of named numbers, e.g. "
                                   f"{{{next(iter(defaults), 'name')!r}: ...}}. Got {type(thresholds).__name__}.")
    given, old = dict(thresholds or {}), dict(old or {})
    unknown = sorted((set(given) | set(old)) - set(defaults))
    if unknown:
        raise InvalidArgumentError(f"{func} got unknown rule parameter(s) {', '.join(unknown)}. "
                                   f"Valid ones are: {', '.join(defaults)}.")
    if old:
        clash = sorted(set(old) & set(given))
        if clash:
            raise InvalidArgumentError(f"{func} got {clash[0]!r} both as a keyword and in thresholds=; pass it only in thresholds=.")
        shown = ", ".join(f"{k!r}: {v!r}" for k, v in old.items())
        warnings.warn(f"{func}: pass rule thresholds as thresholds={{{shown}}}; passing them as keywords "
                      f"({', '.join(f'{k}=...' for k in old)}) will stop working in the next release.",
                      DeprecationWarning, stacklevel=stacklevel)
        given.update(old)
    return {**defaults, **given}


# ----------------------------------------------------------------------------- reasons

class _Missing:
    def __format__(self, spec: str) -> str:
        return "n/a"


_MISSING = _Missing()


def _template_fields(template: str) -> list[str]:
    """Names a ``str.format`` template reads, e.g. ``revenue`` in ``{revenue:,.0f}``."""
    names = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field:
            name = re.split(r"[.\[]", field, maxsplit=1)[0]
            if name and not name.isdigit() and name not in names:
                names.append(name)
    return names


def _plain_parts(template: str) -> list[tuple[str, str | None]] | None:
    """``template`` as (literal text, field name or None) pieces when every field is a bare
    name (``{revenue}``: no format spec, conversion, attribute or index); else None."""
    parts = []
    for text, field, spec, conversion in string.Formatter().parse(template):
        if field is not None and (spec or conversion or not re.fullmatch(r"[A-Za-z_]\w*", field)):
            return None
        parts.append((text, field))
    return parts


def _plain_names(template: str) -> set[str]:
    """Names a template shows only bare (``{x}``, never ``{x:.2f}``): the ones a value formatter may style."""
    plain: set[str] = set()
    styled: set[str] = set()
    for _, field, spec, conversion in string.Formatter().parse(template):
        if field:
            (styled if spec or conversion or not re.fullmatch(r"[A-Za-z_]\w*", field) else plain).add(
                re.split(r"[.\[]", field, maxsplit=1)[0])
    return plain - styled


class _Coded:
    """A text or category column as codes into its distinct values (``tolist()[i] == distinct[codes[i]]``)."""

    def __init__(self, codes: np.ndarray, distinct: list):
        self.codes, self.distinct = codes, distinct

    def at(self, rows: np.ndarray) -> tuple[np.ndarray, list]:
        codes, used = pd.factorize(self.codes[rows])
        return codes, [self.distinct[i] for i in used.tolist()]

    def values(self, rows: np.ndarray) -> list:
        return [self.distinct[i] for i in self.codes[rows].tolist()]


def _as_values(col, n: int) -> np.ndarray | _Coded:
    """A column given to :func:`fill_reasons` as ``n`` values: numbers stay numeric (float64, integers,
    booleans: their Python values are what ``tolist`` gives), category and text columns are coded,
    anything else an object array of the Python values (as ``tolist`` would give)."""
    if isinstance(col, pd.Series):
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub" or col.dtype == np.float64:
            return col.to_numpy()
        if isinstance(col.dtype, pd.CategoricalDtype):
            # tolist() gives the categories' values and NaN for a missing one (code -1: the last entry)
            return _Coded(col.cat.codes.to_numpy(), col.cat.categories.tolist() + [np.nan])
        if isinstance(col.dtype, pd.StringDtype) and col.dtype.na_value is np.nan:
            codes, uniques = pd.factorize(col)  # missing: -1, shown as the NaN tolist() gives
            return _Coded(codes, uniques.tolist() + [np.nan])
        col = col.tolist()
    if isinstance(col, np.ndarray):
        return col if col.dtype.kind in "iub" or col.dtype == np.float64 else col.astype(object)
    out = np.empty(n, dtype=object)
    out[:] = col if isinstance(col, list) else list(col)
    return out


def _distinct(values: np.ndarray) -> tuple[np.ndarray, list]:
    """``values`` as (codes, distinct Python values) with ``distinct[codes] == values`` element by element,
    where two values are the same only if they format the same (``-0.0`` is not ``0.0``, ``1`` is not ``True``)."""
    if values.dtype == np.float64:
        codes, uniques = pd.factorize(values.view(np.int64))  # by the bits: -0.0 and 0.0 stay apart
        return codes, uniques.view(np.float64).tolist()
    if values.dtype.kind in "iub":
        codes, uniques = pd.factorize(values)
        return codes, uniques.tolist()
    listed = values.tolist()
    if all(type(v) is str for v in listed):  # texts only: hashed in pandas
        codes, uniques = pd.factorize(values)
        return codes, uniques.tolist()
    seen: dict = {}
    codes = np.empty(len(values), dtype=np.intp)
    distinct: list = []
    for i, v in enumerate(listed):
        kind = type(v)
        # Only plain texts, numbers and None are merged (other objects may be equal yet print apart).
        key = (kind, v.hex() if kind is float else v) if kind in (str, int, bool, float) or v is None else None
        code = seen.get(key) if key is not None else None
        if code is None:
            code = len(distinct)
            distinct.append(v)
            if key is not None:
                seen[key] = code
        codes[i] = code
    return codes, distinct


_WHOLE = re.compile(r"[,_]?\.0f")  # a spec that shows a number rounded to a whole one


_STR = pa.large_string()


def text_take(texts: list, codes: np.ndarray):
    """``np.array(texts, dtype=object)[codes]`` as pandas' text column would hold it (pyarrow-backed ``str``),
    taken in pyarrow: no million Python strings converted one by one. ``texts`` must all be ``str``."""
    return pd.arrays.ArrowStringArray(pa.array(list(texts), type=_STR).take(pa.array(np.asarray(codes, dtype=np.int64))),
                                      dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _fill_arrow(templates: np.ndarray, columns: Callable,
                value_format: Callable[[str, list], list | None] | None = None,
                groups: tuple[np.ndarray, np.ndarray] | None = None) -> pa.Array:
    """:func:`fill_reasons` as a pyarrow text array: each field of a template is formatted once per
    distinct value it takes, and each distinct combination of the fields' texts is joined once (in pyarrow
    row-wise when nearly every row has its own), then taken for its rows (no ``str.format`` call per customer).
    Templates with fields other than bare names (positions, attributes, nested specs) are filled row
    by row as :func:`fill_reasons` always did. ``groups``, if given, is ``(codes, table)`` with
    ``table[codes] == templates`` (a rule table's numbers): spares hashing the templates."""
    n = len(templates)
    if n == 0:
        return pa.array([], type=_STR)
    if groups is None:
        codes, uniques = pd.factorize(templates)
    else:
        codes, uniques = groups
        used, first = np.unique(codes, return_index=True)
        rank = np.zeros(len(uniques), dtype=np.intp)
        rank[used[np.argsort(first)]] = np.arange(len(used))  # numbered in the order of first appearance
        uniques = uniques[used[np.argsort(first)]]
        codes = rank[codes]
    blocks: list = []  # texts (a list or a pyarrow array), one block after the other
    at = np.empty(n, dtype=np.int64)  # row i's text is entry at[i] of the blocks put end to end
    size = [0]

    def put(texts, rows: np.ndarray, where: np.ndarray) -> None:
        at[rows] = size[0] + where
        blocks.append(texts)
        size[0] += len(texts)

    full: dict[str, np.ndarray | _Coded | None] = {}

    def values_of(name: str) -> np.ndarray | _Coded | None:
        if name not in full:
            col = columns(name)
            full[name] = None if col is None else _as_values(col, n)
        return full[name]

    for code in np.unique(codes):  # rules in the order their first customer appears
        template = uniques[code]
        rows = np.flatnonzero(codes == code)
        parsed = list(string.Formatter().parse(template))
        simple = all(f is None or (re.fullmatch(r"[A-Za-z_]\w*", f) and conv is None and "{" not in (spec or ""))
                     for _, f, spec, conv in parsed)
        if not simple:  # row by row, exactly as before
            names = _template_fields(template)
            present, values = [], []
            for name in names:
                col = values_of(name)
                if col is None:
                    continue
                present.append(name)
                listed = col.values(rows) if isinstance(col, _Coded) else col[rows].tolist()
                values.append([_MISSING if isinstance(v, float) and v != v else v for v in listed])
            fmt = template.format
            texts = [fmt(**dict(zip(present, vals))) for vals in (zip(*values) if values else ((),) * len(rows))]
            put(texts, rows, np.arange(len(rows)))
            continue
        plain = _plain_names(template)
        parts: list = []
        shown_cache: dict[str, list | None] = {}
        for text, field, spec, _ in parsed:
            if text:
                parts.append(text)
            if field is None:
                continue
            col = values_of(field)
            if col is None:
                raise KeyError(field)  # as str.format says of a name it lacks
            if field not in shown_cache:
                shown_cache[field] = (value_format(field, col.values(rows) if isinstance(col, _Coded) else col[rows].tolist())
                                      if value_format is not None and field in plain else None)
            shown = shown_cache[field]
            if shown is not None:  # the styler's texts, shown as they are (no "n/a" for a missing one)
                picked = np.empty(len(rows), dtype=object)
                picked[:] = shown
                where, distinct = _distinct(picked)
                texts = [format(v, spec or "") for v in distinct]
            else:
                if isinstance(col, _Coded):
                    where, distinct = col.at(rows)
                else:
                    picked = col[rows]
                    if picked.dtype == np.float64 and spec and _WHOLE.fullmatch(spec):
                        # format(x, ".0f") is x rounded half to even on its exact value, as np.rint (sign kept):
                        # the same text from far fewer distinct values
                        picked = np.rint(picked)
                    where, distinct = _distinct(picked)
                texts = [format(_MISSING if isinstance(v, float) and v != v else v, spec or "") for v in distinct]
            parts.append((texts, where))
        fields = [p for p in parts if not isinstance(p, str)]
        if not fields:  # a fixed text
            put(["".join(parts)], rows, np.zeros(len(rows), dtype=np.int64))
            continue
        combo, k = _combinations([w for _, w in fields], [len(t) for t, _ in fields])
        if k <= max(_FEW_COMBINATIONS, len(rows) // 4):
            # few distinct combinations of the fields' texts (the usual case): each reason written once, in Python
            one = np.empty(k, dtype=np.intp)
            one[combo] = np.arange(len(rows))  # a row of each combination (any: they all read the same texts)
            seqs = [itertools.repeat(p) if isinstance(p, str) else [p[0][c] for c in p[1][one].tolist()] for p in parts]
            put(list(map("".join, zip(*seqs))), rows, combo)
        else:  # nearly one text per row: the fields' texts taken and joined in pyarrow
            arrays = [pa.scalar(p, type=_STR) if isinstance(p, str) else pa.array(p[0], type=_STR).take(pa.array(p[1]))
                      for p in parts]
            put(pc.binary_join_element_wise(*arrays, pa.scalar("", type=_STR)), rows, np.arange(len(rows)))
    texts = pa.concat_arrays([(b if isinstance(b, pa.Array) else pa.array(b, type=_STR)).cast(_STR) for b in blocks])
    return texts.take(pa.array(at))


_FEW_COMBINATIONS = 4096  # a template's rows whose fields read at most this many (or a quarter of the rows)
# distinct combinations of texts are written once per combination


def _combinations(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, int]:
    """Rows numbered by their combination of ``codes`` (one array per field, ``0 <= codes[j] < sizes[j]``): (number of
    each row's combination, from 0 in the order of first appearance; how many distinct combinations)."""
    combo = np.zeros(len(codes[0]), dtype=np.int64)
    radix = 1
    for where, k in zip(codes, sizes):
        k = max(int(k), 1)
        if radix > (1 << 62) // k:  # the mixed-radix number would overflow: renumber what is combined so far
            combo, uniques = pd.factorize(combo)
            combo, radix = combo.astype(np.int64), max(len(uniques), 1)
        combo = combo * k + np.asarray(where, dtype=np.int64)
        radix *= k
    out, uniques = pd.factorize(combo)
    return out.astype(np.intp), len(uniques)


def fill_reasons(templates: np.ndarray, columns: Callable,
                 value_format: Callable[[str, list], list | None] | None = None) -> list[str]:
    """``templates[i].format(**row i)`` for every row, missing values shown as "n/a".

    ``columns(name)`` gives a column as a list of Python values (as ``to_dict`` would), or
    None when there is no such column. Each template is filled for its own rows with only
    the columns it names, which is what keeps a million reasons quick; a template whose fields
    are all bare names (``{n_orders}``) is joined column-wise, without a ``format`` call per row.

    ``value_format(name, values)``, if given, may return the texts to show for a bare field
    ``{name}`` of those rows (None keeps the values as they are).
    """
    return _fill_arrow(np.asarray(templates, dtype=object), columns, value_format).to_pylist()


_WORDS = {"and", "or", "not", "in", "is", "True", "False", "None"}


def _columns_read(condition: str, frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` a condition names (quoted texts are not names)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", " ", condition)
    words = re.findall(r"[A-Za-z_]\w*", text)
    return [w for w in dict.fromkeys(words) if w not in _WORDS and w in frame.columns]


# ----------------------------------------------------------------------------- the table

class RuleTable:
    """An ordered decision table: the first rule whose condition holds gives the label.

    Parameters
    ----------
    rules : list of tuples or DataFrame
        ``(label, condition, reason)`` or ``(label, condition, reason, description)`` in
        order, or a DataFrame with those columns (e.g. an edited copy of :meth:`table`
        without its last, default row). ``condition`` is a :meth:`pandas.DataFrame.eval`
        expression (``"True"`` always holds; a comparison with a missing value is False);
        ``{name}`` in it is a threshold. ``reason`` is a ``str.format`` template of the
        customer's columns, the thresholds and ``{label}``. ``description`` says the rule in
        words (thresholds filled in too).
    default : str
        The label of customers no rule catches; None makes such customers an error.
    default_reason, default_description : str
        Reason template and words of the default row.
    thresholds : dict
        The named numbers the conditions use, with their default values.
    name : str
        What the table decides (shown in error messages).
    needs_evidence : bool
        If True, a rule never fires when a column its condition reads is missing for every
        customer (say, browsing rules on an orders-only table): it cannot be judged, rather
        than judged false by accident of a ``not``. :meth:`evaluate` lists such rules in
        ``attrs["rules_without_evidence"]``.
    value_format : callable, optional
        ``value_format(values)`` gives the texts shown for a numeric column named bare
        (``{gap_cv}``, without a format spec) in a reason, for the rows that rule decides.
    """

    def __init__(self, rules, *, default: str | None, default_reason: str = "{label}",
                 default_description: str = "none of the rules above holds", thresholds: Mapping | None = None,
                 name: str = "rule", needs_evidence: bool = False, value_format: Callable[[list], list] | None = None):
        frame = rules.copy() if isinstance(rules, pd.DataFrame) else pd.DataFrame(
            [tuple(r) + ("",) * (4 - len(r)) for r in rules], columns=_COLUMNS)
        missing = [c for c in _COLUMNS[:3] if c not in frame.columns]
        if missing:
            raise InvalidArgumentError(f"A rule table needs the columns label, condition and reason; missing {', '.join(missing)}.")
        if "description" not in frame:
            frame["description"] = ""
        self.rules = frame[_COLUMNS].reset_index(drop=True)
        self.default = default
        self.default_reason = default_reason
        self.default_description = default_description
        self.thresholds = dict(thresholds or {})
        self.name = name
        self.needs_evidence = needs_evidence
        self.value_format = value_format

    def __repr__(self) -> str:
        return f"RuleTable({self.name!r}, {len(self.rules)} rules, default={self.default!r})"

    def _thresholds(self, thresholds, func: str) -> dict:
        if thresholds is None:
            return dict(self.thresholds)
        return resolve_thresholds(self.thresholds, thresholds, func)

    def _hits(self, frame: pd.DataFrame, p: dict, func: str, unjudged: list | None = None) -> list[np.ndarray]:
        """For each rule in order, the boolean array of the rows whose condition holds.

        With :attr:`needs_evidence`, a rule reading a column that is missing for every row
        holds for none; ``unjudged`` (a list) receives ``"label: condition"`` for each such rule."""
        if not isinstance(frame, pd.DataFrame):
            raise InvalidArgumentError(f"{func} needs a per-customer DataFrame. Got {type(frame).__name__}.")
        n, hits = len(frame), []
        for i, (lab, cond) in enumerate(zip(self.rules["label"], self.rules["condition"].astype(str)), start=1):
            text = cond.format(**p)
            if self.needs_evidence and text.strip() != "True" and any(
                    not frame[c].notna().any() for c in _columns_read(text, frame)):
                if unjudged is not None:
                    unjudged.append(f"{lab}: {text}")
                hits.append(np.zeros(n, dtype=bool))
                continue
            try:
                hit = (np.ones(n, dtype=bool) if text.strip() == "True"
                       else frame.eval(text, engine="python"))
            except Exception as exc:  # a user's edited condition: say which rule and why
                raise InvalidArgumentError(f"{func}: rule {i} ({lab}) condition {text!r} failed: {exc}. "
                                           f"The columns are {', '.join(map(str, frame.columns))}.") from exc
            hit = np.asarray(hit)
            if hit.dtype != bool:  # object results hold missing values: a missing comparison does not hold
                hit = pd.Series(hit.reshape(-1)).fillna(False).to_numpy(dtype=bool)
            hits.append(np.broadcast_to(hit.reshape(()) if hit.size == 1 else hit.reshape(-1), (n,)))
        return hits

    def table(self, thresholds: Mapping | None = None, *, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """The rules as a learner reads them: one row per rule in order (``order`` from 1),
        with ``label``, ``condition`` and ``description`` (thresholds filled in) and the
        ``reason`` template; the default is the last row, with condition ``True``.

        With ``data`` (a per-customer table), adds how many customers each rule would catch
        on its own (``holds``) and how many it decides, being the first that holds (``decides``).
        """
        p = self._thresholds(thresholds, f"{self.name} table")
        out = self.rules.copy()
        out["condition"] = [str(c).format(**p) for c in out["condition"]]
        out["description"] = [str(d).format(**p) for d in out["description"]]
        if self.default is not None:
            out.loc[len(out)] = [self.default, "True", self.default_reason, self.default_description]
        out.index = pd.RangeIndex(1, len(out) + 1, name="order")
        if data is not None:
            taken = np.zeros(len(data), dtype=bool)
            holds, decides = [], []
            for hit in self._hits(data, p, f"{self.name} table"):
                holds.append(int(hit.sum()))
                decides.append(int((hit & ~taken).sum()))
                taken |= hit
            if self.default is not None:
                holds.append(len(data))
                decides.append(int((~taken).sum()))
            out["holds"], out["decides"] = holds, decides
        return out

    def evaluate(self, frame: pd.DataFrame, thresholds: Mapping | None = None, *,
                 extra: Mapping[str, Callable] | None = None, func: str | None = None) -> pd.DataFrame:
        """Apply the rules to every row of ``frame`` at once.

        Parameters
        ----------
        frame : DataFrame
            One row per customer with the columns the conditions and reasons name.
        thresholds : dict, optional
            Overrides of the table's thresholds.
        extra : dict, optional
            ``name -> function returning a Series or a scalar``: more values the reason
            templates may name, computed only if a template needs them.
        func : str, optional
            The public function calling, for error messages.

        Returns
        -------
        DataFrame indexed like ``frame`` with ``label``, ``rule`` (the ``order`` of the rule
        that fired in :meth:`table`) and ``reason``; with :attr:`needs_evidence`,
        ``attrs["rules_without_evidence"]`` lists the rules that could not be judged.
        """
        func = func or f"the {self.name} table"
        p = self._thresholds(thresholds, func)
        unjudged: list[str] = []
        hits = self._hits(frame, p, func, unjudged)
        n = len(frame)
        rule = np.zeros(n, dtype=np.int64)
        for i, hit in enumerate(hits, start=1):
            rule[(rule == 0) & hit] = i
        labels = self.rules["label"].astype(object).to_numpy()
        templates = self.rules["reason"].astype(object).to_numpy()
        if self.default is not None:
            labels = np.append(labels, np.array([self.default], dtype=object))
            templates = np.append(templates, np.array([self.default_reason], dtype=object))
            rule[rule == 0] = len(labels)
        elif (rule == 0).any():
            first = frame.index[rule == 0][0]
            raise DataValidationError(f"{func}: {int((rule == 0).sum())} customers match no rule, e.g. {first!r}; "
                                      "end the table with a catch-all rule whose condition is 'True'.")
        chosen = labels[rule - 1] if n else np.array([], dtype=object)
        reasons = self._reasons(frame, p, templates[rule - 1] if n else np.array([], dtype=object),
                                chosen, extra, func, as_arrow=True, groups=(rule - 1, templates))
        if n and all(type(x) is str for x in labels):
            # Text columns made in pyarrow (a label per rule, taken; the reasons joined there): turning a
            # million Python strings into pandas' text dtype is what the frame would otherwise spend its time on.
            text = pd.StringDtype("pyarrow", na_value=np.nan)
            out = pd.DataFrame({"label": text_take(labels.tolist(), rule - 1), "rule": rule,
                                "reason": pd.arrays.ArrowStringArray(reasons, dtype=text)}, index=frame.index)
        else:
            out = pd.DataFrame({"label": chosen, "rule": rule, "reason": reasons.to_pylist()}, index=frame.index)
        if self.needs_evidence:
            out.attrs["rules_without_evidence"] = unjudged
        return out

    def _categorical(self, decided: pd.DataFrame, categories: list, *, ordered: bool = False) -> pd.Categorical:
        """``pd.Categorical(decided["label"], categories=categories, ordered=ordered)`` of :meth:`evaluate`'s output,
        read from its rule numbers when the labels and categories are texts (no text per row to look up)."""
        labels = self.rules["label"].tolist() + ([self.default] if self.default is not None else [])
        if not len(decided) or not all(type(v) is str for v in [*labels, *categories]):
            return pd.Categorical(decided["label"], categories=categories, ordered=ordered)
        per_rule = np.array([categories.index(v) if v in categories else -1 for v in labels], dtype=np.int64)
        return pd.Categorical.from_codes(per_rule[decided["rule"].to_numpy() - 1], categories=categories, ordered=ordered)

    def _reasons(self, frame: pd.DataFrame, p: dict, templates: np.ndarray, labels,
                 extra: Mapping[str, Callable] | None, func: str, rows: np.ndarray | None = None, *,
                 as_arrow: bool = False, groups: tuple[np.ndarray, np.ndarray] | None = None):
        """Each row's template filled with its values (``labels`` for ``{label}``); only the
        rows at positions ``rows`` (one template each) when given. A list, or a pyarrow text array
        with ``as_arrow``."""
        n = len(frame) if rows is None else len(rows)
        cache: dict = {"label": labels}
        extra = dict(extra or {})

        def column(name: str):
            if name not in cache:
                if name in extra:
                    value = extra[name]()
                    if isinstance(value, pd.Series):
                        cache[name] = value if rows is None else value.iloc[rows]
                    else:
                        cache[name] = [value] * n
                elif name in frame.columns:
                    cache[name] = frame[name] if rows is None else frame[name].iloc[rows]
                elif name in p:
                    cache[name] = [p[name]] * n
                else:
                    cache[name] = None
            return cache[name]

        shown = None
        if self.value_format is not None:
            styler = self.value_format

            def shown(name: str, values: list):
                numeric = name not in extra and name in frame.columns and pd.api.types.is_numeric_dtype(frame[name]) \
                    and not pd.api.types.is_bool_dtype(frame[name])
                return styler(values) if numeric else None

        try:
            filled = _fill_arrow(np.asarray(templates, dtype=object), column, shown, groups)
        except KeyError as exc:
            raise InvalidArgumentError(f"{func}: a reason template names {exc}, which the table lacks.") from exc
        return filled if as_arrow else filled.to_pylist()

    def evaluate_all(self, frame: pd.DataFrame, thresholds: Mapping | None = None, *,
                     extra: Mapping[str, Callable] | None = None, func: str | None = None,
                     sep: str = "; ") -> pd.DataFrame:
        """Every rule that holds, not only the first: for flags, where one customer may carry several.

        The default row plays no part. Rules sharing a label set the same flag.

        Returns
        -------
        DataFrame indexed like ``frame`` with one boolean column per label (in the order the
        labels first appear) and ``reason``: ``"label: reason"`` for each rule that holds, in
        order, joined by ``sep`` ("" when none holds); ``attrs["rules_without_evidence"]`` as
        in :meth:`evaluate` when :attr:`needs_evidence`.

        Examples
        --------
        >>> flags = RuleTable([("big", "revenue >= 100", "spent {revenue}"), ("often", "n >= 3", "{n} orders")],
        ...                   default=None)
        >>> out = flags.evaluate_all(pd.DataFrame({"revenue": [150, 20], "n": [4, 1]}, index=["a", "b"]))
        >>> out[["big", "often"]].to_dict("index")
        {'a': {'big': True, 'often': True}, 'b': {'big': False, 'often': False}}
        >>> out["reason"].tolist()
        ['big: spent 150; often: 4 orders', '']
        """
        func = func or f"the {self.name} table"
        p = self._thresholds(thresholds, func)
        unjudged: list[str] = []
        hits = self._hits(frame, p, func, unjudged)
        n = len(frame)
        out = pd.DataFrame(index=frame.index)
        reason = np.full(n, "", dtype=object)
        for lab, template, hit in zip(self.rules["label"], self.rules["reason"].astype(object), hits):
            out[lab] = (out[lab].to_numpy() | hit) if lab in out else hit.copy()
            rows = np.flatnonzero(hit)
            if not len(rows):
                continue
            add = np.asarray(self._reasons(frame, p, np.full(len(rows), template, dtype=object),
                                           [lab] * len(rows), extra, func, rows), dtype=object)
            add = f"{lab}: " + add
            before = reason[rows]
            reason[rows] = np.where(before == "", add, before + sep + add)
        out["reason"] = reason
        if self.needs_evidence:
            out.attrs["rules_without_evidence"] = unjudged
        return out
