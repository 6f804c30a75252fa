"""``abcrnn evaluate``: score a file with a model, or report on sampled tunes."""

import sys


from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.errors import AbcrnnError
from abcrnn.model.bundle import load_bundle
from abcrnn.sampling.evaluate import FIRST_BAR, HEADER, REPEATED_BAR, score_tunes
from abcrnn.sampling.quality import COPIED_BARS, FORM_LABELS
from abcrnn.training.corpus import load_corpus_tunes


def evaluate(weights: str | None = None, corpus: str | None = None, samples: str | None = None,
             time_limit: float = DEFAULT_TIME_LIMIT) -> None:  # fmt: skip
    """Score an ABC file with a model (bits per character), or report on sampled tunes.

    Args:
        weights: model bundle folder (default: the shipped folk model, weights/folk).
        corpus: ABC file to score; tunes are cleaned as for training, each scored from a fresh state; with
            --samples, the human tunes the samples are compared with (by default the jigs shipped with abcrnn,
            corpora/jigs.abc, found from any folder).
        samples: ABC file of sampled tunes: report how many parse, pass validation, end
            with a closing bar line, have two parts, copy 4+ bars of a corpus tune, and how
            close their pitches and intervals are to the corpus.
        time_limit: with --samples, seconds music21 may take to read one tune; a slower one counts as unreadable.
    """
    from abcrnn.model.bundle import default_weights
    from abcrnn.training.corpus import shipped_corpus

    corpus = corpus if corpus is not None else str(shipped_corpus())
    if samples is not None:
        from abcrnn.files import read_tunes
        from abcrnn.progress import progress_printer
        from abcrnn.sampling.quality import quality_report
        from abcrnn.text.abc import music_lines

        sampled = read_tunes(samples)
        if not any(line.strip() for tune in sampled for line in music_lines(tune)):
            raise AbcrnnError(f"{samples}: none of its tunes has any music after its K: line ({len(sampled)} read)")
        tunes = load_corpus_tunes(corpus)
        print(f"comparing {len(sampled)} sampled tunes with {len(tunes)} tunes of {corpus}", file=sys.stderr)
        report = quality_report(sampled, tunes, progress_printer(len(tunes), "read corpus tunes:"),
                                check_time_limit(time_limit))  # fmt: skip
        print_quality_report(report)
        print_style(sampled, tunes)
        return
    tunes = load_corpus_tunes(corpus)
    weights = weights or default_weights()
    bundle = load_bundle(weights)
    engine = bundle.engine()  # corrupt weights are refused before the work is announced
    print(f"scoring {len(tunes)} tunes from {corpus} with {weights}", file=sys.stderr)
    result = score_tunes(bundle, tunes, engine)
    print(f"tunes: {result['tunes']}")
    print(f"characters: {result['characters']}")
    print(f"bits per char: {result['bits_per_char']:.3f}")
    print(f"bits per tune: {result['bits_per_tune']:.1f}")
    by_kind = result["bits_per_char_by_kind"]
    print(f"bits per char in the header: {by_kind[HEADER]:.3f}, in bars heard for the first time: "
          f"{by_kind[FIRST_BAR]:.3f}, in bars that repeat an earlier bar of the tune: {by_kind[REPEATED_BAR]:.3f} "
          f"({100 * result['repeated_share']:.0f}% of the bars' characters)")  # fmt: skip
    listed = " ".join(repr(c) for c in result["unseen_characters"])
    print(
        f"unseen characters: {result['unseen_count']}"
        + (f" ({listed}; each scored as a uniform guess)" if listed else "")
    )


def print_quality_report(report: dict) -> None:
    """Print the report for people: shares first, then each tune's closest corpus tune."""
    percent = lambda key: f"{100 * report[key]:.1f}%"  # noqa: E731
    print(f"sampled tunes: {report['tunes']}")
    print(f"music21 parses: {percent('parse')}")
    print(f"pass validation: {percent('valid')}")
    print(f"end with a closing bar line: {percent('closing_bar_line')}")
    print(f"complete (ended by the model, not cut at --max-chars): {percent('complete')}")
    print(f"two or more parts: {percent('two_or_more_parts')}")
    print(f"copy {COPIED_BARS}+ consecutive bars of a corpus tune: {percent('copies_4_bars')}")
    print(f"pitch-class divergence from corpus: {report['pitch_js']:.4f} bits "
          f"(two halves of the corpus: {report['pitch_js_corpus_halves']:.4f})")  # fmt: skip
    print(f"interval divergence from corpus: {report['interval_js']:.4f} bits "
          f"(two halves of the corpus: {report['interval_js_corpus_halves']:.4f})")  # fmt: skip
    print(f"key divergence from corpus: {report['key_js']:.4f} bits "
          f"(two halves of the corpus: {report['key_js_corpus_halves']:.4f})")  # fmt: skip
    print(f"rhythm divergence from corpus: {report['rhythm_js']:.4f} bits")
    shares = lambda counts: ", ".join(f"{name} {count / sum(counts.values()):.0%}"  # noqa: E731
                                      for name, count in list(counts.items())[:8])  # fmt: skip
    print(f"keys: {shares(report['keys'])} (corpus: {shares(report['corpus_keys'])})")
    print(f"rhythms: {shares(report['rhythms'])}")
    print(f"titles naming another rhythm (a jig called a reel): {percent('titles_another_rhythm')} "
          f"(corpus: {percent('corpus_titles_another_rhythm')})")  # fmt: skip
    print_form(report["form"], report["corpus_form"])
    print("per tune: X, valid, copies 4 bars, closest corpus tune (share of bars shared)")
    for tune in report["per_tune"]:
        print(
            f"  X:{tune['x']} {tune['title'][:30]!r}: {'valid' if tune['valid'] else 'invalid'}, "
            f"{'COPIES' if tune['copies_bars'] else 'new'}, closest {tune['closest']!r} ({tune['shared_bars']:.0%})"
        )


