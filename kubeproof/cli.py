"""The ``kubeproof`` command line: argument handling and output only; the semantics live in ``model``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from kubeproof import check_cli, explore_cli, solver_cli
from kubeproof.render import render_explanation, table, walk_step
from model import manifests
from model.cluster import initial_state
from model.config import FAULTS, ModelConfig
from model.errors import ManifestError
from model.examples import DIRECTORY as EXAMPLES
from model.objects import Node, Pod
from model.scheduler import Profile, explain, load_profiles
from properties.simulate import random_walk

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in the command line's input that is not a manifest error; printed as one line, exit 2."""


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
    unknown = set(args.fault or ()) - set(FAULTS)
    if unknown:
        raise UsageError(f"unknown fault {sorted(unknown)[0]!r} (known: {', '.join(FAULTS)})")
    config = ModelConfig(faults=frozenset(args.fault or ()))
    objects = manifests.load(args.paths or [EXAMPLES])
    state = initial_state(objects)
    print(f"initial state: {len(state.store.objects)} objects, {len(state.pending)} manifests to submit")
    for walked in random_walk(state, args.steps, args.seed, config):
        result = walked.step
        print(walk_step(walked.number, walked.action.describe(), result.responses, result.events))
        state = result.state
    print(f"\nafter {args.steps} steps: {len(state.store.objects)} objects, revision {state.store.revision}, "
          f"time {state.time}s")
    return EXIT_OK


def _pod_to_explain(spec: str, objects: list) -> tuple[Pod, str]:
    """The pod named ``namespace/name`` in the snapshot, or the first pod (or workload pod template) in a
    file, with a description of it."""
    if "/" in spec and not Path(spec).exists():
        namespace, _, name = spec.partition("/")
        found = next((o for o in objects if isinstance(o, Pod) and o.namespace == namespace and o.name == name), None)
        if found is None:
            raise UsageError(f"{spec}: no such pod in the cluster snapshot")
        return found, f"pod {spec}"
    for obj in manifests.load([spec]):
        if isinstance(obj, Pod):
            return obj, f"pod {obj.namespace}/{obj.name}"
        template = getattr(getattr(obj, "spec", None), "template", None)
        if template is not None and hasattr(template, "spec"):
            meta = attrs.evolve(template.metadata, name=f"{obj.name}-template", namespace=obj.namespace)
            return Pod(metadata=meta, spec=template.spec), f"a pod of {obj.kind} {obj.namespace}/{obj.name}"
    raise UsageError(f"{spec}: no Pod or workload with a pod template in this file")


def cmd_explain(args: argparse.Namespace) -> int:
    """Why the scheduler would (not) choose each node for a pod: filter verdicts and per-plugin scores."""
    cluster = manifests.load(args.cluster)
    pod, described = _pod_to_explain(args.pod, cluster)
    profile = None
    if args.profile:
        try:
            profiles = load_profiles(Path(args.profile).read_text())
        except (OSError, ValueError) as e:
            raise UsageError(f"{args.profile}: {e}") from None
        profile = profiles.get(pod.spec.scheduler_name) or next(iter(profiles.values()))
    nodes = [o for o in cluster if isinstance(o, Node)]
    bound = [o for o in cluster if isinstance(o, Pod) and o.spec.node_name and o.key != pod.key]
    explanation = explain(pod, nodes, bound, profile)
    print(render_explanation(described, explanation, (profile or Profile.default()).scores))
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
    simulate.add_argument("--fault", action="append", help=f"enable a fault ({', '.join(FAULTS)}; repeatable)")
    simulate.set_defaults(run=cmd_simulate)
    explain_cmd = sub.add_parser("explain", help="show why the scheduler would choose each node for a pod")
    explain_cmd.add_argument("pod", help="a manifest with the pod (or a workload), or namespace/name in the snapshot")
    explain_cmd.add_argument("--cluster", nargs="+", required=True,
                             help="cluster snapshot: `kubectl get nodes,pods -A -o yaml` output or Node manifests")
    explain_cmd.add_argument("--profile", help="a KubeSchedulerConfiguration file (default: kube-scheduler's defaults)")
    explain_cmd.set_defaults(run=cmd_explain)
    check_cli.register(sub)
    explore_cli.register(sub)
    solver_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ManifestError, UsageError, check_cli.UsageError) as e:
        print(f"kubeproof: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
