#!/bin/sh
# The public ABI of libgan and libgan-io against the baseline committed in abi/, with
# libabigail's abidw and abidiff (Debian's abigail-tools). doc/DESIGN.md, "ABI".
# usage: check_abi.sh [BUILD_DIR]            compare the libraries with abi/*.abi
#        check_abi.sh --update [BUILD_DIR]   write abi/*.abi from them (at a release:
#                                            tests/update_abi_baseline.sh)
# BUILD_DIR: a compiled meson build with debug information. Without it, the libraries
# are built afresh in build-abi/ the way the baseline was: debugoptimized, libgan's own
# BLAS kernels (so that the debug information does not depend on the BLAS installed),
# no tests or examples.
# A change an application built against the baseline could notice fails: a function or
# variable removed or its type changed, a public struct's layout or an enum constant's
# value changed. An addition (a function, an enum constant, a member appended to a
# struct_size-versioned struct) passes, and abidiff's report of it is printed.
set -eu
update=no
if [ "${1-}" = --update ]; then
    update=yes
    shift
fi
[ $# -le 1 ] || { echo "usage: $0 [--update] [BUILD_DIR]" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in abidw abidiff; do
    command -v $tool > /dev/null ||
        { echo "$tool not found (apt-get install abigail-tools)"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -eq 0 ]; then
    build="$src/build-abi"
    rm -rf "$build"
    { meson setup "$build" "$src" -Dbuildtype=debugoptimized -Dblas=reference \
          -Dtests=disabled -Dexamples=disabled -Dman=disabled &&
      meson compile -C "$build"; } > "$work/build.log" 2>&1 ||
        { cat "$work/build.log"; echo "the build in $build failed"; exit 1; }
    echo "built $build (debugoptimized, reference BLAS, libraries only)"
else
    build=$(cd "$1" && pwd)
fi

# The types of the public headers only: the others (the internal structs behind the
# opaque handles) become declarations. abidw matches --header-file against the paths in
# the debug information, which are relative to the build directory, and wants them to
# exist from where it runs; --headers-dir would match headers by base name only,
# letting lib/model.h pass for include/gan/model.h. version.h is generated into the
# build directory (it defines no type). Every type is kept (--load-all-types), not just
# those reached from a function: the public enums are anonymous and reached by none.
# Left out: the paths and DT_NEEDED entries, which depend on the machine and the BLAS.
# (Paths with blanks are not supported.)
rel=$(realpath --relative-to="$build" "$src")
headers=
for h in "$src"/include/gan/*.h; do
    headers="$headers --header-file $rel/include/gan/${h##*/}"
done
headers="$headers --header-file include/gan/version.h"
dump() { # LIBRARY OUTPUT (absolute paths)
    (cd "$build" && abidw $headers --drop-private-types --load-all-types --no-corpus-path \
        --no-comp-dir-path --no-elf-needed --drop-undefined-syms --type-id-style hash \
        --out-file "$2" "$1")
    # Header paths that missed would have turned the public structs into declarations
    # too (libgan has some; libgan-io's dump shares its paths).
    case $1 in */libgan.so.0)
        grep -q "<class-decl name='gan_model_options' size-in-bits=" "$2" ||
            { echo "$1: no public struct in the dump: the header paths missed"; exit 1; }
    esac
}

members() { # the public structs' members in an abidw dump, one a line
    awk -f "$src/tests/abi_struct_members.awk" "$1" | sort -u
}
joined() { awk '{ printf "%s%s", sep, $0; sep = "; " }'; }

