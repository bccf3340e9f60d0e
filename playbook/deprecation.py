"""Old parameter names kept for one release, with a DeprecationWarning that names the new one.

Used where issue #15 gave one idea one name (``as_of``, ``since``, ``freq``).
"""
from __future__ import annotations

import functools
import inspect
import warnings

from .errors import InvalidArgumentError

__all__ = ["renamed_parameters", "keyword_only_after", "deprecated_alias", "moved_module"]


def renamed_parameters(**old_to_new: str):
    """Decorate a function so that ``old=`` still works, warns, and means ``new=``.

    >>> @renamed_parameters(period="freq")
    ... def f(*, freq="M"):
    ...     return freq
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(period="Q"), w[0].category.__name__
    ('Q', 'DeprecationWarning')
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            used = [old for old in old_to_new if old in kwargs]
            for old in used:
                new = old_to_new[old]
                if new in kwargs:
                    raise InvalidArgumentError(f"{func.__name__} got both '{old}' and '{new}'; '{old}' is the old name "
                                               f"of '{new}': pass only '{new}'.")
                kwargs[new] = kwargs.pop(old)
            if used:
                renames = ", ".join(f"'{old}' is now '{old_to_new[old]}'" for old in used)
                warnings.warn(f"Parameters of {func.__name__} renamed: {renames}; the old names will be removed "
                              "in the next release.", DeprecationWarning, stacklevel=2)
            return func(*args, **kwargs)

        wrapper.renamed_parameters = dict(old_to_new)
        return wrapper

    return decorate


def keyword_only_after(n: int):
    """Decorate a function whose options became keyword-only after its first ``n``
    parameters: passing them by position still works for one release, with a DeprecationWarning.

    >>> @keyword_only_after(2)
    ... def f(data, as_of=None, *, lang=None):
    ...     return lang
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(1, None, "zh"), str(w[0].message)
    ('zh', "f: pass 'lang' by name (lang=...); by position it will stop working in the next release.")
    """

    def decorate(func):
        names = [p.name for p in inspect.signature(func).parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if len(args) > n:
                extra = names[n:len(args)]
                if len(extra) < len(args) - n:
                    raise InvalidArgumentError(f"{func.__name__} takes at most {len(names)} arguments; got {len(args)}.")
                for name, value in zip(extra, args[n:]):
                    if name in kwargs:
                        raise InvalidArgumentError(f"{func.__name__} got '{name}' twice, by position and by name.")
                    kwargs[name] = value
                args = args[:n]
                shown = ", ".join(f"'{name}'" for name in extra)
                example = ", ".join(f"{name}=..." for name in extra)
                warnings.warn(f"{func.__name__}: pass {shown} by name ({example}); by position it will stop working "
                              "in the next release.", DeprecationWarning, stacklevel=2)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def deprecated_alias(func, old_name: str, **old_to_new: str):
    """``func`` under its old name ``old_name``, for one release: each call warns and names the new spelling.

    ``old_to_new`` maps old keyword names to the new ones (positional arguments keep their places).

    >>> def area(width, height):
    ...     return width * height
    >>> surface = deprecated_alias(area, "surface", w="width")
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     surface(2, 3), surface(w=2, height=3), str(w[0].message)
    (6, 6, 'surface is now area (w= is now width=); the old name will be removed in the next release.')
    """
    renamed = renamed_parameters(**old_to_new)(func) if old_to_new else func

    @functools.wraps(func)
    def alias(*args, **kwargs):
        shown = f" ({', '.join(f'{o}= is now {n}=' for o, n in old_to_new.items())})" if old_to_new else ""
        warnings.warn(f"{old_name} is now {func.__name__}{shown}; the old name will be removed in the next release.",
                      DeprecationWarning, stacklevel=2)
        with warnings.catch_warnings():  # one warning per call: the renamed keywords are in the one above
            warnings.simplefilter("ignore", DeprecationWarning)
            return renamed(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name
    alias.__doc__ = (f"Deprecated: the old name of :func:`{func.__module__}.{func.__name__}` "
                     f"(removed in the next release).\n\n" + (func.__doc__ or ""))
    setattr(alias, "deprecated_alias_of", func)  # noqa: B010 (a new attribute on the wrapper)
    return alias


def moved_module(old: str, new: str) -> None:
    """Called by the module ``old`` when imported: ``old`` becomes the module ``new`` itself
    (every name, private ones too), with a DeprecationWarning; for submodules renamed so that one
    topic has one name in ``playbook/``, ``charts/``, ``widgets/`` and ``exercises/`` (issue #15).
    """
    import importlib
    import sys

    module = importlib.import_module(new)
    warnings.warn(f"{old} is now {new}; the old module name will be removed in the next release.",
                  DeprecationWarning, stacklevel=3)
    sys.modules[old] = module
