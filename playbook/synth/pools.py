"""Small pools of names, companies and cities made once by a seeded Faker.

Faker is slow per row (thousands of rows a second); the generator samples these pools
with numpy instead, so a million customers cost the same Faker time as a hundred.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["Pools", "make_pools", "LOCALES"]

LOCALES = ("en_US", "zh_CN")


@dataclass(frozen=True)
class Pools:
    """Arrays of made-up values to sample from."""

    names: np.ndarray
    companies: np.ndarray
    cities: np.ndarray
    reps: np.ndarray
    competitors: np.ndarray


def _unique(make, n: int, limit: int) -> np.ndarray:
    seen: dict[str, None] = {}
    tries = 0
    while len(seen) < n and tries < limit:
        seen.setdefault(make(), None)
        tries += 1
    return np.array(list(seen), dtype=object)


@functools.lru_cache(maxsize=8)
def make_pools(locale: str, seed: int, *, n_names: int = 1500, n_companies: int = 600, n_cities: int = 40) -> Pools:
    """Build the pools for ``locale`` with a Faker seeded by ``seed`` (same seed, same pools).

    Cached: Faker takes about half a second per pool set, and a widget that regenerates a base on
    every slider move asks for the same pools again. The arrays are read-only so no caller can
    change the cached copy.
    """
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed)
    names = _unique(fake.name, n_names, n_names * 4)
    companies = _unique(fake.company, n_companies, n_companies * 6)
    # zh_CN's city_name() gives real city names; en_US only has made-up ones.
    city = getattr(fake, "city_name", None) if locale == "zh_CN" else fake.city
    cities = _unique(city, n_cities, n_cities * 20)
    reps = _unique(fake.name, 12, 200)
    competitors = _unique(fake.company, 6, 200)
    pools = Pools(names=names, companies=companies, cities=cities, reps=reps, competitors=competitors)
    for arr in (names, companies, cities, reps, competitors):
        arr.flags.writeable = False
    return pools
