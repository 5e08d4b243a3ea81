"""The central index's command line: ``python -m server`` / ``everychild-index``.

Subcommands: ``serve`` (migrate, then run the HTTP service), ``migrate``, ``seed-demo``
(idempotent synthetic demo data), ``create-user`` (password from ``getpass`` or the
``EVERYCHILD_NEW_PASSWORD`` environment variable, never an argument, so it stays out of
shell history and process lists) and ``retention`` (destroy records of children who have
reached the retention age; ``--dry-run`` only counts them).

Settings come from ``server.config.Settings`` (``EVERYCHILD_*`` environment variables)
with command-line options overriding them. Expected trouble — an unusable database URL,
a taken username — is one line on stderr and a non-zero exit status, never a traceback.
Output names users and counts records; it never prints a child's details or a database
password.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pydantic
import uvicorn
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicCommandError
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from app.domain.audit import AuditAction
from app.domain.errors import DomainError
from app.domain.roles import Role
from app.domain.services import default_catalogue
from server import __version__, migrate
from server.app import create_app
from server.audit import trail
from server.auth.service import create_user
from server.config import Settings
from server.db import make_engine, make_session_factory, transaction, utcnow
from server.demo.seed import seed_demo
from server.demo.users import DEMO_PASSWORD
from server.retention import due_record_ids, run_retention

EXIT_OK = 0
#: The command could not do what was asked (database unreachable, username taken, …).
EXIT_FAILURE = 1
#: The command line itself was wrong (argparse uses the same status).
EXIT_USAGE = 2

PASSWORD_ENV = "EVERYCHILD_NEW_PASSWORD"  # noqa: S105 - the variable's name, not a password
DEFAULT_DEMO_CHILDREN = 3000
DEFAULT_DEMO_SEED = 2004

_USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
_SUPPORTED_BACKENDS = ("sqlite", "postgresql")

#: uvicorn configures this logger, so startup lines match its own.
log = logging.getLogger("uvicorn.error")


class CommandError(Exception):
    """Expected trouble, explained in one line for the operator."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --- argument parsing -------------------------------------------------------------------


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the index database, e.g. postgresql+psycopg://user@host/db or "
        "sqlite:////path/index.db (default: EVERYCHILD_DATABASE_URL, else an SQLite file "
        "in the user's data directory)",
    )


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Everychild central index: run the service and look after its database.",
        epilog="Exit status: 0 success, 1 the command failed, 2 the command line was wrong.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database, then run the HTTP service")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    _add_database_option(serve)
    serve.set_defaults(handler=_serve)

    upgrade = commands.add_parser("migrate", help="bring the database to the newest schema")
    _add_database_option(upgrade)
    upgrade.set_defaults(handler=_migrate)

    seed = commands.add_parser(
        "seed-demo",
        help="add the demo users and synthetic children (running it again changes nothing)",
    )
    _add_database_option(seed)
    seed.add_argument(
        "--children",
        type=_count,
        default=DEFAULT_DEMO_CHILDREN,
        help=f"synthetic children besides the showcase records (default {DEFAULT_DEMO_CHILDREN})",
    )
    seed.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_DEMO_SEED,
        help=f"random seed; the same seed gives the same children (default {DEFAULT_DEMO_SEED})",
    )
    seed.set_defaults(handler=_seed_demo)

    user = commands.add_parser(
        "create-user",
        help=f"create a user; the password is asked for, or read from ${PASSWORD_ENV}",
    )
    _add_database_option(user)
    user.add_argument("--username", required=True)
    user.add_argument("--display-name", required=True, help="the person's name as others see it")
    user.add_argument(
        "--role",
        dest="roles",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="a role the user holds; repeat for several",
    )
    user.add_argument("--organisation", required=True)
    user.add_argument("--local-authority", required=True)
    user.add_argument("--service", help="service code from the catalogue, e.g. health_visiting")
    user.add_argument("--job-title", default="Practitioner")
    user.add_argument(
        "--training-completed",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="date mandatory training was completed",
    )
    user.add_argument(
        "--vetted",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="date of the enhanced vetting (DBS) check",
    )
    user.add_argument(
        "--reception-desk",
        action="store_true",
        help="the user works at a shared reception PC (shorter idle lock)",
    )
    user.set_defaults(handler=_create_user)

    retention = commands.add_parser(
        "retention", help="destroy the records of children who have reached the retention age"
    )
    _add_database_option(retention)
    retention.add_argument(
        "--dry-run", action="store_true", help="only count the records that would be destroyed"
    )
    retention.set_defaults(handler=_retention)
    return parser


