"""Every known bug variant (properties.variants.VARIANTS) is found by the ``ci`` check profile, and the faithful
configuration finds nothing on the same scenario. Parametrized over VARIANTS, so a new variant is covered as soon
as it is registered.

"Found" is the first violating run (the search without shrinking: the shrunk trace is the same violation, made
shorter; ``tests/properties/test_trace.py`` and ``kubeproof bench`` cover shrinking). The faithful search uses the
``ci`` check profile under the ``ci`` and ``deep`` Hypothesis profiles (as CI runs), and ``dev`` locally to keep
the default test run fast; under ``ci``/``deep`` the faithful scenario is also explored with every property,
liveness included.
"""

from __future__ import annotations

import os

import pytest

from model.config import VARIANTS as MODEL_VARIANTS
from properties.check import PROFILES, run
from properties.registry import all_properties, by_name
from properties.variants import BY_NAME, VARIANTS, Variant, variant

THOROUGH = os.environ.get("KUBEPROOF_HYPOTHESIS_PROFILE", "dev") != "dev"
FAITHFUL_PROFILE = PROFILES["ci" if THOROUGH else "dev"]


def test_every_variant_is_a_documented_model_switch_breaking_a_registered_property() -> None:
    assert VARIANTS and len(BY_NAME) == len(VARIANTS)
    for chosen in VARIANTS:
        assert chosen.name in MODEL_VARIANTS
        assert chosen.reference.startswith(("https://github.com/kubernetes/kubernetes/", "https://kubernetes.io/docs/"))
        assert by_name([chosen.property])[0].name == chosen.property
        assert chosen.summary.endswith(".")
    with pytest.raises(ValueError, match='unknown variant "nope"'):
        variant("nope")


@pytest.mark.parametrize("chosen", VARIANTS, ids=lambda v: v.name)
def test_the_ci_profile_finds_the_variant(chosen: Variant) -> None:
    result = run(chosen.scenario(), by_name([chosen.property]), PROFILES["ci"], 0, shrink=False)
    assert result.violation is not None, f"{chosen.name} not found in {result.examples} runs"
    assert result.violation.violation.property == chosen.property
    assert chosen.name in chosen.scenario().config.variants


@pytest.mark.parametrize("chosen", VARIANTS, ids=lambda v: v.name)
def test_the_faithful_model_holds_on_the_same_scenario(chosen: Variant) -> None:
    scenario = chosen.scenario(faithful=True)
    assert scenario.config.variants == frozenset() and scenario.objects == chosen.scenario().objects
    result = run(scenario, by_name([chosen.property]), FAITHFUL_PROFILE, 0)
    assert result.violation is None, str(result.violation)
    assert result.examples >= FAITHFUL_PROFILE.examples


@pytest.mark.skipif(not THOROUGH, reason="every property on every variant scenario: ci and deep profiles only")
@pytest.mark.parametrize("chosen", VARIANTS, ids=lambda v: v.name)
def test_the_faithful_model_breaks_no_property_on_the_scenario(chosen: Variant) -> None:
    result = run(chosen.scenario(faithful=True), all_properties(), PROFILES["dev"], 0)
    assert result.violation is None, str(result.violation)
