"""Shared by the streaming-read tests: one read of an export, streamed or whole-file, as a comparable outcome."""
from __future__ import annotations

import playbook.byod as byod
from playbook.errors import PlaybookError


def outcome(path, streaming: bool, monkeypatch, block: int, **options):
    """What from_orders gives (orders, notes, as_of) or raises (type, message, CLI message), and whether the
    streamed read was the one used; ``block`` is the streaming read's block size in bytes."""
    monkeypatch.setattr(byod, "_STREAM", streaming)
    monkeypatch.setattr(byod, "_STREAM_BLOCK_BYTES", block)
    used = []
    whole = byod._read_orders
    monkeypatch.setattr(byod, "_read_orders", lambda *a, **k: used.append("whole") or whole(*a, **k))
    try:
        base = byod.from_orders(path, options.pop("columns", None), **options)
    except PlaybookError as exc:
        return ("error", type(exc).__name__, str(exc), getattr(exc, "cli_message", None)), not used
    finally:
        monkeypatch.setattr(byod, "_read_orders", whole)
    return ("read", base.orders, base.meta, base.as_of), not used
