"""Read an Odoo test log and print the closing "N passed, N failed" line.

Exit status: 0 only when Odoo exited cleanly, at least one test ran, none
failed or errored and none was skipped (a tour skipped for a missing browser
must not pass as green).

The checks tools/test runs outside Odoo's test runner (upgrade, uninstall)
write one "crm_lifecycle check: PASS|FAIL name" line each to a file: each
counts as a test, and when they were asked for, none written is a failure.
"""

import re
import sys

STATS = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
SKIPPED = re.compile(r" skipped (\S+) : (.*)$")
ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
# In test mode Odoo closes a connection idle for 5 s; Chrome opens spare
# connections ahead of need, and on a busy machine one of them may stay
# idle that long. Werkzeug logs it as an error, though no request was lost
# (a request that did time out fails its tour).
IDLE_CONNECTION = re.compile(r" ERROR \? werkzeug: .* Request timed out: ")
CHECK = re.compile(r"^crm_lifecycle check: (PASS|FAIL) (.*)$")


def read_checks(path):
    """(passed, failed lines) of the checks file."""
    passed, failed = 0, []
    with open(path, encoding="utf-8", errors="replace") as checks:
        for line in checks:
            match = CHECK.match(line.rstrip("\n"))
            if match and match.group(1) == "PASS":
                passed += 1
            elif match:
                failed.append(match.group(2))
    return passed, failed


def main(log_path, odoo_rc, checks_path=None, checks_asked=False):
    failed = errors = ran = 0
    skipped = []
    error_lines = 0
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = STATS.search(line)
            if match:
                failed, errors, ran = (int(g) for g in match.groups())
            match = SKIPPED.search(line)
            if match:
                skipped.append(f"{match.group(1)}: {match.group(2)}")
            if ERROR.search(line) and not IDLE_CONNECTION.search(line):
                error_lines += 1
    problems = []
    if not ran:
        problems.append("no test ran (wrong tags, or the module did not install)")
    if skipped:
        problems.append(f"{len(skipped)} test(s) skipped: " + "; ".join(skipped))
    if error_lines and not (failed or errors):
        problems.append(f"{error_lines} ERROR line(s) in the log")
    if odoo_rc:
        problems.append(f"Odoo exited with status {odoo_rc}")
    bad = failed + errors
    passed = max(ran - bad - len(skipped), 0)
    if checks_path:
        checks_passed, checks_failed = read_checks(checks_path)
        if checks_asked and not (checks_passed or checks_failed):
            problems.append("the upgrade and uninstall checks did not run")
        for check in checks_failed:
            print(f"test: check failed: {check}", file=sys.stderr)
        passed += checks_passed
        bad += len(checks_failed)
    for problem in problems:
        print(f"test: {problem}", file=sys.stderr)
    print(
        f"{passed} passed, {bad} failed"
        + (f", {len(skipped)} skipped" if skipped else "")
    )
    return 1 if (bad or problems) else 0


if __name__ == "__main__":
    sys.exit(
        main(
            sys.argv[1],
            int(sys.argv[2]) if len(sys.argv) > 2 else 0,
            sys.argv[3] if len(sys.argv) > 3 else None,
            len(sys.argv) > 4 and sys.argv[4] == "1",
        )
    )
