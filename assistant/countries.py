"""Country names, and the countries people name by their adjective ("Bangladeshi", "Italian").

A question about "the Bangladeshi official" is about Bangladesh: the corpus that names
Bangladesh mentions what it asks about, even if it never writes "Bangladeshi".
"""

from __future__ import annotations

import re
from functools import lru_cache

# how an adjective of nationality ends after its country's name, which may lose a final vowel:
# Bangladesh-i, Liby-an, Ital-ian, Iran-ian, Sudan-ese, Niger-ien, German(y)
_ADJECTIVE_ENDINGS = ("", "i", "n", "an", "ian", "ien", "ese", "ish", "ite")


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    """Every country's short, common and official name (ISO 3166, from pycountry)."""
    import pycountry

    names: set[str] = set()
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:  # "Bolivia, Plurinational State of" is also "Bolivia"
                names.add(name.split(",")[0])
    return tuple(sorted(names, key=len, reverse=True))


@lru_cache(maxsize=1)
def _country_names() -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in _names()) + r")\b")


def countries_named(text: str) -> set[str]:
    return set(_country_names().findall(text))


@lru_cache(maxsize=4096)
def country_of(adjective: str) -> str | None:
    """The one-word country an adjective of nationality names ("Bangladeshi": "Bangladesh",
    "Afghan": "Afghanistan"), or None."""
    word = adjective.lower()
    for name in _names():
        if " " in name:
            continue
        name_lower = name.lower()
        stems = {name_lower, name_lower[:-1] if name_lower[-1] in "aeiouy" else name_lower}
        if any(
            len(stem) >= 4 and word.startswith(stem) and word[len(stem) :] in _ADJECTIVE_ENDINGS
            for stem in stems
        ):
            return name
        if name_lower == word + "istan":
            return name
    return None
