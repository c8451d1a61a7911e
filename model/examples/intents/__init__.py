"""Intent scenarios: each folder holds the manifests of a small cluster (``manifests.yaml``) and CheckSpecs that
hold (``holds.yaml``) or are violated (``violated.yaml``) on them; ``kubeproof bench --intents`` times each."""

from pathlib import Path

DIRECTORY = Path(__file__).parent
"""The folder holding the scenario folders."""
