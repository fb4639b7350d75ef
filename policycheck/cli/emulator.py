"""`policycheck emulator`: serve a local ICE + RAM endpoint until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
from typing import Any

from policycheck.cli import EXIT_OK, UserError

DEFAULT_DB = os.path.join(".policycheck", "emulator.db")
MAX_CONNECTIONS = 128
IDLE_SECONDS = 10.0
"""The server's defaults (policycheck.emulator.server), repeated so --help needs no import."""

DESCRIPTION = """\
Serve ICE 2020-11-09 (Submit/Query/CancelIProductionJob) and RAM 2015-05-01 read operations on
http://127.0.0.1:PORT, with real request signatures (v1 HMAC-SHA1 and V3 ACS3-HMAC-SHA256),
RAM authorization of every call by the world's policies, and jobs kept in SQLite across
restarts. Point aliyun-python-sdk-core (or `policycheck probe --endpoint URL`) at the URL.

examples:
  policycheck emulator                      # the demo world, port 8765
  policycheck emulator --port 0             # any free port; the URL is printed
  policycheck emulator --world my-world.yaml --db /tmp/emulator.db

An API emulator, not a media processor: job results are synthetic. See\nhttps://github.com/policycheck/policycheck/blob/main/docs/emulator.md
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.add_argument(
        "--world", metavar="FILE", help="world file (default: the demo world shipped with policycheck)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8765,
        metavar="N",
        help="port on 127.0.0.1 (default: 8765; 0 = any free port)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=DEFAULT_DB,
        help=f"SQLite file for jobs and nonces (default: {DEFAULT_DB})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        metavar="N",
        help=f"connections served at once; more are answered 503 at once (default: {MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=IDLE_SECONDS,
        metavar="S",
        help=f"drop a connection that sends nothing for S seconds (default: {IDLE_SECONDS:g})",
    )


def _who(credential: Any) -> str:
    if credential.user is not None:
        return f"user {credential.user.name}"
    if credential.role is not None:
        return f"role {credential.role.name} (STS)"
    return "account root"


def credentials_text(world: Any) -> str:
    """The world's AccessKeys, one line each; secrets only for a demo world (its secrets are fake)."""
    lines = []
    for account in world.accounts:
        lines.append(f"  account {account.account_id} ({account.name})")
        order = {"Root": 0, "SubUser": 1, "AssumedRoleUser": 2}
        keys = sorted(
            (c for c in world.credentials.values() if c.account is account),
            key=lambda c: (order[c.principal_type], _who(c), c.access_key_id),
        )
        for credential in keys:
            who = _who(credential)
            line = f"    {who:<24} {credential.access_key_id}"
            if world.settings.demo:
                line += f"  {credential.secret}"
                if credential.security_token:
                    line += f"  token {credential.security_token}"
            lines.append(line)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from policycheck.emulator.server import Emulator, EmulatorServer
    from policycheck.emulator.store import Store
    from policycheck.emulator.world import load_world

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a port number (0-65535)")
    if not 1 <= args.max_connections <= 10000:
        raise UserError(f"--max-connections {args.max_connections} is not between 1 and 10000")
    if not 0 < args.idle_timeout <= 3600:
        raise UserError(f"--idle-timeout {args.idle_timeout:g} is not more than 0 and at most 3600 seconds")
    from policycheck.data import DEMO_WORLD

    world_file = args.world or DEMO_WORLD
    if not os.path.exists(world_file):
        raise UserError(f"no such world file: {world_file} (pass --world FILE)")
    world = load_world(world_file)
    folder = os.path.dirname(args.db)
    if folder and not os.path.isdir(folder):
        if args.db != DEFAULT_DB:
            # A typo in --db should not leave new folders behind; the default one is ours to make.
            raise UserError(f"cannot open the database {args.db}: no such folder {folder}")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as problem:
            raise UserError(f"cannot create {folder} for the database: {problem.strerror}") from None
    try:
        store = Store(args.db)
    except (OSError, sqlite3.Error) as problem:
        raise UserError(f"cannot open the database {args.db}: {problem}") from None
    try:
        server = EmulatorServer(Emulator(world, store), args.port, args.max_connections, args.idle_timeout)
    except OSError as problem:
        store.close()
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {problem.strerror or problem}") from None
    except sqlite3.Error as problem:
        store.close()
        raise UserError(f"cannot use the database {args.db}: {problem}") from None

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # Installed before the URL is printed: whoever reads that line may stop us at once.
    previous = signal.signal(signal.SIGTERM, stop)
    secrets = "AccessKey IDs, secrets and STS tokens (fake)" if world.settings.demo else "AccessKey IDs"
    try:
        # One write: whoever reads the URL line and stops us at once still gets the whole banner.
        banner = (
            f"policycheck emulator listening on {server.url}\n"
            f"world {args.world or 'the demo world (built in)'}, state {args.db}; {secrets}:\n"
            f"{credentials_text(world)}\nCtrl-C stops it.\n"
        )
        sys.stdout.write(banner)
        sys.stdout.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        store.close()
    sys.stdout.write("policycheck emulator stopped\n")
    return EXIT_OK
