#!/bin/sh
# A section-1 man page for an example program from its --help (help2man). help2man runs
# a stand-in of the same name that rewrites the usage lines as help2man expects them
# ("Usage: prog ...", "  or: prog ...", one line each) and writes the build's source
# directory, which --help shows in default paths, as examples/, so that the page does
# not depend on where it was built.
# usage: help2man.sh HELP2MAN PROGRAM NAME DESCRIPTION VERSION SOURCE_DIR OUTPUT
set -eu
help2man=$1 program=$2 name=$3 description=$4 version=$5 srcdir=$6 output=$7
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/$name" <<EOS
#!/bin/sh
"$program" "\$@" | sed -e 's|$srcdir/|examples/|g' | awk '
    # The usage block: "usage: prog ...", lines that continue it (indented options),
    # and more forms of it ("       prog ..."), which help2man wants as "  or: prog".
    NR == 1 && sub(/^usage:/, "Usage:") { line = \$0; inusage = 1; next }
    inusage && /^ +$name / { print line; line = \$0; sub(/^ +/, "  or: ", line); next }
    inusage && /^ +[[-]/ { l = \$0; sub(/^ +/, " ", l); line = line l; next }
    inusage { print line; inusage = 0 }
    { print }
    END { if (inusage) print line }'
EOS
chmod +x "$tmp/$name"
"$help2man" --no-info --version-string="$version" --name="$description" \
    --source="libgan $version" --manual="libgan examples" --output="$output" "$tmp/$name"
