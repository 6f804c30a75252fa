"""``abcrnn explain``: a page that looks inside the model as it reads a tune."""

import sys
from pathlib import Path

from abcrnn.pages.explain import explain_data, render_explain


def explain(file: str, out: str = "explain.html", weights: str | None = None, neuron: int | None = None,
            most_tunes: int = 50) -> None:  # fmt: skip
    """Write a page that looks inside the model as it reads the first tune of FILE.

    Under every character, the model's top-5 guesses for the next one, shaded
    by probability; the characters shaded by one LSTM cell's activation. Without
    --neuron, the page offers the cells that best track the position in the bar,
    the header, the part and the beamed groups over the file's tunes.

    Args:
        file: ABC file; its first tune is shown, and up to --most-tunes of its tunes are read to find cells.
        out: the HTML file to write.
        weights: model bundle (default: the shipped model).
        neuron: show this cell (0 to layers x units - 1) instead of the ones found.
        most_tunes: how many of the file's tunes to read when looking for cells.
    """
    from abcrnn.model.bundle import default_weights, load_bundle
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.files import write_atomic

    bundle = load_bundle(weights or default_weights())
    tunes = load_corpus_tunes(file)[: max(1, int(most_tunes))]
    data = explain_data(bundle, tunes, neuron)
    write_atomic(out, render_explain(data, f"Inside {bundle.path.name}: {Path(file).name}"))
    for item in data["cells"]:
        found = f" (r = {item['r']:+.2f})" if item["r"] is not None else ""
        print(f"cell {item['cell']}: {item['tracks']}{found}", file=sys.stderr)
    print(f"wrote {out}", file=sys.stderr)
