"""The benchmark harness; the timing targets themselves run only under the ``bench`` marker."""

import statistics

import pytest

from solver import bench, cpsat


def test_sizes_parse_and_bad_ones_are_rejected():
    assert bench.parse_size("200x60") == (200, 60)
    with pytest.raises(ValueError, match="PODSxNODES"):
        bench.parse_size("200 by 60")


def test_the_bench_family_is_seeded():
    from solver.families import bench as family

    a, b = family(40, 10, 1), family(40, 10, 1)
    assert a.to_place == b.to_place and a.cluster == b.cluster
    assert family(40, 10, 2).to_place != a.to_place


def test_summary_reports_each_target():
    rows = [{"backend": "z3", "instance": "20x5", "seed": 0, "status": "optimal", "seconds": 0.5, "cpu": 0.4},
            {"backend": "cpsat", "instance": "20x5", "seed": 0, "status": "optimal", "seconds": 0.25, "cpu": 0.1},
            {"backend": "z3", "instance": "20x5", "seed": 1, "status": "optimal", "seconds": 0.5, "cpu": 0.4},
            {"backend": "cpsat", "instance": "20x5", "seed": 1, "status": "feasible", "seconds": 10, "cpu": 20}]
    large = [{"instance": "1000x100", "nodes": 86, "bound": 84, "placed": 1000, "pods": 1000, "seconds": 40.0}]
    lines = bench.summary(rows, large)
    assert lines[0].startswith("min-nodes proven optimal within 10 s: 2/2") and lines[0].endswith("(met)")
    assert "gap 2" in lines[1] and lines[1].endswith("(met)")
    assert lines[2] == "CP-SAT proved 1/2; Z3 proved 1 of those and 1 that CP-SAT did not"
    assert "median wall time" in lines[3] and "ratio 2.00" in lines[3] and lines[3].endswith("within 3x)")
    assert "median CPU time" in lines[4] and "ratio 4.00" in lines[4] and "NOT met" in lines[4]


@pytest.mark.bench
def test_min_nodes_targets_on_the_bench_family():
    """Prints the figures; asserts only optimality (timings are reported, never asserted)."""
    rows = [bench.run(p, n, seed, "z3", bench.PROVE_WITHIN) for p, n in ((100, 30), (200, 60)) for seed in range(3)]
    for row in rows:
        print(row)
    if cpsat.available():
        cp = [bench.run(p, n, seed, "cpsat", bench.PROVE_WITHIN) for p, n in ((200, 60),) for seed in range(3)]
        print("cpsat median", statistics.median(r["seconds"] for r in cp))
    assert all(r["status"] == "optimal" for r in rows)
