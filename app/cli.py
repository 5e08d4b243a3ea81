"""The desktop client's command line for scripting and support: sync, status, verify-audit.

``python -m app sync --profile USER [--server URL]`` signs in and syncs one profile (and
creates the profile on first use when ``--server`` is given); ``python -m app status``
lists the profiles on this computer, or with ``--profile`` shows one profile's sync state;
``python -m app verify-audit --profile USER`` checks the profile's local audit chain.

The password is read from the ``EVERYCHILD_PASSWORD`` environment variable (for
scripts) or asked for with ``getpass`` — never taken as an argument, so it stays out of
shell history and process lists. Output names ids and counts only: never a child's name
and never a user's, because it may be pasted into a support ticket.

Exit status: 0 done, 1 the command could not do what was asked (the message says why and
what to do), 2 the command line itself was wrong. Ctrl+C during a sync stops it after
the current batch or page, keeping everything stored so far.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from app.domain.errors import DomainError
from app.store.cache import Cache
from app.store.device_secret import DeviceSecretStore, KeyringSecretStore
from app.store.keys import Argon2Params
from app.store.profiles import Profile, create_profile, list_profiles
from app.sync.client import IndexClient
from app.sync.engine import DEFAULT_PUSH_BATCH, Progress, SyncEngine, SyncReport
from app.sync.transport import TransportSettings, normalise_base_url

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

PASSWORD_ENV = "EVERYCHILD_PASSWORD"  # noqa: S105 - the variable's name, not a password
DEFAULT_DEVICE_NAME = "Everychild command line"
COMMANDS = ("sync", "status", "verify-audit")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    try:
        return getpass.getpass("Everychild password: ")
    except EOFError:
        raise CommandError(
            f"No password: set {PASSWORD_ENV} or run the command in a terminal."
        ) from None


@dataclass(frozen=True)
class CliContext:
    """What the commands take from the world outside; tests and drivers replace parts."""

    secret_store: Callable[[], DeviceSecretStore] = KeyringSecretStore
    #: Argon2 costs for a new profile's key; ``None`` tunes them on this computer.
    argon2_params: Argon2Params | None = None
    clock: Callable[[], datetime] = _utcnow
    password: Callable[[], str] = _read_password
    #: Extra transport settings (timeouts, backoff) on top of the command line's.
    transport: dict[str, Any] = field(default_factory=dict)


class CommandError(Exception):
    """Expected trouble, explained in one line."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --- the commands -------------------------------------------------------------------------


def _sync(args: argparse.Namespace, context: CliContext) -> int:
    root: Path | None = args.data_dir
    store = context.secret_store()
    server = normalise_base_url(args.server) if args.server else None
    profile = _find_profile(args.profile, root=root, server=server, required=server is None)
    password = context.password()
    settings = _transport_settings(args, context)
    client = IndexClient(server or (profile.server_url if profile else ""), settings)
    cache: Cache | None = None
    try:
        if profile is None:
            profile = _create(args, context, client, password=password, store=store, root=root)
            cache = Cache.open(profile, password, store, now=context.clock())
            engine = _engine(args, context, cache, client)
        else:
            cache = Cache.open(profile, password, store, now=context.clock())
            if cache.check_wipe(context.clock()):
                raise CommandError(
                    f"Profile {profile.profile_id} was out of contact with the index for too "
                    "long, so its offline copy has been removed. Sign in online again."
                )
            engine = _engine(args, context, cache, client)
            engine.sign_in(password, device_name=args.device_name)
        print(f"syncing profile {profile.profile_id}", flush=True)
        with _cancel_on_interrupt() as cancel:
            report = engine.sync_now(cancel)
        _print_report(profile, report, engine)
        return EXIT_FAILURE if report.cancelled else EXIT_OK
    finally:
        if cache is not None and cache.is_open:
            cache.close()
        client.close()


