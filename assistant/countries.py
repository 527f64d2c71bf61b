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
def _countries() -> dict[str, str]:
    """Every country's short, common and official name (ISO 3166, from pycountry), each to the
    country's short name: "Islamic Republic of Afghanistan" is "Afghanistan"."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        short = country.name.split(",")[0]  # "Iran, Islamic Republic of" is "Iran"
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:  # "Bolivia, Plurinational State of" is also "Bolivia"
                names.setdefault(name.split(",")[0], short)
    return names


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    """The names, longest first (`country_of` walks them for each new adjective)."""
    return tuple(sorted(_countries(), key=len, reverse=True))


@lru_cache(maxsize=1)
def _country_names() -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in _names()) + r")\b")


def countries_named(text: str) -> set[str]:
    """The countries a text names, each by its short name whichever name it uses: a passage on
    the "Islamic Republic of Afghanistan" names the Afghanistan a question asks about."""
    countries = _countries()
    return {countries[name] for name in _country_names().findall(text)}


@lru_cache(maxsize=1)
def _lower_case_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every name in any case, and each name in lower case to the name as written."""
    return re.compile(_country_names().pattern, re.I), {n.lower(): n for n in _names()}


def as_written(text: str, skip: frozenset[str] = frozenset()) -> str:
    """The text with the country names it types in lower case written as the countries write
    them ("australia", "united kingdom"), except the words in `skip`."""
    pattern, written = _lower_case_names()

    def name(match: re.Match[str]) -> str:
        typed = match.group(0)
        return written[typed] if typed.islower() and typed not in skip else typed

    return pattern.sub(name, text)


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
