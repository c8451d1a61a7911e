"""Kivi's failure cases (Liu et al., USENIX ATC 2024, github.com/bingzheliu/Kivi ``kivi/cases/case_generator.py``)
written as kubeproof manifests and CheckSpec files, one folder per case: ``violated.yaml`` re-creates the failure,
``holds.yaml`` is Kivi's "no violation" twin, ``spec.yaml`` states the intent."""

from pathlib import Path

DIRECTORY = Path(__file__).parent
