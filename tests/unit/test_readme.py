"""The README's links lead somewhere: docs and the screenshots `make screenshots` writes."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_relative_link_of_the_readme_is_a_file_of_the_repo() -> None:
    text = (REPO / "README.md").read_text()
    links = re.findall(r"\]\(([^)#\s]+)\)", text)
    relative = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/screenshots/") for link in relative)
    missing = [link for link in relative if not (REPO / link).is_file()]
    assert missing == []
