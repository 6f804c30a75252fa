"""Titles that fit the tune: a sampled title never names a dance other than the tune's rhythm.

The model writes the title after the rhythm and meter, yet still called one jig in four
a reel or a hornpipe ("Laves of Barrmerrow -- Reel"): the corpus titles few tunes by their
dance, too few to learn from. So a sampled title that names only other dances has them
renamed as the tune's own (in the same case), and a title that also names the tune's own
dance ("The Butcher's March -- Jig", as the corpus has it) is kept.
"""

import re

from abcrnn.text.abc import header_fields

# Dance names a title may carry ("Parth's Reel", "Farrop -- Hornpipe"), longest first.
TITLE_RHYTHMS = ("slip jig", "set dance", "schottische", "strathspey", "hornpipe", "mazurka", "fling", "march",
                 "polka", "slide", "waltz", "reel", "jig")  # fmt: skip
_NAMED = re.compile(r"\b(" + "|".join(name.replace(" ", r"[\s-]?") for name in TITLE_RHYTHMS) + r")s?\b",
                    re.IGNORECASE)  # fmt: skip


def named_rhythms(title: str) -> list[re.Match]:
    """The dance names in a title, as matches.

    >>> [match.group(0) for match in named_rhythms("THE SLIP JIG -- Reel")]
    ['SLIP JIG', 'Reel']
    """
    return list(_NAMED.finditer(title))


def _rhythm(word: str) -> str:
    from abcrnn.text.rhythms import rhythm_name

    return rhythm_name(re.sub(r"s$", "", word.lower()) if word.lower() != "schottische" else word)


def title_names_another_rhythm(tune: str) -> bool:
    """Whether the title names a dance other than the tune's own R: (a jig called a reel); False without R:.

    >>> title_names_another_rhythm("X:1\\nT:Parth's Reel\\nR:jig\\nK:G"), title_names_another_rhythm(
    ...     "X:1\\nT:The Slip Jig\\nR:slip jig\\nK:G")
    (True, False)
    """
    from abcrnn.text.rhythms import rhythm_name

    fields = header_fields(tune)
    if not fields.get("R"):
        return False
    own = rhythm_name(fields["R"])
    return any(_rhythm(match.group(1)) != own for match in named_rhythms(fields.get("T", "")))


def consistent_title(tune: str) -> str:
    """The tune with a title that names only other dances renamed as its own rhythm.

    >>> print(consistent_title("X:1\\nT:Laves of Barrmerrow -- REEL\\nR:jig\\nK:G\\nGAB|"))
    X:1
    T:Laves of Barrmerrow -- JIG
    R:jig
    K:G
    GAB|
    >>> consistent_title("X:1\\nT:The Butcher's March -- Jig\\nR:jig\\nK:G").split("\\n")[1]
    "T:The Butcher's March -- Jig"
    """
    from abcrnn.text.rhythms import rhythm_name

    fields = header_fields(tune)
    title, own = fields.get("T", ""), rhythm_name(fields.get("R", "")) if fields.get("R") else ""
    named = named_rhythms(title)
    if not own or not named or any(_rhythm(match.group(1)) == own for match in named):
        return tune

    def own_name(match: re.Match) -> str:
        word = match.group(0)
        return own.upper() if word.isupper() else own.title() if word[:1].isupper() else own

    renamed = _NAMED.sub(own_name, title)
    return re.sub(rf"^T:{re.escape(title)}$", lambda _: f"T:{renamed}", tune, count=1, flags=re.MULTILINE)
