"""Settings declared once: a dataclass field with its default and its help, from which a command's
options and the server's request model are made.

``setting(default, help, served)`` declares a field of a settings dataclass (such as
``sampling.sample.SampleSettings``). ``command_from`` makes the command function fire calls:
its signature is the dataclass's fields between the command's own options, its docstring's
``Args`` the fields' help, so ``--help``, the argument check (``commands.arguments``) and the
job read one declaration. ``served`` holds how ``abcrnn serve`` takes the field (pydantic
``Field`` bounds such as ``le=5``, or the name of a server limit; ``name=`` and ``default=``
where the form differs); a field without it is not served, and ``serve.forms`` makes the
request model from the rest.
"""

import inspect
import textwrap
from dataclasses import MISSING, field, fields

_HELP_WIDTH = 108


def setting(default, help: str, served: dict | None = None, command: bool = True):
    """A settings field with its default and help; ``served``: how the server's form takes it (None: it does not);
    ``command``: whether the command has it as an option (False: only the library sets it)."""
    return field(default=default, metadata={"help": help, "served": served, "command": command})


def help_lines(name: str, help: str) -> str:
    """One ``Args`` entry of a docstring, wrapped as fire reads it: fire reads a wrapped line with a colon in it as
    another entry (``tunes: how far`` as the option ``tunes``) or keeps only what comes before the colon
    (``'T:My Jig``), so where a wrapped line would hold one, the entry is one line.

    >>> print(help_lines("n", "how many tunes."))
            n: how many tunes.
    """
    lines = textwrap.wrap(f"{name}: {help}", _HELP_WIDTH - 12)
    if any(":" in line for line in lines[1:]):  # fire would cut the help there: one line
        lines = [" ".join(lines)]
    return "\n".join([" " * 8 + lines[0]] + [" " * 12 + line for line in lines[1:]])


def command_from(run, settings_class, summary: str, before: list[tuple] = (), after: list[tuple] = ()):
    """A command function: the options ``before`` (each ``(name, annotation, default, help)``), the settings'
    fields, then the options ``after``; called, it runs ``run(settings, **options)`` with the settings made."""
    own = [*before, *after]
    declared = [(f.name, f.type, f.default, f.metadata["help"]) for f in fields(settings_class)
                if f.default is not MISSING and f.metadata.get("command", True)]  # fmt: skip
    ordered = [*before, *declared, *after]
    signature = inspect.Signature([inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                                     annotation=annotation) for name, annotation, default, _ in ordered])
    setting_names = {name for name, *_ in declared}

    def command(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        settings = settings_class(**{name: value for name, value in values.items() if name in setting_names})
        return run(settings, **{name: values[name] for name, *_ in own})

    command.__signature__ = signature
    command.__name__ = command.__qualname__ = run.__name__
    command.__module__ = run.__module__
    command.__doc__ = summary + "\n\n    Args:\n" + "\n".join(help_lines(name, help) for name, _, _, help in ordered)
    return command


def served_fields(settings_class) -> dict[str, tuple]:
    """The fields the server takes: form name -> (annotation, default, help, pydantic bounds)."""
    served = {}
    for item in fields(settings_class):
        how = item.metadata.get("served")
        if how is None:
            continue
        how = dict(how)
        name, default = how.pop("name", item.name), how.pop("default", item.default)
        served[name] = (item.type, default, item.metadata["help"], how)
    return served
