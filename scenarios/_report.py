"""What a run did and what was checked: the report a scenario prints and a test asserts on."""

from __future__ import annotations

import msgspec

from ._checks import Check
from ._faults import FaultSchedule

__all__ = ["Report", "merge_checks"]


class Report(msgspec.Struct, kw_only=True):
    name: str
    seed: int
    schedule: FaultSchedule
    duration: float
    checks: list[Check] = msgspec.field(default_factory=list)
    facts: dict[str, str] = msgspec.field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def check(self, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append(Check(name=name, passed=passed, detail=detail))

    def replay_hint(self) -> str:
        """How to run this exact case again."""
        return (
            f"seed {self.seed}, schedule {self.schedule.to_json()}\n"
            f"replay: save the schedule as FILE, then "
            f"`tradeloop scenario replay --seed {self.seed} --faults FILE "
            f"--duration {self.duration:g}`"
        )

    def summary(self) -> str:
        lines = [f"{self.name} (seed {self.seed}): {'ok' if self.ok else 'FAILED'}"]
        lines += [f"  {k}: {v}" for k, v in self.facts.items()]
        lines += [f"  [{'pass' if c.passed else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        if not self.ok:
            lines.append("  " + self.replay_hint())
        return "\n".join(lines)


def merge_checks(rounds: list[list[Check]]) -> list[Check]:
    """One check per name over several rounds: failed if any round failed (its first detail)."""
    merged: dict[str, Check] = {}
    for checks in rounds:
        for check in checks:
            seen = merged.get(check.name)
            if seen is None or (seen.passed and not check.passed):
                merged[check.name] = check
    return list(merged.values())
