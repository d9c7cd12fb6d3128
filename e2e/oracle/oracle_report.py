"""The botocore oracles' report, one shape for both (test_botocore_oracle, test_network_oracle):
a headline, each accepted divergence rule with its count, the unaccepted mismatches in full, then
the accepted ones."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

ACCEPTED_HEADER = "--- accepted divergences ---"


def render(headline: Callable[[list, list], str], mismatches: list, rules: list,
           describe: Callable[[object], str]) -> tuple[str, list]:
    """(text, unaccepted mismatches); `headline(unaccepted, accepted)` is the first line."""
    bad = [m for m in mismatches if not m.accepted_by]
    accepted = [m for m in mismatches if m.accepted_by]
    lines = [headline(bad, accepted)]
    for rule in rules:
        lines.append(f"  accepted {rule.id}: {sum(m.accepted_by == rule.id for m in accepted)}")
    lines.append("")
    lines += [describe(m) + "\n" for m in bad]
    if accepted:
        lines.append(ACCEPTED_HEADER)
        lines += [describe(m) + "\n" for m in accepted]
    return "\n".join(lines), bad


def publish(text: str, bad: list, path: str) -> None:
    """Writes the report to `path`, prints its headline, and fails on any unaccepted mismatch."""
    Path(path).write_text(text, encoding="utf-8")
    print(f"{text.splitlines()[0]}\nfull report: {path}")
    assert not bad, f"full report: {path}\n" + text.split(ACCEPTED_HEADER)[0]
