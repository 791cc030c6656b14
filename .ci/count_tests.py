"""Sum meson test logs into one closing line: 'N passed, N failed'.

A cmocka program counts each of its test cases; any other test counts once."""
import json
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as log:
        for line in log:
            entry = json.loads(line)
            out = entry.get("stdout", "")
            ok = len(re.findall(r"^\[       OK \]", out, re.M))
            bad = len(re.findall(r"^\[  FAILED  \] (?!\d+ test)", out, re.M))
            if ok or bad:
                passed += ok
                failed += bad
                if entry["result"] != "OK" and not bad:
                    failed += 1  # crashed or timed out between cases
            elif entry["result"] == "OK":
                passed += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
