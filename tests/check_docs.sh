#!/bin/sh
# Every public function is documented: the comment right before each GAN_API
# declaration in include/gan/*.h has a @brief (or leading text) and says what it returns
# (@return, or "no-op" for the void destructors). Lists the offenders.
# usage: check_docs.sh INCLUDE_DIR
set -eu
status=0
for h in "$1"/gan/*.h; do
    awk -v file="$(basename "$h")" '
        /\/\*\*/ { doc = ""; indoc = 1 }
        indoc { doc = doc $0 "\n" }
        /\*\// { indoc = 0; last_doc_end = NR }
        /^GAN_API/ {
            name = $0
            sub(/\(.*/, "", name); n = split(name, parts, /[ *]+/); name = parts[n]
            documented = (NR - last_doc_end <= 1) && doc != ""
            says_return = doc ~ /@return/ || doc ~ /no-op/
            if (!documented) { print file ": " name ": no doc comment"; bad = 1 }
            else if (!says_return) { print file ": " name ": no @return"; bad = 1 }
            doc = ""; count++
        }
        END { printf "%s: %d public functions\n", file, count > "/dev/stderr"; exit bad }
    ' "$h" || status=1
done
exit $status
