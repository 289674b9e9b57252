"""What both engine processes do before serving: read `-f`/`-i` like `hacore run`, die with
the supervisor (PR_SET_PDEATHSIG), load the configuration (errors printed, exit 1)."""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
from collections.abc import Sequence

from hacore.config import ConfigError, load
from hacore.config.model import Config

PR_SET_PDEATHSIG = 1
PARENT_ENV = "HACORE_PARENT_PID"


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent dies, then close the race where it already
    did (the parent passes its PID)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    expected = os.environ.get(PARENT_ENV)
    if expected and os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGTERM)


def start_child(prog: str, argv: Sequence[str] | None
                ) -> tuple[list[str], str | None, Config] | None:
    """(files, config id, configuration), or None after printing why it cannot be loaded."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("-f", dest="files", action="append", required=True)
    parser.add_argument("-i", dest="config_id")
    args = parser.parse_args(argv)
    die_with_parent()
    try:
        config = load(args.files, config_id=args.config_id)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return None
    return args.files, args.config_id, config
