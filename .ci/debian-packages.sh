#!/usr/bin/env bash
# The Debian packages (debian/, doc/PACKAGING.md): build them from a copy of the tree with
# dpkg-buildpackage (its test suite included, without suite 'long'), lint them, install
# them, run their autopkgtest, read a man page from libgan-dev, run the consumer under
# OpenBLAS and under netlib chosen with update-alternatives, then purge them and put the
# BLAS alternative back, checking that the installed packages are those found at the start.
# Needs root (it installs packages), and the packages that .ci/run installs.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

run() { echo "== $*"; "$@"; }
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }

packages=(libgan0 libgan-io0 libgan-dev)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
alt=libblas.so.3-$multiarch
openblas_lib=/usr/lib/$multiarch/openblas-pthread/libblas.so.3
netlib_lib=/usr/lib/$multiarch/blas/libblas.so.3
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=${version%-*}

# An earlier run that died before its cleanup may have left the packages installed.
for p in "${packages[@]}" libgan0-dbgsym libgan-io0-dbgsym; do
    if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
        echo "== $p is installed (left by an earlier run?): purging it first"
        dpkg --purge "$p"
    fi
done

work=$(mktemp -d)
dpkg_before="$work/dpkg-before"
dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Status}\n' > "$dpkg_before"
alt_status=$(update-alternatives --query "$alt" | sed -n 's/^Status: //p')
alt_value=$(update-alternatives --query "$alt" | sed -n 's/^Value: //p')

cleanup() {
    local rc=$?
    set +e
    if [ "$alt_status" = auto ]; then
        update-alternatives --quiet --auto "$alt"
    else
        update-alternatives --quiet --set "$alt" "$alt_value"
    fi
    dpkg --purge "${packages[@]}" > "$work/purge.log" 2>&1 || cat "$work/purge.log"
    dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Status}\n' > "$work/dpkg-after"
    if ! diff -u "$dpkg_before" "$work/dpkg-after"; then
        echo "debian packages: the installed packages differ from those found at the start"
        rc=1
    fi
    if [ "$(update-alternatives --query "$alt" | sed -n 's/^Value: //p')" != "$alt_value" ]; then
        echo "debian packages: $alt was not restored to $alt_value"
        rc=1
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT

# A copy of the tracked files, so that the checkout stays clean (dpkg-buildpackage writes
# into the parent directory), and the upstream tarball: the tree without debian/.
tree="$work/libgan-$upstream"
mkdir "$tree"
git -C "$src" ls-files -z --cached --others --exclude-standard | (cd "$src" && xargs -0 cp --parents -t "$tree")
tar -C "$work" --exclude="libgan-$upstream/debian" -cJf "$work/libgan_$upstream.orig.tar.xz" \
    "libgan-$upstream"
# The source package too, for lintian's checks of debian/ itself and for autopkgtest.
(cd "$work" && dpkg-source -b "libgan-$upstream" > source.log) || { cat "$work/source.log"; exit 1; }

echo "== dpkg-buildpackage -us -uc -b -j2 (log: build.log)"
start=$(date +%s)
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b -j2) > "$work/build.log" 2>&1; then
    tail -n 80 "$work/build.log"
    exit 1
fi
grep -E '^(Ok|Fail|Skipped|Timeout): ' "$work/build.log" | tr -s ' ' | paste -sd ' ' |
    sed 's/^/   meson test (dh_auto_test): /'
grep -E 'library optimization|BLAS backend' "$work/build.log" | sed 's/^ */   /'
echo "   built in $(($(date +%s) - start)) s: $(cd "$work" && ls ./*.deb | xargs -n1 basename | paste -sd ' ')"

run lintian -I --pedantic --fail-on error,warning "$work/libgan_${version}_"*.changes \
    "$work/libgan_$version.dsc"

debs=()
for p in "${packages[@]}"; do
    debs+=("$work/${p}_${version}_"*.deb)
done
run apt_get install -y -qq --no-install-recommends "${debs[@]}" > "$work/install.log" ||
    { cat "$work/install.log"; exit 1; }

# Debian's BLAS policy: the generic libblas.so.3, no rpath.
dynamic=$(readelf -d "/usr/lib/$multiarch/libgan.so.0")
echo "$dynamic" | grep -q 'NEEDED.*\[libblas\.so\.3\]' && ! echo "$dynamic" | grep -qE 'RPATH|RUNPATH' ||
    { echo "libgan.so.0 should need libblas.so.3 and have no rpath:"; echo "$dynamic"; exit 1; }
echo "== installed: libgan.so.0 needs libblas.so.3, no rpath;" \
     "libgan0 depends on: $(dpkg-query -W -f='${Depends}' libgan0)"

# autopkgtest on this machine (null testbed) with the .debs just built.
echo "== autopkgtest libgan_$version.dsc ${packages[*]} -- null"
autopkgtest -o "$work/autopkgtest" "$work/libgan_$version.dsc" "${debs[@]}" -- null \
    > "$work/autopkgtest.log" 2>&1 || { cat "$work/autopkgtest.log"; exit 1; }
grep -E '^[a-z].* (PASS|FAIL|SKIP)' "$work/autopkgtest/summary" | sed 's/^/   autopkgtest: /'

# The manual comes with libgan-dev.
page=$(man -w gan_trainer_step)
man -P cat gan_trainer_step 2> /dev/null | grep -q '^SYNOPSIS' ||
    { echo "man gan_trainer_step: no page"; exit 1; }
echo "== man gan_trainer_step: $page"

# The same installed packages under each BLAS that update-alternatives can select.
consumer="$work/consumer"
mkdir "$consumer"
cp /usr/share/doc/libgan-dev/examples/* "$consumer/"
make -s -C "$consumer" > "$work/make.log" 2>&1 || { cat "$work/make.log"; exit 1; }
for lib in "$openblas_lib" "$netlib_lib"; do
    run update-alternatives --quiet --set "$alt" "$lib"
    loaded=$(ldd "$consumer/consumer" | awk '$1 ~ /^lib(open)?blas/ {print $3}' |
             xargs readlink -f | paste -sd ' ')
    case $lib in
    *openblas*) echo "$loaded" | grep -q libopenblas ||
                    { echo "OpenBLAS selected, but the consumer loads: $loaded"; exit 1; } ;;
    *) echo "$loaded" | grep -qv libopenblas ||
           { echo "netlib selected, but the consumer loads: $loaded"; exit 1; } ;;
    esac
    echo "   loads $loaded"
    t0=$(date +%s%N)
    (cd "$consumer" && ./consumer && ./consumer_cpp grid.png > /dev/null) | sed 's/^/   /'
    echo "   consumer and consumer_cpp passed in $((($(date +%s%N) - t0) / 1000000)) ms"
done
echo "== debian packages: built, lintian-clean, installed, autopkgtest passed, man page read," \
     "consumer ran under OpenBLAS and netlib, in $SECONDS s; purging them"
