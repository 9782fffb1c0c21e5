"""Count what the fuzzer tried, for the summary ``conftest.py`` prints and writes."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FuzzStats:
    examples: Counter = field(default_factory=Counter)
    outcomes: dict[str, str] = field(default_factory=dict)
    violations_seen: set[str] = field(default_factory=set)

    def record(self, operation: str) -> None:
        self.examples[operation] += 1


FUZZ_STATS = FuzzStats()
