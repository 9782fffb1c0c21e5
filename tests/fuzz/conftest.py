"""Print and record the fuzzer's figures at the end of the run."""

import json

import pytest

from tests.fuzz.stats import FUZZ_STATS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    operation = getattr(item, "operation_label", None)  # set by Schemathesis on each operation's test
    if operation and report.when == "call" or (operation and report.failed):
        FUZZ_STATS.outcomes[operation] = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FUZZ_STATS.outcomes:
        return
    outcomes = FUZZ_STATS.outcomes
    figures = {
        "operations": len(outcomes),
        "examples": sum(FUZZ_STATS.examples.values()),
        "passed": sum(1 for o in outcomes.values() if o == "passed"),
        "failed": sorted(op for op, o in outcomes.items() if o == "failed"),
        "known_failing": sorted(op for op, o in outcomes.items() if o == "xfailed"),
        "examples_per_operation": dict(sorted(FUZZ_STATS.examples.items())),
    }
    terminalreporter.write_sep("-", "schemathesis")
    terminalreporter.write_line(
        f"operations: {figures['operations']}, examples tried: {figures['examples']}, "
        f"passed: {figures['passed']}, failed: {len(figures['failed'])}, "
        f"known failing (xfail): {len(figures['known_failing'])}"
    )
    for operation in figures["failed"] + figures["known_failing"]:
        terminalreporter.write_line(f"  {outcomes[operation]}: {operation}")
    folder = config.rootpath / "test-results" / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(figures, indent=2))
