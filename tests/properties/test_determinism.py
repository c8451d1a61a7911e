"""Same seed, same runs, whatever the process: no choice the exploration makes may depend on where objects happen to
be allocated (``id()``, identity hashes, the order of a set of objects without a value hash) or on the string hash
seed (``PYTHONHASHSEED``, random per process by default).

Two fresh interpreters explore the bundled scenario with every fault, from both starts (the manifests and the
settled cluster, as ``kubeproof check`` does), with the same seed; they differ only in the hash seed and in a few
thousand objects allocated first, which shifts every later allocation, and in whether other runs went first (so the
model's identity memos, ``model.memo``, hold other states: a memo whose key missed something its answer depends on
would show). Every action each one took, and every property's verdict, must be the same. (This is the regression
test for the finding of issue 15, "seed 0's runs change when an unrelated module-level dict is added".)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import hashlib, json, sys
JUNK = [{} for _ in range(int(sys.argv[1]))] + [object() for _ in range(3 * int(sys.argv[1]))]
import attrs
from kubeproof.check_cli import EXAMPLES
from model import manifests
from model.config import FAULTS, ModelConfig
from properties import explore
from properties.check import Profile, run
from properties.explore import Scenario
from properties.registry import all_properties

taken = []
checked_step = explore.checked_step
def logged(state, action, config, properties, transitions):
    taken.append(repr(action))
    return checked_step(state, action, config, properties, transitions)
explore.checked_step = logged
scenario = Scenario("default", tuple(manifests.load([EXAMPLES])), ModelConfig(faults=frozenset(FAULTS)))
if sys.argv[2] == "warm":  # other runs first: the model's memos hold other states when the checked runs start
    run(scenario, all_properties(), Profile("warm-up", 2, 20), 99, shrink=False)
    taken.clear()
verdicts = []
for start in (scenario, attrs.evolve(scenario, settled=True)):
    result = run(start, all_properties(), Profile("determinism", 2, 20), 7, shrink=False)
    verdicts.append([result.examples, result.steps, None if result.violation is None else str(result.violation)])
print(json.dumps({"actions": len(taken), "digest": hashlib.sha256("\\n".join(taken).encode()).hexdigest(),
                  "verdicts": verdicts}))
"""


def _explore(hash_seed: str, junk: int, warm: bool) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    arguments = [sys.executable, "-c", SCRIPT, str(junk), "warm" if warm else "cold"]
    done = subprocess.run(arguments, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_runs_do_not_depend_on_allocation_or_hash_seed() -> None:
    first, second = _explore("0", 0, warm=False), _explore("4242", 5000, warm=True)
    assert first["actions"] > 100  # the runs did explore (and converge) rather than stop at once
    assert first == second