def _create(
    args: argparse.Namespace,
    context: CliContext,
    client: IndexClient,
    *,
    password: str,
    store: DeviceSecretStore,
    root: Path | None,
) -> Profile:
    """Sign in first (so a wrong password creates nothing), then make the profile."""
    device_id = uuid.uuid4().hex
    signed_in = client.login(
        username=args.profile,
        password=password,
        device_id=device_id,
        device_name=args.device_name,
    )
    profile = create_profile(
        username=args.profile,
        server_url=client.base_url,
        password=password,
        secret_store=store,
        now=context.clock(),
        user_id=signed_in.user.id,
        device_id=device_id,
        params=context.argon2_params,
        root=root,
    )
    print(f"created profile {profile.profile_id} (device {device_id})", flush=True)
    return profile


def _engine(
    args: argparse.Namespace, context: CliContext, cache: Cache, client: IndexClient
) -> SyncEngine:
    def progress(step: Progress) -> None:
        total = "" if step.total is None else f"/{step.total}"
        print(f"{step.phase} {step.done}{total}", file=sys.stderr, flush=True)

    return SyncEngine(
        cache,
        client,
        push_batch=args.batch_size,
        page_size=args.page_size,
        clock=context.clock,
        on_progress=progress if args.progress else None,
    )


def _print_report(profile: Profile, report: SyncReport, engine: SyncEngine) -> None:
    status = engine.status()
    outcome = "cancelled" if report.cancelled else "synced"
    print(
        f"{outcome} profile {profile.profile_id}: "
        f"pushed {report.pushed} (applied {report.applied}, duplicate {report.duplicates}, "
        f"conflict {report.conflicts}, rejected {report.rejected}); "
        f"pulled {report.upserted} records, removed {report.removed}"
        f"{', full resync' if report.resynced else ''}; "
        f"pending {status.pending}, rejected {status.rejected}, conflicts {status.conflicts}"
    )


def _status(args: argparse.Namespace, context: CliContext) -> int:
    root: Path | None = args.data_dir
    if args.profile is None:
        profiles = list_profiles(root)
        for listed in profiles:
            print(
                f"profile {listed.profile_id}  user {listed.user_id or '-'}  "
                f"device {listed.device_id}  server {listed.server_url}"
            )
        print(f"{len(profiles)} profile{'s' if len(profiles) != 1 else ''}")
        return EXIT_OK
    profile = _find_profile(args.profile, root=root, server=None, required=True)
    assert profile is not None
    with _opened(profile, context) as cache:
        now = context.clock()
        policy = cache.device_policy()
        last = cache.last_contact()
        print(f"profile {profile.profile_id}")
        print(f"user {profile.user_id or '-'}")
        print(f"device {profile.device_id} (audit chain {profile.chain})")
        print(f"server {profile.server_url}")
        print(f"records {cache.digest().count}")
        print(
            f"pending {cache.pending_count()}  rejected {cache.rejected_count()}  "
            f"conflicts {cache.conflict_count()}"
        )
        print(f"synced before: {'yes' if cache.cursor() is not None else 'no'}")
        if last is None:
            print("last contact: never")
        else:
            until = last + timedelta(hours=policy.offline_lease_hours)
            state = "ok" if now <= until else "expired"
            print(f"last contact: {last.isoformat()}")
            print(f"offline lease: {state} (until {until.isoformat()})")
    return EXIT_OK


def _verify_audit(args: argparse.Namespace, context: CliContext) -> int:
    profile = _find_profile(args.profile, root=args.data_dir, server=None, required=True)
    assert profile is not None
    with _opened(profile, context) as cache:
        broken = cache.verify_audit()
    if broken is None:
        print(f"audit chain {profile.chain}: intact")
        return EXIT_OK
    print(
        f"audit chain {profile.chain}: broken at position {broken.position} "
        f"(entry {broken.entry_id}): {broken.problem}"
    )
    return EXIT_FAILURE


# --- helpers -----------------------------------------------------------------------------


def _find_profile(
    reference: str, *, root: Path | None, server: str | None, required: bool
) -> Profile | None:
    """The profile with this id, or of this username (on ``server``, if given)."""
    found = [
        p
        for p in list_profiles(root)
        if reference in (p.profile_id, p.username) and (server is None or p.server_url == server)
    ]
    if len(found) > 1:
        raise CommandError(
            "Several profiles match; give the profile id instead (python -m app status lists them)."
        )
    if not found and required:
        raise CommandError(
            "There is no such profile on this computer. To create one, sync with --server "
            "and the index's address."
        )
    return found[0] if found else None


