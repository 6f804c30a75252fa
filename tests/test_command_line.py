"""Bad command lines: one line, exit 2, and nothing read or written; --help on every command."""

import os
import stat

import pytest

from abcrnn.cli import COMMANDS
from conftest import DATA, TINY_ARGS, assert_one_line_error, run_cli

# A real invocation of each command, whose last option is then misspelt.
INVOCATIONS = {
    "corpus": ["--out", "{out}/c.abc", "--rhythm", "jig"],
    "train": ["--corpus", str(DATA / "jigs120.abc"), "--out", "{out}/bundle", "--epochs", "1"],
    "sample": ["--n", "1", "--out", "{out}/s.abc"],
    "validate": [str(DATA / "jigs120.abc"), "--json"],
    "midi": [str(DATA / "jigs120.abc"), "--out", "{out}/midi"],
    "page": [str(DATA / "jigs120.abc"), "--out", "{out}/p.html"],
    "explain": [str(DATA / "jigs120.abc"), "--out", "{out}/e.html"],
    "evaluate": ["--corpus", str(DATA / "jigs120.abc")],
    "transpose": [str(DATA / "jigs120.abc"), "--semitones", "2", "--out", "{out}/t.abc"],
    "serve": ["--db", "{out}/book.sqlite", "--port", "8000"],
    "chords": [str(DATA / "jigs120.abc"), "--out", "{out}/chorded.abc"],
    "musicxml": [str(DATA / "jigs120.abc"), "--out", "{out}/scores"],
}


def misspelt(arguments: list[str]) -> list[str]:
    """The same arguments with the last option's name misspelt (two letters swapped)."""
    index = max(i for i, argument in enumerate(arguments) if argument.startswith("--"))
    name = arguments[index]
    return arguments[:index] + [name[:3] + name[4] + name[3] + name[5:]] + arguments[index + 1 :]


def test_every_command_has_an_invocation():
    assert set(INVOCATIONS) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(INVOCATIONS))
def test_a_misspelt_option_writes_nothing(command, tmp_path):
    arguments = [argument.format(out=tmp_path) for argument in INVOCATIONS[command]]
    wrong = misspelt(arguments)
    result = run_cli(command, *wrong)
    option = [argument for argument in wrong if argument not in arguments][0]
    assert_one_line_error(result, f"unknown option {option}", "did you mean")
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a folder
    assert result.stdout == ""  # nothing run


BAD_COMMAND_LINES = [
    ([], "no command given"),
    (["smaple"], "unknown command 'smaple'; did you mean sample?"),
    (["sample", "--n", "1", "--out"], "option --out needs a value"),
    (["sample", "--n", "two"], "--n takes a whole number, got 'two'"),
    (["sample", "--n", "1.5"], "--n takes a whole number"),
    (["sample", "--temperature", "hot"], "--temperature takes a number"),
    (["sample", "--n", "2", "--n", "3"], "option --n is given twice"),
    (["sample", "--valid-only", "maybe"], "unexpected argument 'maybe'"),
    (["sample", "-q", "3"], "unknown option -q"),
    (["validate"], "missing FILE"),
    (["validate", "a.abc", "b.abc"], "unexpected argument 'b.abc'"),
    (["train", "--resmue"], "unknown option --resmue; did you mean --resume?"),
    (["train", "--epochs", "--resume"], "option --epochs needs a value"),
    (["midi", "x.abc", "--tempo=fast"], "--tempo takes a number, got 'fast'"),
    (["transpose", "x.abc", "--semitones", "-2.5"], "--semitones takes a whole number"),
    (["evaluate", "--samples"], "option --samples needs a value"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_COMMAND_LINES, ids=lambda value: " ".join(value)[:40])
def test_bad_command_lines_are_one_line_errors(arguments, message, tmp_path):
    result = run_cli(*arguments, cwd=tmp_path)
    assert_one_line_error(result, message)
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_checked_options_reach_the_command_as_written():
    from abcrnn.commands.arguments import check_command_line

    # fire would take the file after --json as the flag's value; the checked line cannot be misread.
    assert check_command_line(COMMANDS, ["validate", "--json", "a.abc"]) == ["validate", "a.abc", "--json=True"]
    assert check_command_line(COMMANDS, ["sample", "-n", "3", "--top-p", "0.5", "--valid-only", "false"]) == [
        "sample", "--n=3", "--top-p=0.5", "--valid-only=false"]  # fmt: skip
    assert check_command_line(COMMANDS, ["transpose", "x.abc", "--semitones", "-2"])[-1] == "--semitones=-2"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_on_every_command(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    shown = result.stdout + result.stderr  # fire writes help to stderr when it is not a terminal
    assert f"abcrnn {command}" in shown and "FLAGS" in shown


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_gives_every_option_its_whole_description(command):
    """fire reads each option's help from the docstring's Args; a wrapped line that starts with "word:" would be
    read as another option's, and the help cut there (train, sample and evaluate had seven such)."""
    import inspect

    from fire import docstrings

    function = COMMANDS[command]
    entries = {arg.name: arg.description for arg in docstrings.parse(function.__doc__ or "").args or []}
    assert set(entries) <= set(inspect.signature(function).parameters), command
    # and each option's description is the whole of its help, every colon and what follows it kept
    written = _docstring_entries(function.__doc__ or "")
    for name, description in entries.items():
        assert " ".join(description.split()) == written[name], (command, name)


def _docstring_entries(doc: str) -> dict[str, str]:
    """Each Args entry of a docstring as written: its first line after "name: ", and the lines indented under it."""
    entries, name = {}, None
    for line in doc.split("Args:", 1)[-1].splitlines():
        indent = len(line) - len(line.lstrip())
        if indent == 8 and ":" in line:
            name, text = line.strip().split(":", 1)
            entries[name] = text.strip()
        elif indent > 8 and name:
            entries[name] += " " + line.strip()
        elif line.strip():
            name = None
    return entries


def test_training_into_a_bundle_needs_resume_or_overwrite(tiny_bundle, tmp_path):
    import shutil

    out = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    result = run_cli("train", "--corpus", str(DATA / "jigs120.abc"), "--out", str(out), "--epochs", "3", *TINY_ARGS)
    assert_one_line_error(result, "already holds a model", "--resume", "--overwrite")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    both = run_cli("train", "--corpus", str(DATA / "jigs120.abc"), "--out", str(out), "--resume", "--overwrite")
    assert_one_line_error(both, "choose one")


def test_written_files_follow_the_umask(tmp_path):
    from abcrnn.files import atomic_directory, write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "tunes.abc", "X:1\n")
        with atomic_directory(tmp_path / "bundle") as folder:
            (folder / "a").write_text("x")
        os.umask(0o077)
        write_atomic(tmp_path / "private.abc", "X:1\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "tunes.abc").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "bundle").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "private.abc").stat().st_mode) == 0o600
