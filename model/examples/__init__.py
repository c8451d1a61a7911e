"""Bundled example manifests: a small realistic cluster and one workload of each kind."""

from pathlib import Path

DIRECTORY = Path(__file__).parent
"""The folder holding the example YAML files (``kubeproof validate`` reads it by default)."""
