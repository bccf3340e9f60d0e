"""Drive ipywidgets explorers in a real page (JupyterLab or Voila): find them, move a control, time the redraw.

Generic on purpose: an explorer is any top-level widget box holding an ``Output`` and at
least one control, so the tests follow whatever the notebooks display at test time.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

__all__ = ["Explorer", "Move", "find_explorers", "move_and_wait", "drive_explorers", "scroll_to_explorer", "error_texts_in", "cjk_text_in",
           "wait_until_stable", "WIDGET_RESPONSE_TIMEOUT_MS"]

#: How long one control may take to change its chart or table before the next control is tried.
WIDGET_RESPONSE_TIMEOUT_MS = 20_000

# Marks every explorer on the page with data-explorer="N" and returns, per explorer, its controls.
_MARK_EXPLORERS = r"""
() => {
  const boxes = Array.from(document.querySelectorAll('.widget-box')).filter(box =>
      !box.parentElement.closest('.widget-box') && box.querySelector('.widget-output'));
  return boxes.map((box, i) => {
    box.setAttribute('data-explorer', String(i));
    const controls = [];
    const add = (el, kind) => {
      el.setAttribute('data-control', String(controls.length));
      const holder = el.closest('.jupyter-widgets') || el;
      const label = holder.querySelector('.widget-label');
      controls.push({kind, label: label ? label.innerText.trim() : ''});
    };
    box.querySelectorAll('.widget-slider:not(.mod-disabled) .noUi-handle').forEach(el => add(el, 'slider'));
    box.querySelectorAll('.widget-dropdown select:not([disabled])').forEach(el => {
      if (el.options.length > 1) add(el, 'dropdown');
    });
    box.querySelectorAll('.widget-toggle-buttons, .widget-radio-box').forEach(el => add(el, 'choice'));
    return controls;
  });
}
"""

# A short fingerprint of what an explorer's Output areas show (chart images, tables, text).
_SIGNATURE = r"""
(index) => {
  const box = document.querySelector(`[data-explorer="${index}"]`);
  if (!box) return null;
  const html = Array.from(box.querySelectorAll('.widget-output')).map(o => o.innerHTML).join('|');
  let h = 5381;
  for (let i = 0; i < html.length; i++) h = ((h * 33) ^ html.charCodeAt(i)) >>> 0;
  const shows = box.querySelector('.widget-output img, .widget-output table, .widget-output pre') !== null;
  return shows ? `${html.length}:${h}` : '';
}
"""

_CHANGED = "([index, before]) => { const s = (" + _SIGNATURE + ")(index); return s !== null && s !== '' && s !== before; }"

_CONTROL_VALUE = r"""
([index, control]) => {
  const el = document.querySelector(`[data-explorer="${index}"] [data-control="${control}"]`);
  if (!el) return null;
  if (el.matches('.noUi-handle')) {
    const readout = el.closest('.widget-slider').querySelector('.widget-readout');
    return (readout && readout.innerText.trim()) || el.getAttribute('aria-valuetext');
  }
  if (el.matches('select')) return el.value;
  const active = el.querySelector('.mod-active, input:checked');
  return active ? (active.innerText || active.value) : '';
}
"""

_VALUE_DIFFERS = "([e, c, before]) => (" + _CONTROL_VALUE + ")([e, c]) !== before"

# Error outputs as JupyterLab and Voila render them, and the messages Voila and ipywidgets print.
_ERROR_TEXTS = r"""
(selector) => {
  const root = selector ? document.querySelector(selector) : document.body;
  if (!root) return [];
  // JupyterLab renders a traceback with the stderr mime type, like warnings: tell them apart by the text.
  const traceback = /Traceback \(most recent call last\)|^\w*(Error|Exception)\b/m;
  const found = Array.from(root.querySelectorAll(
      '[data-mime-type="application/vnd.jupyter.error"], [data-mime-type="application/vnd.jupyter.stderr"]'))
      .map(el => el.innerText.trim())
      .filter(text => traceback.test(text))
      .map(text => text.slice(-2500));
  const text = root.innerText;
  for (const phrase of ['There was an error when executing cell', 'Cell execution timed out',
                        'Error displaying widget', 'Failed to load model class']) {
    const at = text.indexOf(phrase);
    if (at >= 0) found.push(text.slice(Math.max(0, at - 200), at + 400));
  }
  return found;
}
"""

_CJK_TEXT = r"""
(index) => {
  const box = document.querySelector(`[data-explorer="${index}"]`);
  if (!box) return '';
  const parts = Array.from(box.querySelectorAll('.widget-label, .widget-readout, option, button, label, ' +
      '.widget-output table, .widget-output pre')).map(el => el.innerText || el.textContent || '');
  return parts.join(' ');
}
"""

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Explorer:
    """One explorer widget on the page: its position and its controls (kind and caption)."""

    index: int
    controls: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Move:
    """What moving one control did: which control, from and to which value, and the redraw time."""

    explorer: int
    kind: str
    label: str
    before: str
    after: str
    response_ms: float

    def describe(self) -> str:
        return f"{self.kind} '{self.label}' {self.before!r} -> {self.after!r}: chart/table redrawn in {self.response_ms:.0f} ms"


def find_explorers(page) -> list[Explorer]:
    """Mark every explorer on ``page`` (``data-explorer``, ``data-control``) and list them."""
    found = page.evaluate(_MARK_EXPLORERS)
    return [Explorer(i, tuple((c["kind"], c["label"]) for c in controls)) for i, controls in enumerate(found)]


def signature(page, explorer: int) -> str | None:
    """Fingerprint of what the explorer's Output shows ('' while empty, None when it is gone)."""
    return page.evaluate(_SIGNATURE, explorer)