@contextmanager
def _opened(profile: Profile, context: CliContext) -> Iterator[Cache]:
    cache = Cache.open(profile, context.password(), context.secret_store(), now=context.clock())
    try:
        yield cache
    finally:
        cache.close()


def _transport_settings(args: argparse.Namespace, context: CliContext) -> TransportSettings:
    options: dict[str, Any] = {"read_timeout": args.timeout, "retries": args.retries}
    if args.ca_bundle is not None:
        if not args.ca_bundle.is_file():
            raise CommandError(f"CA bundle {args.ca_bundle} is not a file.", EXIT_USAGE)
        options["ca_bundle"] = args.ca_bundle
    return TransportSettings(**{**options, **context.transport})


@contextmanager
def _cancel_on_interrupt() -> Iterator[threading.Event]:
    """A cancel event that the first Ctrl+C sets; a second one interrupts as usual."""
    cancel = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield cancel
        return

    def interrupted(_signum: int, _frame: FrameType | None) -> None:
        print("stopping after the current step (Ctrl+C again to abort)", file=sys.stderr)
        cancel.set()
        signal.signal(signal.SIGINT, previous)

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


# --- wiring ------------------------------------------------------------------------------


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    context: CliContext | None = None,
) -> None:
    """Add ``sync``, ``status`` and ``verify-audit`` to a command line's subcommands."""
    chosen = context or CliContext()

    def run(handler: Callable[[argparse.Namespace, CliContext], int]) -> Callable[..., int]:
        return lambda args: _guarded(handler, args, chosen)

    sync = commands.add_parser("sync", help="sign in and sync a profile with the index")
    _profile_options(sync, required=True)
    sync.add_argument("--server", help="the index's address (needed to create a profile)")
    sync.add_argument("--ca-bundle", type=Path, help="PEM file of certificate authorities")
    sync.add_argument("--device-name", default=DEFAULT_DEVICE_NAME)
    sync.add_argument("--page-size", type=int, default=None, help="records per pulled page")
    sync.add_argument("--batch-size", type=int, default=DEFAULT_PUSH_BATCH)
    sync.add_argument("--timeout", type=float, default=60.0, help="read timeout in seconds")
    sync.add_argument("--retries", type=int, default=4, help="retries per request")
    sync.add_argument("--progress", action="store_true", help="print progress to stderr")
    sync.set_defaults(handler=run(_sync))

    status = commands.add_parser("status", help="list profiles, or show one profile's state")
    _profile_options(status, required=False)
    status.set_defaults(handler=run(_status))

    verify = commands.add_parser("verify-audit", help="verify a profile's local audit chain")
    _profile_options(verify, required=True)
    verify.set_defaults(handler=run(_verify_audit))


def _profile_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--profile", required=required, help="username or profile id of the profile"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where profiles live (default: per user)"
    )


def _guarded(
    handler: Callable[[argparse.Namespace, CliContext], int],
    args: argparse.Namespace,
    context: CliContext,
) -> int:
    """Run a command; expected trouble becomes one line on stderr, never a traceback."""
    try:
        return handler(args, context)
    except CommandError as exc:
        print(f"everychild: {exc}", file=sys.stderr)
        return exc.exit_code
    except DomainError as exc:
        print(f"everychild: {exc.message} [{exc.code}]", file=sys.stderr)
        return EXIT_FAILURE


def build_parser(context: CliContext | None = None) -> argparse.ArgumentParser:
    """A command line with just these commands."""
    parser = argparse.ArgumentParser(prog="everychild", description=__doc__)
    add_commands(parser.add_subparsers(dest="command", required=True), context)
    return parser


def main(argv: Sequence[str] | None = None, *, context: CliContext | None = None) -> int:
    """Run one command; return the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser(context).parse_args(argv)
    result: int = args.handler(args)
    return result
