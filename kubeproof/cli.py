"""The ``kubeproof`` command line: argument handling and output only; the semantics live in ``model``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kubeproof.render import table, walk_step
from model import manifests
from model.errors import ManifestError
from model.cluster import initial_state
from model.examples import DIRECTORY as EXAMPLES
from properties.simulate import random_walk

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2


def cmd_validate(args: argparse.Namespace) -> int:
    """Load manifests and print what was loaded."""
    objects = manifests.load(args.paths or [EXAMPLES])
    rows = [
        (o.kind, o.namespace or "", o.name, "" if manifests.is_modelled(o) else "not modelled")
        for o in objects
    ]
    print(table(("KIND", "NAMESPACE", "NAME", "NOTE"), rows))
    modelled = sum(1 for o in objects if manifests.is_modelled(o))
    print(f"\n{len(objects)} objects loaded: {modelled} modelled, {len(objects) - modelled} not modelled")
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    """Drive a cluster built from manifests through a seeded random sequence of actions."""
    objects = manifests.load(args.paths or [EXAMPLES])
    state = initial_state(objects)
    print(f"initial state: {len(state.store.objects)} objects, {len(state.pending)} manifests to submit")
    for walked in random_walk(state, args.steps, args.seed):
        result = walked.step
        print(walk_step(walked.number, walked.action.describe(), result.responses, result.events))
        state = result.state
    print(f"\nafter {args.steps} steps: {len(state.store.objects)} objects, revision {state.store.revision}, "
          f"time {state.time}s")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubeproof", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="load manifests and list what the model reads from them")
    validate.add_argument("paths", nargs="*", help="files or folders (default: the bundled examples)")
    validate.set_defaults(run=cmd_validate)
    simulate = sub.add_parser("simulate", help="run the model on manifests, printing each action and its effects")
    simulate.add_argument("paths", nargs="*", help="files or folders (default: the bundled examples)")
    simulate.add_argument("--steps", type=int, default=50, help="number of actions (default 50)")
    simulate.add_argument("--seed", type=int, default=0, help="seed for choosing among enabled actions")
    simulate.set_defaults(run=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ManifestError as e:
        print(f"kubeproof: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