def wait_until_stable(page, explorer: int, *, quiet_ms: int = 400, timeout_ms: int = 10_000) -> str | None:
    """Wait until the explorer's Output stops changing (a redraw can come in several messages)."""
    last, since = signature(page, explorer), time.monotonic()
    deadline = since + timeout_ms / 1000
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = signature(page, explorer)
        if now != last:
            last, since = now, time.monotonic()
        elif (time.monotonic() - since) * 1000 >= quiet_ms:
            break
    return last


def _value(page, explorer: int, control: int):
    return page.evaluate(_CONTROL_VALUE, [explorer, control])


# Which end of its range a slider handle can still move to: "End" unless it is there already.
_SLIDER_KEY = """
(el) => {
  const now = parseFloat(el.getAttribute('aria-valuenow')), max = parseFloat(el.getAttribute('aria-valuemax'));
  return Number.isFinite(now) && Number.isFinite(max) && now >= max ? 'Home' : 'End';
}
"""


def _move_control(page, explorer: int, control: int, kind: str) -> float | None:
    """Move one control to another value like a user would.

    Returns when the move was made (``time.monotonic()``, so that a redraw is timed from the
    user's action and not from a key press that could not move anything), or None when the
    control cannot move.
    """
    locator = page.locator(f'[data-explorer="{explorer}"] [data-control="{control}"]')
    before = _value(page, explorer, control)
    if kind == "slider":
        first = locator.evaluate(_SLIDER_KEY)
        for key in (first, "Home" if first == "End" else "End"):
            start = time.monotonic()
            locator.press(key)
            try:
                page.wait_for_function(_VALUE_DIFFERS, arg=[explorer, control, before], timeout=2_000)
                return start
            except Exception:  # playwright TimeoutError: the handle was already at that end
                continue
        return None
    if kind == "dropdown":
        options = locator.evaluate("el => Array.from(el.options).map(o => o.value)")
        others = [o for o in options if o != before]
        if not others:
            return False
        nxt = options[(options.index(before) + 1) % len(options)] if before in options else others[0]
        start = time.monotonic()
        locator.select_option(nxt)
        return start
    choices = locator.locator("button:not(.mod-active), input:not(:checked)")
    if choices.count() == 0:
        return None
    start = time.monotonic()
    choices.first.click()
    return start


def move_and_wait(page, explorer: Explorer, *, timeout_ms: int = WIDGET_RESPONSE_TIMEOUT_MS) -> tuple[Move | None, list[str]]:
    """Move the explorer's controls one by one until one changes what its Output shows.

    Returns the successful move (or None) and a line per control tried, for the failure message.
    """
    tried: list[str] = []
    for control, (kind, label) in enumerate(explorer.controls):
        before_sig = wait_until_stable(page, explorer.index)
        before = _value(page, explorer.index, control)
        start = _move_control(page, explorer.index, control, kind)
        if start is None:
            tried.append(f"{kind} '{label}' at {before!r}: could not be moved")
            continue
        after = _value(page, explorer.index, control)
        try:
            page.wait_for_function(_CHANGED, arg=[explorer.index, before_sig], timeout=timeout_ms, polling=50)
        except Exception:  # playwright TimeoutError
            tried.append(f"{kind} '{label}' {before!r} -> {after!r}: output unchanged after {timeout_ms} ms")
            continue
        elapsed = (time.monotonic() - start) * 1000
        return Move(explorer.index, kind, label, str(before), str(after), elapsed), tried
    return None, tried


def scroll_to_explorer(page, explorer: int = 0) -> None:
    """Scroll the page so that the explorer's cell starts at the top (for the screenshot)."""
    page.evaluate("""(index) => { const box = document.querySelector(`[data-explorer="${index}"]`);
                                  if (box) (box.closest('.jp-Cell') || box).scrollIntoView({block: 'start'}); }""", explorer)


def error_texts_in(page, selector: str | None = None) -> list[str]:
    """Error outputs and widget/Voila error messages shown in ``selector`` (default: the page)."""
    return page.evaluate(_ERROR_TEXTS, selector)


def cjk_text_in(page, explorer: int) -> str:
    """The Chinese characters in an explorer's captions, options and tables ('' when none)."""
    return "".join(_CJK.findall(page.evaluate(_CJK_TEXT, explorer)))


def drive_explorers(page, notebook: str, where: str) -> list[Move]:
    """Check every explorer on the page: no error shown, and one of its controls really redraws it.

    Fails (AssertionError naming ``notebook`` and ``where``) when there is no explorer, when
    one shows an error before or after the move, or when no control changes what it shows.
    """
    explorers = find_explorers(page)
    assert explorers, (f"{notebook}: no explorer widget (a widget box with controls and an Output) in {where}; "
                       f"errors on the page: {error_texts_in(page)}")
    moves = []
    for explorer in explorers:
        box = f'[data-explorer="{explorer.index}"]'
        assert explorer.controls, f"{notebook}: explorer {explorer.index} in {where} has no slider, dropdown or buttons"
        wait_until_stable(page, explorer.index)
        errors = error_texts_in(page, box)
        assert not errors, f"{notebook}: explorer {explorer.index} shows an error in {where}:\n" + "\n".join(errors)
        move, tried = move_and_wait(page, explorer)
        assert move is not None, (f"{notebook}: in {where}, moving explorer {explorer.index}'s controls changed "
                                  "nothing it shows:\n" + "\n".join(tried))
        wait_until_stable(page, explorer.index)
        errors = error_texts_in(page, box)
        assert not errors, (f"{notebook}: explorer {explorer.index} shows an error in {where} after "
                            f"{move.describe()}:\n" + "\n".join(errors))
        moves.append(move)
    return moves
