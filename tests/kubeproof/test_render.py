"""kubeproof.render.write_report: every benchmark writes its report the same way, for people and for tools."""

from __future__ import annotations

import json
from pathlib import Path

from kubeproof.render import write_report


def test_a_report_is_written_as_markdown_and_json_into_a_new_directory(tmp_path: Path) -> None:
    directory = tmp_path / "reports" / "bench"
    write_report(directory, "kivi", "# Kivi\n", {"cases": [1, 2]})
    assert (directory / "kivi.md").read_text() == "# Kivi\n"
    assert json.loads((directory / "kivi.json").read_text()) == {"cases": [1, 2]}