failed=0
checked=0
for lib in lib/libgan.so.0 lib/io/libgan-io.so.0; do
    name=${lib##*/}
    baseline="$src/abi/$name.abi"
    if [ ! -e "$build/$lib" ]; then
        if [ "$name" != libgan.so.0 ] && [ $update = no ]; then
            echo "$name: not built in $build, not checked"
            continue
        fi
        echo "$build/$lib not found (compile the build first)"
        exit 1
    fi
    if ! readelf -S "$build/$lib" | grep -q '\.debug_info'; then
        echo "$name: no debug information (-Dbuildtype=debugoptimized or debug)"
        exit 1
    fi
    if [ $update = yes ]; then
        dump "$build/$lib" "$baseline"
        echo "$name: wrote abi/$name.abi ($(wc -c < "$baseline") bytes," \
             "$(grep -c '<elf-symbol ' "$baseline") symbols)"
        continue
    fi
    [ -f "$baseline" ] || { echo "$name: no baseline abi/$name.abi"; exit 1; }
    dump "$build/$lib" "$work/$name.abi"
    arch() { sed -n "1s/.*architecture='\([^']*\)'.*/\1/p" "$1"; }
    if [ "$(arch "$baseline")" != "$(arch "$work/$name.abi")" ]; then
        echo "$name: the baseline is for $(arch "$baseline"), this build for" \
             "$(arch "$work/$name.abi"): not compared"
        continue
    fi
    checked=$((checked + 1))

    # Additions only: nothing changed once the added symbols are left out, and of the
    # types no public function reaches (the anonymous enums of constants), none removed
    # or changed; --no-added-syms does not leave out such an added type.
    only_additions() {
        abidiff $supp --no-added-syms "$1" "$2" > /dev/null 2>&1 &&
            ! grep -Eq 'Unreachable types summary: ([1-9][0-9]* removed|0 removed, [1-9])' \
                "$work/report"
    }

    # abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change,
    # 8 incompatible change (a symbol removed, an enum constant's value changed). A
    # changed function or type may set only 4, as an added one does; so with 4 alone,
    # ask again without the additions: what remains is a change.
    supp="--suppressions $src/abi/suppressions.abignore"
    status=0
    abidiff $supp -t "$baseline" "$work/$name.abi" > "$work/report" 2>&1 || status=$?
    verdict=
    if [ $((status & 3)) -ne 0 ]; then
        verdict="abidiff failed"
    elif [ $((status & 8)) -ne 0 ]; then
        verdict="abidiff found a change it knows to be incompatible"
    elif [ $status -ne 0 ] && ! only_additions "$baseline" "$work/$name.abi"; then
        verdict="a function, variable or public type changed, not only added"
    fi
    # The suppression of members appended to a struct (abi/suppressions.abignore) does
    # not look at the struct's other members: each old one must still be there, at the
    # same offset with the same type.
    members "$baseline" > "$work/old.members"
    members "$work/$name.abi" > "$work/new.members"
    moved=$(comm -23 "$work/old.members" "$work/new.members" | joined)
    appended=$(comm -13 "$work/old.members" "$work/new.members" | joined)
    if [ -n "$moved" ] && [ -z "$verdict" ]; then
        verdict="public struct members changed or gone (struct offset member type-id:"
        verdict="$verdict $moved)"
        # The suppressions hid it: the report without them.
        abidiff -t "$baseline" "$work/$name.abi" > "$work/report" 2>&1 || status=$?
    fi

    if [ -n "$verdict" ]; then
        echo "$name: INCOMPATIBLE with abi/$name.abi: $verdict (abidiff exit status" \
             "$status). abidiff's report:"
        sed 's/^/    /' "$work/report"
        failed=1
    elif [ $status -ne 0 ] || [ -n "$appended" ]; then
        echo "$name: compatible additions to abi/$name.abi; abidiff's report:"
        sed 's/^/    /' "$work/report"
        [ -z "$appended" ] ||
            echo "    struct members appended (struct offset member type-id): $appended"
    else
        echo "$name: no ABI change against abi/$name.abi"
    fi
done

[ $update = yes ] && exit 0
if [ $failed -ne 0 ]; then
    echo "the ABI check failed: an application built against the baseline may break."
    echo "Restore compatibility, or bump the SONAME as doc/DESIGN.md (ABI) says."
    exit 1
fi
[ $checked -gt 0 ] || exit 77
echo "ABI check passed: $checked libraries compatible with abi/"
