"""Check a command line against the command's signature before anything runs.

fire calls a command with the arguments it could consume and complains about the rest
only afterwards, so a misspelt option (``--resmue``) once trained a new model over an
existing bundle before the error appeared. Every command line is checked here first:
an unknown command or option (with the closest known one), an option without its value,
a value of the wrong type, an option given twice or an argument too many is one line and
exit 2, and nothing has been read or written. What passes is handed to fire with every
option written ``--name=value``, so that fire reads it as checked (fire takes the word after
a flag as the flag's value: ``validate --json tunes.abc`` would set json to the file name).
"""

import difflib
import inspect
import re
import types
import typing

from abcrnn.errors import UsageError

HELP_FLAGS = ("--help", "-h")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_BOOLEAN = {"true", "false"}
_SHORT_OPTION = re.compile(r"-[a-zA-Z]")


def check_command_line(commands: dict, argv: list[str]) -> list[str]:
    """The command line as fire should read it; ``UsageError`` unless it names a command and fits it."""
    if not argv:
        raise UsageError(f"no command given; choose one of {', '.join(commands)} (abcrnn COMMAND --help)")
    name, arguments = argv[0], argv[1:]
    if name in HELP_FLAGS:
        return argv
    if name not in commands:
        raise UsageError(f"unknown command {name!r}{_suggestion(name, list(commands), '')} "
                         f"(the commands: {', '.join(commands)})")  # fmt: skip
    if any(argument in HELP_FLAGS for argument in arguments):
        return [name, "--help"]
    return [name, *check_arguments(name, inspect.signature(commands[name]), arguments)]


def check_arguments(command: str, signature: inspect.Signature, arguments: list[str]) -> list[str]:
    """Check one command's arguments (options by name, then the rest in order); return them as fire should read them."""
    parameters = signature.parameters
    given: set[str] = set()
    positional: list[str] = []
    options: list[str] = []
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        index += 1
        if _SHORT_OPTION.fullmatch(argument.split("=")[0]):
            argument = "--" + _long_name(command, parameters, argument[1]) + argument[2:]
        if not argument.startswith("--") or _NUMBER.fullmatch(argument):
            positional.append(argument)
            continue
        option, has_value, value = argument[2:].partition("=")
        name = option.replace("-", "_")
        if name not in parameters:
            raise UsageError(f"{command}: unknown option --{option}"
                             f"{_suggestion(name, list(parameters), '--')}")  # fmt: skip
        if name in given:
            raise UsageError(f"{command}: option --{option} is given twice")
        given.add(name)
        kind = _kind(parameters[name])
        if not has_value and kind is bool and not _next_is_boolean(arguments, index):
            options.append(f"--{option}=True")  # a flag on its own is true
            continue
        if not has_value:
            if index >= len(arguments) or (arguments[index].startswith("--") and not _NUMBER.fullmatch(arguments[index])):
                raise UsageError(f"{command}: option --{option} needs a value")
            value, index = arguments[index], index + 1
        _check_value(command, option, kind, value)
        options.append(f"--{option}={value}")
    # Only what a command needs (a FILE) is written without its option name.
    required = [name for name, parameter in parameters.items()
                if parameter.default is inspect.Parameter.empty and name not in given]  # fmt: skip
    if len(positional) > len(required):
        raise UsageError(f"{command}: unexpected argument {positional[len(required)]!r}")
    for name, value in zip(required, positional):
        _check_value(command, name, _kind(parameters[name]), value)
    if len(positional) < len(required):
        raise UsageError(f"{command}: missing {required[len(positional)].upper()}: see abcrnn {command} --help")
    return positional + options


def _long_name(command: str, parameters, letter: str) -> str:
    """The option a one-letter ``-x`` stands for, as fire offers it: the only one starting with that letter."""
    names = [name for name in parameters if name.startswith(letter)]
    if len(names) != 1:
        raise UsageError(f"{command}: unknown option -{letter}; write the option's whole name")
    return names[0]


def _next_is_boolean(arguments: list[str], index: int) -> bool:
    return index < len(arguments) and arguments[index].lower() in _BOOLEAN


def _kind(parameter: inspect.Parameter) -> type:
    """The type a parameter's value must have: its annotation without ``None``, else its default's."""
    annotation = parameter.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        kinds = [kind for kind in typing.get_args(annotation) if kind is not type(None)]
        annotation = kinds[0] if len(kinds) == 1 else str
    if annotation is inspect.Parameter.empty:
        default = parameter.default
        annotation = type(default) if default not in (None, inspect.Parameter.empty) else str
    return annotation if annotation in (bool, int, float) else str


def _check_value(command: str, option: str, kind: type, value: str) -> None:
    shown = option.replace("_", "-")
    if kind is bool and value.lower() not in _BOOLEAN:
        raise UsageError(f"{command}: --{shown} is true or false, got {value!r}")
    if kind is int and not _INTEGER.fullmatch(value):
        raise UsageError(f"{command}: --{shown} takes a whole number, got {value!r}")
    if kind is float and not _NUMBER.fullmatch(value):
        raise UsageError(f"{command}: --{shown} takes a number, got {value!r}")


def _suggestion(name: str, known: list[str], prefix: str) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {prefix}{close[0].replace('_', '-')}?" if close else ""
