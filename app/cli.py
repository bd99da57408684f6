"""The ``storygraph`` command: serve, check, ingest, coverage, export."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from graph.errors import SheetInvalid
from graph.ingest import check_path, ingest_path
from graph.readwrite.formats import FORMATS as EXPORT_FORMATS
from graph.stories.coverage import coverage as coverage_of

if TYPE_CHECKING:  # for annotations only: the commands import these where they use them
    from sqlalchemy.engine import Engine

    from app.settings import Settings
    from graph.ingest import Progress
    from graph.model import Story
    from graph.storage.store import WriteResult
    from graph.stories.coverage import Coverage

cli = typer.Typer(help="A knowledge graph of a news story, every fact cited to the article's words.",
                  no_args_is_help=True, add_completion=False)

PathArg = Annotated[Path, typer.Argument(
    help="A story directory (article.txt, meta.yaml, facts.yaml) or a folder of them.")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL; default from settings.")]


def _settings(database_url: str | None = None) -> Settings:
    from app.settings import Settings

    s = Settings()
    return s.model_copy(update={"database_url": database_url}) if database_url else s


@contextmanager
def _engine(database_url: str | None = None, *, schema: bool = False) -> Iterator[Engine]:
    """The command's engine, on the settings' database or ``--database-url``, always disposed.

    With ``schema``, the tables are created or migrated first (a command that writes or checks against them).
    """
    from graph.storage.store import create_schema, make_engine

    engine = make_engine(_settings(database_url).database_url)
    try:
        if schema:
            create_schema(engine)
        yield engine
    finally:
        engine.dispose()


def _fail(exc: SheetInvalid) -> None:
    for fault in exc.faults:
        typer.echo(str(fault), err=True)
    typer.echo(f"rejected: {len(exc.faults)} fault(s); nothing was written", err=True)
    raise typer.Exit(1)


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes; default STORYGRAPH_WORKERS (1). More than one wants PostgreSQL.")] = None,
) -> None:
    """Run the API with uvicorn (seeds an empty database on first start)."""
    import uvicorn

    from graph.errors import SchemaBehind, StoreCorrupt
    from graph.storage.schema import ensure_current, startup_lock

    settings = _settings()
    try:  # refuse here, in one line, rather than in a traceback from every worker
        with _engine() as engine, startup_lock(engine):
            ensure_current(engine)
    except (SchemaBehind, StoreCorrupt) as exc:
        typer.echo(f"storygraph: {exc}", err=True)
        raise typer.Exit(1) from None

    uvicorn.run("app.main:app", host=host, port=port, reload=reload, workers=workers or settings.workers)


def _checked(path: Path, database_url: str | None) -> list[Story]:
    """check_path, against the stored graph when a database is named (sheets that refer to stored nodes)."""
    if database_url is None:
        return check_path(path)
    with _engine(database_url, schema=True) as engine:
        return check_path(path, engine=engine)


@cli.command()
def check(path: PathArg, database_url: DbOpt = None) -> None:
    """Verify fact sheets against their articles without writing anything.

    With --database-url, a sheet may refer to the nodes stored there (by id, name or alias)."""
    try:
        stories = _checked(path, database_url)
    except SheetInvalid as exc:
        _fail(exc)
    sheets = _sheet_files(path)
    for s in stories:
        cov = _coverage(s, sheets)
        explained = f", {cov.explained_clauses} with a reason" if cov.explained_clauses else ""
        typer.echo(f"ok: {s.meta.id}: {len(s.entities)} entities, {len(s.relations)} relations, "
                   f"{cov.covered_clauses}/{len(cov.clauses)} clauses covered by statements{explained}")


def _sheet_files(path: Path) -> dict[str, Path]:
    """Each story's facts.yaml by article id (stories come back in publication order, not folder order)."""
    import yaml

    from graph.stories.files import FACTS, META, story_dirs

    out = {}
    for d in story_dirs(path):
        try:
            meta = yaml.safe_load((d / META).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):  # read and verified a moment ago; a race is not worth a traceback
            continue
        if isinstance(meta, dict) and isinstance(meta.get("id"), str):
            out[meta["id"]] = d / FACTS
    return out


