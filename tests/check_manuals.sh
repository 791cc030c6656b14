#!/bin/sh
# The generated man pages (doc/man): one per public function with its sections, every
# function listed in libgan(3) or libgan-io(3), every cross-reference to a page that
# exists, no groff warning, and the EXAMPLE of libgan(3) and libgan-io(3) compiling.
# usage: check_manuals.sh MAN_DIR SRC_INCLUDE BUILD_INCLUDE "CC..."
# GAN_MANUALS_SKIP: headers (base names, space-separated) whose pages this build does not
# make, e.g. mpi.h without libgan-mpi.
set -eu
mandir=$1 srcinc=$2 buildinc=$3 cc=$4
here=$(dirname "$0")
status=0
fail() { echo "$*"; status=1; }
headers=
for h in "$srcinc"/gan/*.h; do
    case " ${GAN_MANUALS_SKIP:-} " in *" $(basename "$h") "*) continue ;; esac
    headers="$headers $h"
done
functions=$(sh "$here/../doc/man/gandoc.sh" list $headers "$srcinc"/gan/version.h.in)
n=0
for f in $functions; do
    n=$((n + 1))
    page="$mandir/$f.3"
    [ -f "$page" ] || { fail "$f: no page"; continue; }
    for s in NAME LIBRARY SYNOPSIS DESCRIPTION "RETURN VALUE" "THREAD SAFETY" "SEE ALSO"; do
        grep -q "^\.SH $s\$" "$page" || fail "$f.3: no $s section"
    done
    grep -q "^\.BR $f (3)" "$mandir/libgan.3" "$mandir/libgan-io.3" ||
        fail "$f: not listed in libgan(3) or libgan-io(3)"
done
for page in "$mandir"/*.3; do
    for ref in $(sed -n 's/^\.BR \([a-z_-]*\) (3).*/\1/p' "$page" | sed 's/\\//g'); do
        [ -f "$mandir/$ref.3" ] || fail "$(basename "$page"): SEE ALSO $ref(3): no such page"
    done
    if command -v groff > /dev/null; then
        warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
        [ -z "$warnings" ] || fail "$(basename "$page"): groff: $warnings"
    fi
done
# The examples, as a reader would copy them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lib in libgan libgan-io; do
    sed -n '/^\.EX$/,/^\.EE$/p' "$mandir/$lib.3" | sed -e '/^\.E[XE]$/d' \
        -e 's/\\e/\\/g' -e 's/\\-/-/g' > "$tmp/$lib.c"
    if [ "$lib" = libgan-io ]; then
        # A fragment: give it a body and the headers it assumes.
        { echo '#include <gan/gan.h>'; echo '#include <gan/io.h>'
          echo '#include <stdio.h>'; echo '#include <stdlib.h>'
          echo 'int example(void) {'; cat "$tmp/$lib.c"; echo 'return 0; }'; } > "$tmp/frag.c"
        mv "$tmp/frag.c" "$tmp/$lib.c"
    fi
    # shellcheck disable=SC2086
    $cc -std=c11 -Wall -Werror -fsyntax-only -I"$srcinc" -I"$buildinc" "$tmp/$lib.c" ||
        fail "$lib(3): its EXAMPLE does not compile"
done
echo "$n functions, $(ls "$mandir"/*.3 | wc -l) pages checked"
exit $status