def print_style(samples: list[str], corpus: list[str]) -> None:
    """The pitch, move and note-length mixes beside the corpus's, and how well a classifier tells them apart."""
    from abcrnn.sampling.style import DEGREES, LENGTHS, MOVES, mixes, style_readings, tonic_shares, two_sample_auc

    rhythm, alike = _of_their_rhythm(samples, corpus)
    samples, corpus = style_readings(samples), style_readings(corpus)  # each tune read once, for every figure
    ours, theirs = mixes(samples), mixes(corpus)
    for title, names in (("degrees of the key (semitones above the tonic)", DEGREES), ("moves", MOVES),
                         ("note lengths", LENGTHS + ["in a dotted pair"])):  # fmt: skip
        shown = ", ".join(f"{name.removeprefix('degree ')} {100 * ours[name]:.1f}|{100 * theirs[name]:.1f}"
                          for name in names)  # fmt: skip
        print(f"{title} (samples|corpus, %): {shown}")
    our_tonic, their_tonic = tonic_shares(samples), tonic_shares(corpus)
    print("the tonic's share of the notes (samples|corpus, %): "
          + ", ".join(f"{name} {_percent(our_tonic[name])}|{_percent(their_tonic[name])}" for name in our_tonic))
    try:
        auc, leaning = two_sample_auc(samples, corpus)
        halves, _ = two_sample_auc(corpus[0::2], corpus[1::2])
    except ValueError as error:
        print(f"two-sample classifier: not run ({error})")
        return
    telling = ", ".join(f"{name} ({'more' if weight > 0 else 'less'} in the samples)" for name, weight in leaning[:4])
    print(f"two-sample classifier on these mixes, cross-validated AUC: {auc:.3f} (0.5: cannot tell them apart; "
          f"two halves of the corpus: {halves:.3f}); it leans most on {telling}")
    if rhythm is not None:
        those = [reading for reading, same in zip(corpus, alike) if same]
        print_beside_their_rhythm(samples, ours, our_tonic, those, rhythm)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}"


def _of_their_rhythm(samples: list[str], corpus: list[str]) -> tuple[str | None, list[bool]]:
    """The rhythm every sample's R: names, and which corpus tunes name it too; (None, []) where the samples name
    several or none, or where every corpus tune or none names it (a comparison with the rest would add nothing)."""
    from abcrnn.text.abc import header_fields
    from abcrnn.text.rhythms import rhythm_name

    named = lambda tune: rhythm_name(header_fields(tune).get("R", ""))  # noqa: E731
    rhythms = {named(tune) for tune in samples}
    if len(rhythms) != 1 or not (rhythm := rhythms.pop()):
        return None, []
    alike = [named(tune) == rhythm for tune in corpus]
    return (rhythm, alike) if 0 < sum(alike) < len(alike) else (None, [])


def print_beside_their_rhythm(samples: list, our_mixes: dict, our_tonic: dict, alike: list, rhythm: str) -> None:
    """The figures of the long tail beside only the corpus tunes whose R: names the samples' rhythm (``alike``,
    read by ``style_readings``; the samples' mixes and tonic shares as ``print_style`` has them): a model asked
    for R:jig writes as the tunes so marked do, and a corpus of jigs may hold unmarked ones of another style."""
    from abcrnn.sampling.style import mixes, tonic_shares, two_sample_auc

    theirs = mixes(alike)
    shown = [f"{label} {_percent(our_mixes[name])}|{_percent(theirs[name])}"
             for label, name in (("the tonic", "degree 0"), ("fifth or more", "fifth or more"),
                                 ("in a dotted pair", "in a dotted pair"))]  # fmt: skip
    home = "ending on the tonic"
    shown.append(f"the tonic in tunes {home} {_percent(our_tonic[home])}|{_percent(tonic_shares(alike)[home])}")
    try:
        auc = f"{two_sample_auc(samples, alike)[0]:.3f}"
    except ValueError as error:
        auc = f"not run ({error})"
    print(f"beside the {len(alike)} corpus tunes whose R: says {rhythm}, as the samples' does (samples|those, %): "
          f"{', '.join(shown)}; classifier AUC {auc}")


def print_form(form: dict, corpus_form: dict) -> None:
    """The musician's measures of the samples beside the corpus's."""
    print("the musician's measures (samples | corpus):")
    for name, label in FORM_LABELS.items():
        shown = (lambda v: f"{v:.1f}") if name == "range" else (lambda v: f"{100 * v:.1f}%")
        print(f"  {label}: {shown(form[name])} | {shown(corpus_form[name])}")
