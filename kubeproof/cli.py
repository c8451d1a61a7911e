"""The ``kubeproof`` command line: argument handling and output only; the semantics live in ``model``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from kubeproof.arguments import (
    CommandParser,
    OutputPathError,
    Parser,
    add_validate_option,
    loading,
    non_negative_int,
    without_dangling_owners,
)
from kubeproof.render import render_explanation, table, walk_step
from model import manifests
from model.config import FAULTS, ModelConfig
from model.documents import documents
from model.errors import ManifestError
from model.examples import DIRECTORY as EXAMPLES
from model.objects import Node, Pod
from properties import interrupts

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in the command line's input that is not a manifest error; printed as one line, exit 2."""


def cmd_validate(args: argparse.Namespace) -> int:
    """Load manifests and print what was loaded."""
    objects = manifests.load(args.paths or [EXAMPLES], **loading(args))
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
    from model.cluster import initial_state  # here, not at start-up: the whole model (see build_parser)
    from properties.simulate import random_walk

    config = ModelConfig(faults=frozenset(args.fault or ()))
    objects = without_dangling_owners(manifests.load(args.paths or [EXAMPLES], **loading(args)))
    state = initial_state(objects)
    print(f"initial state: {len(state.store.objects)} objects, {len(state.pending)} manifests to submit")
    for walked in random_walk(state, args.steps, args.seed, config):
        result = walked.step
        print(walk_step(walked.number, walked.action.describe(), result.responses, result.events))
        state = result.state
    print(f"\nafter {args.steps} steps: {len(state.store.objects)} objects, revision {state.store.revision}, "
          f"time {state.time}s")
    return EXIT_OK


def _pod_to_explain(spec: str, objects: list, args: argparse.Namespace) -> tuple[Pod, str]:
    """The pod named ``namespace/name`` in the snapshot, or the first pod (or workload pod template) in a
    file, with a description of it."""
    if "/" in spec and not Path(spec).exists():
        namespace, _, name = spec.partition("/")
        found = next((o for o in objects if isinstance(o, Pod) and o.namespace == namespace and o.name == name), None)
        if found is not None:
            return found, f"pod {spec}"
        if "/" in name or Path(spec).suffix in manifests.MANIFEST_SUFFIXES:  # not namespace/name: a mistyped path
            raise ManifestError("no such file or directory", "", spec)
        raise UsageError(f"{spec}: no such file, nor a pod of that namespace/name in the cluster snapshot")
    for obj in manifests.load([spec], **loading(args)):
        if isinstance(obj, Pod):
            return obj, f"pod {obj.namespace}/{obj.name}"
        template = getattr(getattr(obj, "spec", None), "template", None)
        if template is not None and hasattr(template, "spec"):
            meta = attrs.evolve(template.metadata, name=f"{obj.name}-template", namespace=obj.namespace)
            return Pod(metadata=meta, spec=template.spec), f"a pod of {obj.kind} {obj.namespace}/{obj.name}"
    raise UsageError(f"{spec}: no Pod or workload with a pod template in this file")


def cmd_explain(args: argparse.Namespace) -> int:
    """Why the scheduler would (not) choose each node for a pod: filter verdicts and per-plugin scores."""
    from model.scheduler import Profile, explain, load_profiles  # here, not at start-up (see build_parser)

    cluster = manifests.load(args.cluster, **loading(args))
    pod, described = _pod_to_explain(args.pod, cluster, args)
    profile = None
    if args.scheduler_config:
        try:  # read as manifests are (model.documents: hostile YAML refused), one document
            docs = [d for d in documents(Path(args.scheduler_config).read_text()) if d is not None]
            if len(docs) != 1:
                raise UsageError(f"{args.scheduler_config}: expected one KubeSchedulerConfiguration document, found "
                                 f"{len(docs)}")
            profiles = load_profiles(docs[0])
        except ManifestError as e:
            raise e.located(args.scheduler_config, e.document) from None
        except OSError as e:
            raise UsageError(f"{args.scheduler_config}: {e.strerror}") from None
        except ValueError as e:
            raise UsageError(f"{args.scheduler_config}: {e}") from None
        profile = profiles.get(pod.spec.scheduler_name) or next(iter(profiles.values()))
    nodes = [o for o in cluster if isinstance(o, Node)]
    bound = [o for o in cluster if isinstance(o, Pod) and o.spec.node_name and o.key != pod.key]
    explanation = explain(pod, nodes, bound, profile)
    print(render_explanation(described, explanation, (profile or Profile.default()).scores))
    return EXIT_OK