def _coverage(story: Story, sheets: dict[str, Path]) -> Coverage:
    """The story's clause coverage with the reasons its sheet gives for the gaps (``# uncovered:`` comments)."""
    from graph.stories.coverage import explain, read_reasons

    cov = coverage_of(story)
    sheet = sheets.get(story.meta.id)
    if sheet is None:
        return cov
    reasons, problems = read_reasons(sheet.read_text(encoding="utf-8"))
    return explain(cov, reasons, problems)


@cli.command()
def ingest(path: PathArg, database_url: DbOpt = None) -> None:
    """Verify and store stories in one transaction: all or nothing.

    On a terminal: a progress bar, then a one-line summary. Otherwise: a line per article, then the summary."""
    import time

    terminal = sys.stdout.isatty()
    started = time.perf_counter()
    try:
        with _engine(database_url, schema=True) as engine, _ingest_progress(terminal) as progress:
            results = ingest_path(engine, path, progress=progress)
    except SheetInvalid as exc:
        _fail(exc)
    if not terminal:
        for r in results:
            typer.echo(f"{r.status}: {r.article_id}: {r.entities} entities, {r.relations} relations, "
                       f"{r.evidence} evidence spans")
    typer.echo(_ingest_summary(results, time.perf_counter() - started))


def _ingest_summary(results: list[WriteResult], seconds: float) -> str:
    """One line: how many articles went which way, what they hold, and the rate."""
    from collections import Counter

    status = Counter(r.status for r in results)
    relations = sum(r.relations for r in results)
    ways = ", ".join(f"{status[s]} {s}" for s in ("created", "replaced", "unchanged") if status[s])
    return (f"ingested {len(results)} article{'s' if len(results) != 1 else ''} ({ways}): "
            f"{sum(r.entities for r in results)} entities, {relations} relations, "
            f"{sum(r.evidence for r in results)} evidence spans in {seconds:.1f} s "
            f"({relations / seconds if seconds > 0 else 0:,.0f} relations/s)")


