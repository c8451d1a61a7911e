"""Solver tests: the ``bench`` marker runs the timing benchmarks only when KUBEPROOF_SOLVER_BENCH=1."""

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bench: solver benchmark (slow; set KUBEPROOF_SOLVER_BENCH=1 to run)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("KUBEPROOF_SOLVER_BENCH") == "1":
        return
    skip = pytest.mark.skip(reason="benchmark: set KUBEPROOF_SOLVER_BENCH=1")
    for item in items:
        if "bench" in item.keywords:
            item.add_marker(skip)
