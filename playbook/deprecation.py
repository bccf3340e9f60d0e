"""Old parameter names kept for one release, with a DeprecationWarning that names the new one.

Used where issue #15 gave one idea one name (``as_of``, ``since``, ``freq``).
"""
from __future__ import annotations

import functools
import warnings

from .errors import InvalidArgumentError

__all__ = ["renamed_parameters"]


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