class _ingest_progress:
    """A rich progress bar on stderr (reading, then verifying and writing) when on a terminal; else nothing."""

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.bar: Any = None  # a rich Progress once entered on a terminal
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> Progress | None:
        if not self.terminal:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.__enter__()
        return self.update

    def update(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            label = {"read": "reading", "write": "verifying and writing"}.get(phase, phase)
            self.tasks[phase] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[phase], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@cli.command()
def coverage(
    path: PathArg,
    fail_under: Annotated[float, typer.Option(
        help="Exit 1 if the share of clauses covered or explained (percent) is lower.")] = 0.0,
    database_url: DbOpt = None,
) -> None:
    """Each sentence with the statements that cite it, its clauses no statement touches, and the share.

    A gap left on purpose carries a reason in facts.yaml: # uncovered: "<words of the clause>" — <reason>"""
    try:
        stories = _checked(path, database_url)
    except SheetInvalid as exc:
        _fail(exc)
    sheets = _sheet_files(path)
    worst = 100.0
    for s in stories:
        cov = _coverage(s, sheets)
        typer.echo(f"# {s.meta.id}")
        for row in cov.sentences:
            open_ = [c for c in row.clauses if not c.covered and not c.reason]
            mark = "✗" if open_ else "✓"
            text = textwrap.shorten(" ".join(row.sentence.text.split()), 100)
            typer.echo(f"{mark} [{row.sentence.index:>2}] {row.covered_clauses}/{len(row.clauses)} {text}")
            typer.echo(f"       {', '.join(row.facts) if row.facts else '(no statement cites this sentence)'}")
            for c in row.clauses:
                if c.covered:
                    continue
                words = textwrap.shorten(" ".join(c.clause.text.split()), 90)
                where = f"{c.clause.start}-{c.clause.end}"
                typer.echo(f"       · {where} \"{words}\" — {c.reason}" if c.reason else
                           f"       ✗ {where} \"{words}\" (no statement touches this clause)")
        for problem in cov.reason_problems:
            typer.echo(f"! {sheets[s.meta.id]}: {problem}")
        share = 100 * cov.share
        worst = min(worst, share)
        typer.echo(f"coverage: {cov.covered_clauses + cov.explained_clauses}/{len(cov.clauses)} clauses = {share:.1f}% "
                   f"({cov.covered_clauses} covered, {cov.explained_clauses} with a reason); "
                   f"{cov.covered}/{len(cov.sentences)} sentences cited by a statement")
    if worst < fail_under:
        raise typer.Exit(1)


@cli.command()
def export(
    format: Annotated[str, typer.Option(
        "--format", "-f", help="One of: " + ", ".join(EXPORT_FORMATS) + ".")] = "node-link",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")] = None,
    entity: Annotated[str | None, typer.Option(
        "--entity", "-e", help="Only this entity's neighbourhood (id, name or alias).")] = None,
    depth: Annotated[int, typer.Option(
        "--depth", "-d", min=1, max=3, help="Hops around --entity, either direction.")] = 1,
    database_url: DbOpt = None,
) -> None:
    """Write the stored graph (or an entity's neighbourhood) in an export format.

    Text formats go to stdout without -o; csv (a zip) needs -o unless stdout is a pipe.
    """
    from sqlalchemy import func, select
    from sqlmodel import Session

    from graph.errors import StorygraphError
    from graph.indexing.index import load_index
    from graph.readwrite import exports
    from graph.readwrite.stream import export_stream
    from graph.storage.tables import EntityRow, RelationRow

    if format not in EXPORT_FORMATS:
        typer.echo(f"--format: '{format}' is not one of {', '.join(EXPORT_FORMATS)}", err=True)
        raise typer.Exit(2)
    fmt = EXPORT_FORMATS[format]
    text = exports.is_text(fmt)
    if output is None and not text and sys.stdout.isatty():
        typer.echo(f"--format {format} writes a binary {fmt.extension} file: give -o FILE (or redirect stdout)",
                   err=True)
        raise typer.Exit(2)
    with _engine(database_url) as engine:
        if entity is None:  # the whole graph streams from one snapshot: no index, bounded memory
            with engine.connect() as conn:
                counts = [conn.execute(select(func.count()).select_from(t)).scalar_one()
                          for t in (EntityRow, RelationRow)]
            _write_chunks(export_stream(engine, fmt), output, text)
        else:
            with Session(engine) as session:
                ix = load_index(session)
            try:
                g = exports.neighborhood_graph(ix, ix.names.resolve(entity, parameter="--entity"), depth=depth)
            except StorygraphError as exc:
                typer.echo(exc.detail, err=True)
                raise typer.Exit(1) from None
            counts = [g.number_of_nodes(), g.number_of_edges()]
            _write_chunks(iter([fmt.render(ix, g)]), output, text)
    if output:
        typer.echo(f"wrote {output} ({fmt.name}, {counts[0]} entities, {counts[1]} relations)", err=True)


def _write_chunks(chunks: Iterable[bytes], output: Path | None, text: bool) -> None:
    """Chunks to ``output``, or to stdout with a final newline for text formats."""
    last = b""
    with (open(output, "wb") if output else nullcontext(sys.stdout.buffer)) as out:
        if not output:
            sys.stdout.flush()
        for chunk in chunks:
            if chunk:
                out.write(chunk)
                last = chunk
        if not output:
            if text and not last.endswith(b"\n"):
                out.write(b"\n")
            out.flush()


db_cli = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@db_cli.command("upgrade")
def db_upgrade(database_url: DbOpt = None) -> None:
    """Migrate the database to the schema this version of storygraph needs."""
    from graph.storage import schema

    with _engine(database_url) as engine:
        before = schema.current(engine)
        schema.upgrade(engine)
        after = schema.current(engine)
    typer.echo(f"schema: {before or 'empty'} -> {after}" if before != after else f"schema: {after} (up to date)")


@db_cli.command("current")
def db_current(database_url: DbOpt = None) -> None:
    """Print the database's schema revision and the one this code needs; exit 1 if they differ."""
    from graph.storage import schema

    with _engine(database_url) as engine:
        have, want = schema.current(engine), schema.head()
    typer.echo(f"database: {have or 'none'}; code: {want}")
    if have != want:
        raise typer.Exit(1)


def main() -> None:
    from sqlalchemy.exc import DBAPIError

    from graph.errors import SchemaBehind, StoreCorrupt
    from graph.storage.store import storage_error

    try:
        cli()
    except (SchemaBehind, StoreCorrupt) as exc:  # a database no command can use: one line, no traceback
        typer.echo(f"storygraph: {exc}", err=True)
        sys.exit(1)
    except DBAPIError as exc:  # a full or read-only database is the operator's to fix: one line, no traceback
        known = storage_error(exc)
        if known is None:
            raise
        typer.echo(f"storygraph: {known.detail}", err=True)
        sys.exit(1)
