"""The curated mutants (tests/mutants/*.yaml) and the mutation tool.

By default: every mutant still applies to the source it was written for (its text found exactly once), compiles,
and names a registered property, and the AST mutator's mutants apply and compile. The score itself takes a check
per mutant (minutes each with the ``ci`` profile), so it runs only with ``KUBEPROOF_MUTANTS=1`` (profile from
``KUBEPROOF_MUTANTS_PROFILE``, default ``ci``; ``KUBEPROOF_MUTANTS_JOBS`` subprocesses at a time, default 2) and
asserts that at least 95% of the non-equivalent mutants are killed.
"""

from __future__ import annotations

import ast
import os

import pytest

from properties.mutate import BASELINE, ROOT, SURVIVED, apply, generate, load_curated, run_all, run_one, score
from properties.registry import by_name

MUTANTS = load_curated()


def test_there_are_at_least_forty_curated_mutants_with_unique_ids() -> None:
    assert len(MUTANTS) >= 40


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_the_mutant_applies_and_names_its_killer(mutant) -> None:  # noqa: ANN001 - a pytest parameter
    original = (ROOT / mutant.file).read_text()
    mutated = apply(mutant, original)
    assert mutated != original
    ast.parse(mutated)
    assert by_name([mutant.expect])


def test_the_ast_mutator_plants_compilable_bugs() -> None:
    mutants = list(generate("model/rollout.py"))
    operators = {m.note for m in mutants}
    assert {"< -> <=", "-> or", "drop not"} <= operators, operators
    source = (ROOT / "model/rollout.py").read_text()
    for mutant in mutants:
        mutated = apply(mutant, source)
        assert mutated != source
        ast.parse(mutated)


def test_a_mutant_whose_text_is_gone_is_reported() -> None:
    stale = MUTANTS[0].__class__(id="stale", file="model/rollout.py", find="no such text", replace="x")
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply(stale, (ROOT / "model/rollout.py").read_text())


@pytest.mark.skipif(not os.environ.get("KUBEPROOF_MUTANTS"), reason="slow: set KUBEPROOF_MUTANTS=1 to score the "
                                                                    "curated mutants (a check per mutant)")
def test_the_check_kills_at_least_95_percent_of_the_curated_mutants() -> None:
    profile = os.environ.get("KUBEPROOF_MUTANTS_PROFILE", "ci")
    assert run_one(BASELINE, profile, ()).status == SURVIVED  # the faithful model passes: kills mean something
    outcomes = run_all(MUTANTS, profile, jobs=int(os.environ.get("KUBEPROOF_MUTANTS_JOBS", "2")))
    killed, scored = score(outcomes)
    survivors = [o.mutant.id for o in outcomes if o.status not in ("killed", "crashed", "equivalent")]
    assert killed >= 0.95 * scored, f"{killed}/{scored} killed; survived: {survivors}"
