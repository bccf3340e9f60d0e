"""What every explorer shares."""
from __future__ import annotations

__all__ = ["clear_output"]


def clear_output(output) -> None:
    """Clear an Output widget inside a kernel; outside one (scripts, doctests) it prints escape codes."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        output.clear_output(wait=True)
