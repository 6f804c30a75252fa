"""Mutated tunes for fuzzing: real corpus tunes with characters replaced, inserted or deleted,
lines swapped and header fields garbled, as a high temperature or a careless edit would.

``mutate`` is pure (a tune and a list of mutations in, a tune out), so hypothesis
can shrink a failing case and the benchmark can replay any seed.
"""

import random

# Characters ABC gives meaning to, and some it does not.
ALPHABET = "ABCDEFGabcdefgz|:[]/0123456789,'^_=-()<>{}~!\"MLKQT \n#%+.Hé\t"
KINDS = ("replace", "insert", "delete", "swap lines", "garble field")
GARBLED_FIELDS = "MLKQ"


def mutate(tune: str, mutations: list[tuple[str, float, str]]) -> str:
    """Apply ``(kind, where in 0..1, text)`` mutations to a tune in turn."""
    for kind, where, text in mutations:
        position = int(where * len(tune))
        if kind == "replace":
            tune = tune[:position] + text[:1] + tune[position + 1 :]
        elif kind == "insert":
            tune = tune[:position] + text + tune[position:]
        elif kind == "delete":
            tune = tune[:position] + tune[position + max(1, len(text)) :]
        elif kind == "swap lines":
            lines = tune.split("\n")
            first, second = int(where * len(lines)) % len(lines), len(text) % len(lines)
            lines[first], lines[second] = lines[second], lines[first]
            tune = "\n".join(lines)
        else:  # garble a field: a new value for M:, L:, K: or Q: (added if missing)
            letter = GARBLED_FIELDS[position % len(GARBLED_FIELDS)]
            lines = tune.split("\n")
            found = [i for i, line in enumerate(lines) if line.startswith(f"{letter}:")]
            if found:
                lines[found[0]] = f"{letter}:{text}"
            else:
                lines.insert(min(2, len(lines)), f"{letter}:{text}")
            tune = "\n".join(lines)
    return tune


def random_mutations(rng: random.Random, most: int = 4) -> list[tuple[str, float, str]]:
    """One to ``most`` random mutations, as the benchmark draws them."""
    return [(rng.choice(KINDS), rng.random(), "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8))))
            for _ in range(rng.randint(1, most))]  # fmt: skip
