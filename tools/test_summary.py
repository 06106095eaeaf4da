"""Read an Odoo test log and print the closing "N passed, N failed" line.

Exit status: 0 only when Odoo exited cleanly, at least one test ran, none
failed or errored and none was skipped (a tour skipped for a missing browser
must not pass as green).
"""

import re
import sys

STATS = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
SKIPPED = re.compile(r" skipped (\S+) : (.*)$")
ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def main(log_path, odoo_rc):
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
            if ERROR.search(line):
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
    for problem in problems:
        print(f"test: {problem}", file=sys.stderr)
    print(
        f"{passed} passed, {bad} failed"
        + (f", {len(skipped)} skipped" if skipped else "")
    )
    return 1 if (bad or problems) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
