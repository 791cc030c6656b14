#!/bin/sh
# Install libgan into a temporary prefix and build the README's program against it
# through pkg-config, as C11 and as C++17, the way a user's project does.
# usage: check_install.sh SOURCE_DIR
set -eu
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
meson setup "$work/build" "$src" --prefix "$prefix" -Dtests=disabled -Dexamples=disabled \
    > "$work/setup.log" || { cat "$work/setup.log"; exit 1; }
meson install -C "$work/build" > "$work/install.log" || { cat "$work/install.log"; exit 1; }
pc=$(find "$prefix" -name libgan.pc)
[ -n "$pc" ] || { echo "libgan.pc was not installed"; exit 1; }
[ -f "$prefix/include/gan/gan.h" ] || { echo "headers not under include/gan/"; exit 1; }
[ -f "$prefix/include/gan/version.h" ] || { echo "generated version.h not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
libdir=$(pkg-config --variable=libdir libgan)
[ -e "$libdir/libgan.so.0" ] || { echo "libgan.so.0 not in $libdir"; exit 1; }
soname=$(readelf -d "$libdir/libgan.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libgan.so.0" ] || { echo "SONAME is '$soname'"; exit 1; }

# The README's example program, extracted from README.md.
sed -n '/^```c$/,/^```$/p' "$src/README.md" | sed '1d;$d' > "$work/prog.c"
cc -std=c11 -Wall -Wextra -Werror "$work/prog.c" -o "$work/prog_c" \
    $(pkg-config --cflags --libs libgan)
cp "$work/prog.c" "$work/prog.cpp"
c++ -std=c++17 -Wall -Wextra -Werror "$work/prog.cpp" -o "$work/prog_cpp" \
    $(pkg-config --cflags --libs libgan)
LD_LIBRARY_PATH="$libdir" "$work/prog_c"
LD_LIBRARY_PATH="$libdir" "$work/prog_cpp"

# libgan-io through its own pkg-config name: write a 2x2 grid of one 1x2x2 image.
cat > "$work/io.c" <<'PROG'
#include <gan/gan.h>
#include <gan/io.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    const float image[4] = {-1.0f, 1.0f, 0.0f, 0.5f};
    if (argc < 2 || gan_png_write_grid(argv[1], image, 1, 1, 2, 2, 1, 1) != GAN_OK) {
        fprintf(stderr, "%s\n", gan_last_error());
        return 1;
    }
    return 0;
}
PROG
cc -std=c11 -Wall -Wextra -Werror "$work/io.c" -o "$work/io" $(pkg-config --cflags --libs libgan-io)
LD_LIBRARY_PATH="$libdir" "$work/io" "$work/grid.png"
[ -s "$work/grid.png" ] || { echo "libgan-io wrote no PNG"; exit 1; }
# libgan-mpi through its own pkg-config name, when it was built (Open MPI found): its
# header is installed and works without MPI's, and the library links and loads.
if [ -f "$(dirname "$pc")/libgan-mpi.pc" ]; then
    [ -f "$prefix/include/gan/mpi.h" ] || { echo "gan/mpi.h not installed"; exit 1; }
    cat > "$work/mpi.c" <<'PROG'
#include <gan/gan.h>
#include <gan/mpi.h>
int main(void)
{
    return gan_mpi_get_rank(NULL, NULL, NULL) == GAN_E_INVALID_ARG ? 0 : 1;
}
PROG
    cc -std=c11 -Wall -Wextra -Werror "$work/mpi.c" -o "$work/mpi" \
        $(pkg-config --cflags --libs libgan-mpi)
    LD_LIBRARY_PATH="$libdir" "$work/mpi" || { echo "libgan-mpi: the program failed"; exit 1; }
    mpi_soname=$(readelf -d "$libdir/libgan-mpi.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
    [ "$mpi_soname" = "libgan-mpi.so.0" ] || { echo "libgan-mpi's SONAME is '$mpi_soname'"; exit 1; }
    echo "libgan-mpi.pc, gan/mpi.h and $mpi_soname installed and usable"
elif [ -f "$prefix/include/gan/mpi.h" ]; then
    echo "gan/mpi.h installed without libgan-mpi"; exit 1
fi
# The consumer examples, built with their Makefile against the installed libraries.
cp "$src/examples/consumer/consumer.c" "$src/examples/consumer/consumer.cpp" \
    "$src/examples/consumer/Makefile" "$work/"
make -s -C "$work" > "$work/make.log" 2>&1 || { cat "$work/make.log"; exit 1; }
(cd "$work" && LD_LIBRARY_PATH="$libdir" ./consumer) || { echo "consumer failed"; exit 1; }
(cd "$work" && LD_LIBRARY_PATH="$libdir" ./consumer_cpp "$work/consumer-grid.png" > /dev/null) ||
    { echo "consumer_cpp failed"; exit 1; }
[ -s "$work/consumer-grid.png" ] || { echo "consumer_cpp wrote no PNG"; exit 1; }

echo "installed to $prefix: libgan.pc, libgan-io.pc, include/gan/*.h, $soname; README"
echo "program built and ran as C11 and C++17; a libgan-io program wrote a PNG; the"
echo "examples/consumer programs (C and C++) built with pkg-config and ran"