# --- settings and database ---------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        name: value
        for name in ("database_url", "host", "port")
        if (value := getattr(args, name, None)) is not None
    }
    try:
        settings = Settings(**overrides)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise CommandError(f"invalid setting {where}: {first['msg']}", EXIT_USAGE) from None
    return settings.model_copy(update={"database_url": _checked_url(settings.database_url)})


def _checked_url(text: str) -> str:
    """The URL with a usable driver, or a clear refusal; the password is never echoed."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise CommandError(
            "the database URL is not valid; use a form such as "
            "postgresql+psycopg://user@host/everychild or sqlite:////path/to/index.db",
            EXIT_USAGE,
        ) from None
    backend = url.get_backend_name()
    if backend == "postgres":  # an old alias some hosting platforms still hand out
        url, backend = url.set(drivername="postgresql+psycopg"), "postgresql"
    if backend not in _SUPPORTED_BACKENDS:
        raise CommandError(
            f"unsupported database {backend!r}: the index runs on PostgreSQL or SQLite",
            EXIT_USAGE,
        )
    if url.drivername == "postgresql":  # SQLAlchemy's default driver is not installed
        url = url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(url.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise CommandError(f"the folder for the SQLite database does not exist: {folder}")
    return url.render_as_string(hide_password=False)


def _backend(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def _engine(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def _require_schema(engine: Engine) -> None:
    path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    # Connecting to SQLite would create an empty file where the operator mistyped a path.
    missing_file = path not in (None, "", ":memory:") and not Path(str(path)).exists()
    if missing_file or not inspect(engine).has_table("alembic_version"):
        raise CommandError(
            "the database has no Everychild tables yet; run the 'migrate' command first"
        )


def _head_revision() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() or "base"


# --- commands ---------------------------------------------------------------------------


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    migrate.upgrade(settings.database_url)
    print(
        f"The {_backend(settings.database_url)} database is at the newest schema "
        f"(revision {_head_revision()})."
    )
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    migrate.upgrade(settings.database_url)
    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, server_header=False, proxy_headers=False
    )
    # Search criteria travel in the query string (names, dates of birth); the access log
    # keeps only the path, whose ids are all it needs.
    logging.getLogger("uvicorn.access").addFilter(_drop_query_strings)
    log.info(
        "Everychild central index %s on http://%s:%d (%s database)",
        __version__,
        settings.host,
        settings.port,
        _backend(settings.database_url),
    )
    try:
        uvicorn.Server(config).run()
    finally:
        app.state.engine.dispose()
    return EXIT_OK


def _drop_query_strings(record: logging.LogRecord) -> bool:
    args = record.args
    if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
        record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
    return True


def _seed_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    migrate.upgrade(settings.database_url)
    engine = _engine(settings)
    now = utcnow()
    try:
        report = seed_demo(
            make_session_factory(engine),
            children=args.children,
            seed=args.seed,
            today=now.date(),
            now=now,
        )
    finally:
        engine.dispose()
    print(
        f"Demo users: {report.users_created} created, {report.users_existing} already there.\n"
        f"Children: {report.children_created} created, {report.children_existing} already "
        f"there (seed {args.seed}).\n"
        f"Sign in as demo-viewer, demo-practitioner, demo-sensitive, demo-essential, "
        f"demo-index-manager, demo-user-admin or demo-data-manager with password "
        f"{DEMO_PASSWORD}."
    )
    return EXIT_OK


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    try:
        first = getpass.getpass("Password for the new user: ")
        second = getpass.getpass("Type it again: ")
    except (EOFError, KeyboardInterrupt):
        raise CommandError(
            f"no password given; type it when asked, or set {PASSWORD_ENV}", EXIT_USAGE
        ) from None
    if first != second:
        raise CommandError("the two passwords do not match; nothing was changed", EXIT_USAGE)
    return first


def _create_user(args: argparse.Namespace) -> int:
    if not _USERNAME.fullmatch(args.username):
        raise CommandError(
            "a username is 1 to 64 letters, digits, dots, hyphens, underscores or @", EXIT_USAGE
        )
    if args.service is not None:
        default_catalogue().get(args.service)
    settings = _settings(args)
    engine = _engine(settings)
    try:
        _require_schema(engine)
        password = _read_password()
        # A command line runs on the real clock; read it once for the user and its entry.
        now = utcnow()
        with transaction(make_session_factory(engine)) as session:
            row = create_user(
                session,
                username=args.username,
                password=password,
                display_name=args.display_name,
                roles=frozenset(Role(r) for r in args.roles),
                organisation=args.organisation,
                local_authority=args.local_authority,
                service_code=args.service,
                job_title=args.job_title,
                reception_desk=args.reception_desk,
                training_completed_on=args.training_completed,
                vetted_on=args.vetted,
            )
            row.created_at = now
            trail.record(
                session,
                AuditAction.ADMIN,
                now=now,
                actor_id=None,
                details={"operation": "create_user", "user_id": row.id, "via": "command_line"},
            )
    finally:
        engine.dispose()
    print(f"Created user {row.username} (id {row.id}) with roles: {', '.join(sorted(args.roles))}.")
    return EXIT_OK


def _retention(args: argparse.Namespace) -> int:
    settings = _settings(args)
    policy = settings.retention
    now = utcnow()
    who = f"children aged {policy.destroy_at_age} or over on {now.date().isoformat()}"
    engine = _engine(settings)
    try:
        _require_schema(engine)
        with transaction(make_session_factory(engine)) as session:
            if args.dry_run:
                count = len(due_record_ids(session, today=now.date(), policy=policy))
                message = f"{_records(count)} would be destroyed ({who}); nothing was changed."
            else:
                run = run_retention(session, settings=settings, now=now)
                message = (
                    f"{_records(run.destroyed)} destroyed ({who}); {run.change_log_pruned} "
                    f"sync change-log entries older than {settings.change_log_days} days pruned."
                )
    finally:
        engine.dispose()
    print(message)
    return EXIT_OK


def _records(count: int) -> str:
    return f"{count} record" if count == 1 else f"{count} records"


# --- entry point ------------------------------------------------------------------------


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


#: Expected trouble; anything else is a bug and keeps its traceback.
_KNOWN_ERRORS = (CommandError, DomainError, SQLAlchemyError, AlembicCommandError)


def _explain(error: Exception) -> tuple[str, int]:
    """The one line an operator sees for an expected error, and the exit status."""
    if isinstance(error, CommandError):
        return str(error), error.exit_code
    if isinstance(error, DomainError):
        return error.message, EXIT_FAILURE
    if isinstance(error, ArgumentError):
        return "the database URL is not valid", EXIT_USAGE
    if isinstance(error, OperationalError):
        return f"could not use the database: {_first_line(error)}", EXIT_FAILURE
    if isinstance(error, AlembicCommandError):
        return f"could not migrate the database: {_first_line(error)}", EXIT_FAILURE
    # The driver's text can quote stored values, so name only the kind of failure.
    return f"the database refused the operation ({type(error).__name__})", EXIT_FAILURE


def main(argv: Sequence[str] | None = None, *, prog: str = "everychild-index") -> int:
    """Run one command; return the process exit status.

    ``prog`` is how the operator started us, for usage and error lines: the console
    script's name, or ``python -m server`` when ``server/__main__.py`` says so.
    """
    parser = build_parser(prog=prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    except _KNOWN_ERRORS as error:
        message, code = _explain(error)
        print(f"{parser.prog}: error: {message}", file=sys.stderr)
        return code
