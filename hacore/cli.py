"""Command line: `hacore check|run|version`. Argument handling only; no logic lives here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hacore import __version__
from hacore.config import ConfigError, load
from hacore.config.model import Config
from hacore.daemon.run import run
from hacore.lab.run import main as lab_main
from hacore.proxy.resolve import resolve_host


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hacore",
        description="HAProxy + keepalived in one daemon: reads haproxy.cfg and keepalived.conf.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("check", "validate configuration files, like 'haproxy -c' (exit 0 valid, 1 invalid, "
                  "2 valid but no listener)"),
        ("run", "run the daemon in the foreground"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("-f", dest="files", action="append", required=True,
                             metavar="FILE", help="haproxy.cfg, keepalived.conf or a directory; "
                             "repeat for several")
        command.add_argument("-i", dest="config_id", metavar="ID",
                             help="keepalived's config id for '@ID' lines (default: node name)")
    lab = commands.add_parser("lab", help="replay the course's two-node failover exercise in "
                              "network namespaces and measure it (root)")
    lab.add_argument("--runs", type=int, default=3, help="failovers to measure (default 3)")
    commands.add_parser("version", help="print the version")
    return parser


def _load(files: Sequence[str], config_id: str | None) -> Config | None:
    """The configuration, with its warnings printed; None after printing every alert."""
    try:
        config = load(files, config_id=config_id, resolve=resolve_host)
    except ConfigError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        print("[ALERT] Fatal errors found in configuration.", file=sys.stderr)
        return None
    for warning in config.warnings:
        print(warning, file=sys.stderr)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        print(f"hacore {__version__}")
        return 0
    if args.command == "lab":
        return lab_main(args.runs)
    config = _load(args.files, args.config_id)
    if config is None:
        return 1
    if args.command == "check":
        if config.haproxy is not None and not any(f.binds for f in config.haproxy.frontends):
            # haproxy 2.6 -c: valid, but nothing to serve (a keepalived half alone is fine)
            print("Configuration file has no error but will not start (no listener) => "
                  "exit(2).")
            return 2
        if config.warnings:
            print("Warnings were found.")
        print("Configuration file is valid")
        return 0
    return run(config, args.files, args.config_id)
