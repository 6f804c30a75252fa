"""The benchmarks' own readings of a tune (the benchmarks themselves run at length, outside the suite)."""

import sys

from conftest import ROOT

from abcrnn.text.bars import closes_as_first_part

sys.path.insert(0, str(ROOT))

from bench.returns import second_part_cuts  # noqa: E402


def test_the_returns_bench_cuts_a_second_part_before_each_of_its_bars():
    tune = "X:1\nM:6/8\nL:1/8\nK:G\n|:GAB dBG|ABc d3:|\n|:gfe dBG|AGF G3|gfe dBG|ABc d3:|\n"
    cuts = second_part_cuts(tune)
    assert [tune[cut:].split("|")[0] for cut in cuts[1:]] == ["AGF G3", "gfe dBG", "ABc d3:"]
    assert tune[: cuts[0]].endswith("d3:|") and closes_as_first_part(tune)
    assert second_part_cuts("X:1\nK:G\n|:GAB dBG|ABc d3:|\n|:gfe dBG|ABc d3:|\n") is None  # two bars: too short
    assert closes_as_first_part(tune.removesuffix("ABc d3:|\n") + "AGF G3:|\n") is False
    assert closes_as_first_part("X:1\nK:G\nGAB dBG|ABc d3|]\n") is None
