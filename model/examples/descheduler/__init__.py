"""Descheduler scenarios beyond Kivi's: a descheduler policy against the scheduler's profile, as manifests with a
CheckSpec (``violated.yaml``, its twin ``holds.yaml``, ``spec.yaml``) per folder."""

from pathlib import Path

DIRECTORY = Path(__file__).parent
