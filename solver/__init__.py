"""The Z3 scheduler, kube-scheduler's greedy strategies and the comparison harness.

- :mod:`solver.workloads`: the pods controllers would create for workloads;
- :mod:`solver.instance`: admission, queue order and static filter verdicts (the problem);
- :mod:`solver.encoding`: the integer-linear encoding shared by the backends;
- :mod:`solver.objectives`, :mod:`solver.search` (Z3), :mod:`solver.cpsat` (OR-tools, optional): lexicographic
  optimisation with bounds; :mod:`solver.warm`: the greedy warm start;
- :mod:`solver.verify` and :mod:`solver.explain`: the model's re-check and the reasons pods stay pending;
- :mod:`solver.api`: ``schedule``; :mod:`solver.greedy`: kube-scheduler profiles;
- :mod:`solver.node_types`: ``min-nodes`` by node types (how many nodes of each type, then the assignment);
- :mod:`solver.balance_levels`: ``balance`` by utilisation levels (bounds, a one-resource relaxation, Z3 per level);
- :mod:`solver.families`, :mod:`solver.compare`, :mod:`solver.bench`, :mod:`solver.startup`: workloads, reports
  and the benchmarks; :mod:`solver.names`: the command line's choices, without loading Z3.
"""
