"""The names the command line offers as choices (backends, quota modes, objectives, strategies, families), in a
module that imports nothing heavy, so that building the argument parser does not load Z3, OR-tools or the model."""

import importlib.util

ADMISSION, SOLVER = "admission", "solver"
QUOTA_MODES = (ADMISSION, SOLVER)
BACKENDS = ("z3", "cpsat")
MAX_PLACED, MIN_NODES, BALANCE, MIN_MOVES = "max-placed", "min-nodes", "balance", "min-moves"
OBJECTIVES = (MAX_PLACED, MIN_NODES, BALANCE, MIN_MOVES)
GREEDY_PROFILES = ("least-allocated", "most-allocated", "bin-packing", "balanced-allocation")
"""kube-scheduler's scoring profiles (their configurations are :data:`solver.greedy.PROFILES`)."""
Z3_STRATEGIES = tuple(f"z3-{o}" for o in OBJECTIVES)
CPSAT_STRATEGIES = tuple(f"cpsat-{o}" for o in OBJECTIVES)
FAMILIES = ("uniform", "mixed", "gpu", "quota", "affinity", "bench", "hetero")


def cpsat_available() -> bool:
    """Whether OR-tools is installed (``pip install kubeproof[cpsat]``), without importing it (importing
    OR-tools, with pandas through it, takes about a second)."""
    return importlib.util.find_spec("ortools") is not None