EXIT_CODES = {
    "validate": "0 every manifest loaded; 2 bad input (a manifest the API server or kubectl would refuse, a missing "
                "file)",
    "simulate": "0 the steps ran; 2 bad input",
    "explain": "0 explained; 2 bad input",
    "check": "0 every property held; 1 a property was violated (its trace is written); 2 bad input, an unwritable "
             "output path, or a vacuous check without --allow-vacuous",
    "trace": "1 a counterexample was found and printed; 0 none was found; 2 bad input",
    "replay": "1 the violation reproduces; 0 it does not (fixed); 2 the trace is malformed or no longer applies to "
              "its initial state",
    "variants": "0", "properties": "0",
    "bench": "0 measured (targets missed are reported, not an error); 2 bad input",
    "schedule": "0 a result was printed (whatever its status); 2 bad input",
    "compare": "0 the report was written; 2 bad input",
    "explore": "0 held within the scope (or incomplete: a bound was hit first); 1 a property was violated (its "
               "trace is written); 2 bad input",
}
"""What each command's exit code means (shown at the end of its ``--help``)."""


COMMAND_FAMILIES = {"check_cli": ("check", "trace", "replay", "bench", "variants", "properties"),
                   "explore_cli": ("explore",), "solver_cli": ("schedule", "compare")}
"""The ``kubeproof`` modules registering more commands: imported only when one of their commands runs (or for
help and unknown commands), since ``check_cli`` alone imports Hypothesis and the whole model."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; given the ``command`` about to run, only the module registering it is imported (every module
    for None or an unknown command, so that help and "invalid choice" list every command)."""
    parser = Parser(prog="kubeproof", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    validate = sub.add_parser("validate", help="load manifests and list what the model reads from them")
    validate.add_argument("paths", nargs="*", help="files or folders (default: the bundled examples)")
    validate.set_defaults(run=cmd_validate)
    simulate = sub.add_parser("simulate", help="run the model on manifests, printing each action and its effects")
    simulate.add_argument("paths", nargs="*", help="files or folders (default: the bundled examples)")
    simulate.add_argument("--steps", type=non_negative_int, default=50, help="number of actions (default 50)")
    simulate.add_argument("--seed", type=int, default=0, help="seed for choosing among enabled actions (default 0)")
    simulate.add_argument("--fault", action="append", help=f"enable a fault ({', '.join(FAULTS)}; repeatable)")
    simulate.set_defaults(run=cmd_simulate)
    explain_cmd = sub.add_parser("explain", help="show why the scheduler would choose each node for a pod")
    explain_cmd.add_argument("pod", help="a manifest with the pod (or a workload), or namespace/name in the snapshot")
    explain_cmd.add_argument("--cluster", action="append", required=True, metavar="SNAPSHOT.yaml",
                             help="cluster snapshot (see the README's snapshot command) or Node manifests; one path, "
                                  "repeatable")
    explain_cmd.add_argument("--scheduler-config", "--profile", dest="scheduler_config", metavar="FILE",
                             help="a KubeSchedulerConfiguration file (default: kube-scheduler's defaults); --profile "
                                  "is a deprecated alias")
    explain_cmd.set_defaults(run=cmd_explain)
    known = {name for names in COMMAND_FAMILIES.values() for name in names} | set(sub.choices)
    for module, names in COMMAND_FAMILIES.items():
        if command is None or command in names or command not in known:
            importlib.import_module(f"kubeproof.{module}").register(sub)
    for name in ("validate", "simulate", "explain", "check", "schedule", "compare"):
        if name in sub.choices:
            add_validate_option(sub.choices[name])
    for name, codes in EXIT_CODES.items():
        if name in sub.choices:
            sub.choices[name].epilog = f"exit codes: {codes}"
    return parser


def _usage_errors() -> tuple[type[Exception], ...]:
    """The exceptions printed as one line; ``check_cli``'s own only when it was imported (else none was raised)."""
    check_cli = sys.modules.get("kubeproof.check_cli")
    return (ManifestError, UsageError, OutputPathError, *((check_cli.UsageError,) if check_cli else ()))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(next((a for a in argv if not a.startswith("-")), None))
    args = parser.parse_args(argv)
    try:
        with interrupts.handling():
            return args.run(args)
    except interrupts.Interrupted as e:  # a command with nothing to show yet: one line, no traceback
        print(f"kubeproof: interrupted ({e})", file=sys.stderr)
        return e.exit_code
    except _usage_errors() as e:
        print(f"kubeproof: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
