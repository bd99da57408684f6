"""The tables the docs print from the code: the predicate vocabulary, the settings, the command line, the gates.

The docs call these from cog blocks (``<!-- [[[cog ... ]]] -->``), as datasette does, and
``tests/test_docs.py`` runs ``cog --check`` on them, so a predicate, a setting or a command added to
the code without regenerating the docs fails the test suite. Regenerate with::

    .venv/bin/cog -r -I . README.md docs/*.md

Settings carry no descriptions of their own (their comments in ``app/settings.py`` are for readers of
the code), so :data:`SETTINGS` holds one per field; a field missing from it fails the generation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer

from graph.vocabulary import AGENTS, ANY, PREDICATES, EntityType


def _types(types: frozenset[EntityType]) -> str:
    """A domain or range in a few words: ``agent`` for the four agent types, ``any but`` for most.

    >>> _types(AGENTS | {EntityType.event})
    'agent, event'
    >>> _types(ANY - {EntityType.claim})
    'any but claim'
    """
    if types == ANY:
        return "any"
    if len(ANY - types) <= 2:
        return "any but " + ", ".join(sorted(ANY - types))
    words = sorted(types - AGENTS) if types >= AGENTS else sorted(types)
    return ", ".join((["agent"] if types >= AGENTS else []) + list(words))


def limits() -> str:
    """The gates on expensive work (``app/gates.py``): one row per kind."""
    from app.gates import LIMITS

    rows = ["| kind | what | slots | queue | wait | Retry-After |", "|---|---|---|---|---|---|"]
    rows += [f"| {kind} | {lim.what} | {lim.slots} | {lim.queue} | {lim.wait:g} s | {lim.retry_after} s |"
             for kind, lim in LIMITS.items()]
    return "\n".join(rows)


def vocabulary() -> str:
    rows = ["| predicate | meaning | subject types | object types |", "|---|---|---|---|"]
    rows += [f"| `{p.name}` | {p.meaning} | {_types(p.domain)} | {_types(p.range)} |" for p in PREDICATES.values()]
    return "\n".join(rows)


# What each setting is for, in the docs' words; the variable and its default come from app/settings.py.
SETTINGS: dict[str, tuple[str | None, str]] = {  # field: (default as the docs say it, or None: the code's; meaning)
    "database_url": (None, "any SQLAlchemy URL"),
    "seeds_dir": ("`seeds/` of the checkout, or the copy an installed wheel carries",
                  "stories ingested into an empty database"),
    "seed_on_empty": (None, "whether to ingest the seed stories into an empty database"),
    "cors_origins": (None, "comma-separated origins allowed to read"),
    "cache_max_age": (None, "`Cache-Control` max-age of GET answers, in seconds"),
    "reload_check_seconds": (None, "how often a process checks whether another one changed the stored graph"),
    "workers": (None, "worker processes `storygraph serve` starts (`--workers` overrides)"),
    "sparql_timeout_seconds": (None, "a SPARQL query is stopped after this (504)"),
    "sparql_max_rows": (None, "rows a SPARQL answer carries at most (`truncated` says if more)"),
    "api_tokens": ("none (writes disabled)", "write tokens, comma-separated, each `secret` or `name:secret`"),
    "api_tokens_file": ("none", "a file of write tokens, one per line, `#` starts a comment"),
    "max_body_bytes": (None, "largest request body (413 beyond)"),
    "max_url_bytes": (None, "longest path and query (414 beyond)"),
}


def _default(value: object) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if isinstance(value, list):
        return f"`{','.join(map(str, value))}`"
    return f"`{value}`"


def _variables(name: str, field) -> str:
    choices = getattr(field.validation_alias, "choices", None)
    names = choices if choices else [f"STORYGRAPH_{name.upper()}"]
    return " or ".join(f"`{n}`" for n in names)


def settings() -> str:
    from app.settings import Settings

    fields = Settings.model_fields
    missing = sorted(set(fields) - set(SETTINGS))
    stale = sorted(set(SETTINGS) - set(fields))
    if missing or stale:
        raise SystemExit(f"scripts/doc_tables.py SETTINGS: describe {missing}, drop {stale}")
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in fields.items():
        shown, meaning = SETTINGS[name]
        rows.append(f"| {_variables(name, field)} | {shown or _default(field.default)} | {meaning} |")
    return "\n".join(rows)


def _commands(group, prefix: str) -> Iterable[tuple[str, Any]]:
    """Every leaf command under ``group``, named as it is typed (typer vendors click: no isinstance)."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


def _usage(param) -> str:
    if param.param_type_name == "argument":
        return param.name.upper()
    names = "/".join(param.opts)
    if param.is_flag:
        return f"[{names}]"
    if param.min is not None and param.max is not None:
        value = f"{param.min}-{param.max}"
    else:
        value = param.name.upper() if param.default is None else param.default
    return f"[{names} {value}]"


def cli() -> str:
    from app.cli import cli as app

    rows = ["| command | what it does |", "|---|---|"]
    for name, command in _commands(typer.main.get_command(app), "storygraph"):
        usage = " ".join([name, *(_usage(p) for p in command.params)])
        what = " ".join((command.help or "").split()).replace("|", "\\|").replace("<", "&lt;")
        rows.append(f"| `{usage}` | {what} |")
    return "\n".join(rows)
