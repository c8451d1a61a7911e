"""``kubeproof check --spec FILE``, ``--properties-module MOD`` and ``--only-intents``: argument handling only
(``properties.spec`` does the work)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from model.errors import ManifestError
from properties.explore import Scenario
from properties.spec import (
    budget_properties,
    check_targets,
    compile_intents,
    load_spec,
    module_properties,
    scenario_for,
)


def add_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("--spec", help="a CheckSpec (kubeproof.dev/v1alpha1): intents, fault budget, settling")
    check.add_argument("--properties-module", help="a Python module (importable from the current directory) "
                                                   "defining more properties with the properties.registry decorators")
    check.add_argument("--only-intents", action="store_true",
                       help="check only the spec's intents and the module's properties, not the built-in ones")


def with_intents(args: argparse.Namespace, scenario: Scenario,
                 properties: tuple) -> tuple[Scenario, tuple, dict[str, Any]]:
    """The scenario under the spec, the properties to check and what the trace's ``initial`` must carry to replay
    them."""
    extra: dict[str, Any] = {}
    added: tuple = budget_properties(scenario.objects)
    if args.spec:
        spec = load_spec(args.spec)
        check_targets(spec, scenario.objects, args.spec)
        scenario = scenario_for(scenario, spec)
        added += compile_intents(spec)
        extra["spec"] = spec.document
    if args.properties_module:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        added += module_properties(args.properties_module)
        extra["propertiesModule"] = args.properties_module
    if args.only_intents:
        if not added:
            raise ManifestError("--only-intents needs --spec or --properties-module")
        properties = ()
        extra["onlyIntents"] = True
    names = [p.name for p in properties]
    for prop in added:
        if prop.name in names:
            raise ManifestError(f'property name "{prop.name}" is used twice (intent names must differ from the '
                                 "built-in properties' and from each other)")
        names.append(prop.name)
    return scenario, tuple(properties) + added, extra
