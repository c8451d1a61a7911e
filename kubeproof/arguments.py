"""Argument checks every command shares: numbers checked at parse time, output paths checked before a run starts
(a run of minutes must not end in a traceback because its report cannot be written), and the one-line parse
errors of :class:`Parser`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from model.snapshot import orphaned, orphans_warning


class Parser(argparse.ArgumentParser):
    """argparse's parser with one-line errors (exit 2): ``kubeproof bench: error: argument --repeat: must be at
    least 1, got 0 (see kubeproof bench --help)``."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


class CommandParser(Parser):
    """A command's parser: options and manifests in any order (``check --cluster snap.yaml web.yaml`` and
    ``check web.yaml --cluster snap.yaml``), as argparse's intermixed parsing reads them."""

    _intermixing = False

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        if self._intermixing:  # parse_known_intermixed_args calls back here (Python 3.11, 3.12)
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer of at least 1 (runs, repeats, seeds)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def non_negative_int(text: str) -> int:
    """An integer of at least 0 (steps)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


class OutputPathError(ValueError):
    """An output path the run could not write to; printed as one line, exit 2."""


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def writable_file(option: str, value: str | None) -> None:
    """``value`` (given to ``option``) can be written as a file: not a folder, and in a folder that exists (or can
    be created) and is writable."""
    if not value:
        return
    path = Path(value)
    if path.is_dir():
        raise OutputPathError(f"{option} {value}: is a directory, expected a file")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise OutputPathError(f"{option} {value}: permission denied")
        return
    writable_dir(option, str(path.parent) if str(path.parent) else ".", file=value)


def writable_dir(option: str, value: str | None, file: str | None = None) -> None:
    """``value`` is a writable folder, or can be created as one."""
    if not value:
        return
    shown = file or value
    existing = _nearest_existing(Path(value))
    if not existing.is_dir():
        raise OutputPathError(f"{option} {shown}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {shown}: permission denied in {existing}")


FIELD_VALIDATION_SPELLINGS = {"strict": "strict", "true": "strict", "warn": "warn", "ignore": "ignore",
                              "false": "ignore"}


def _field_validation(text: str) -> str:
    try:
        return FIELD_VALIDATION_SPELLINGS[text]
    except KeyError:
        raise argparse.ArgumentTypeError(f"expected strict, warn or ignore, got {text!r}") from None


def add_validate_option(parser: argparse.ArgumentParser) -> None:
    """kubectl's ``--validate``, for a command that reads manifests."""
    parser.add_argument("--validate", type=_field_validation, default="strict", metavar="strict|warn|ignore",
                        help="fields a kind's schema does not have: refuse the manifest (strict, the default, as "
                             "kubectl), print a warning (warn) or drop them silently (ignore)")


def loading(args: argparse.Namespace) -> dict:
    """Keyword arguments for ``model.manifests.load`` from a command's ``--validate``: warnings go to stderr."""
    return {"validation": getattr(args, "validate", "strict"),
            "warn": lambda message: print(f"Warning: {message}", file=sys.stderr)}


def without_dangling_owners(objects: list) -> list:
    """The objects with owner references the snapshot cannot resolve removed (``model.snapshot``), warning on
    stderr about each such orphan."""
    kept, orphans = orphaned(objects)
    if orphans:
        print(f"kubeproof: warning: {orphans_warning(orphans)}", file=sys.stderr)
    return kept
