# gandoc: reads libgan's public headers and writes one man page (section 3) per public
# function, an HTML reference, or a strict report of what the doc comments lack.
# doc/MANUALS.md explains the comment format it reads. POSIX awk (Debian's mawk will do).
#
# Variables (awk -v): mode = list | man | html | index | check; outdir (man, html);
# version; date; umbrella = the header names gan/gan.h includes, space-separated.
# Operands: the headers (status.h among them, for the status codes' descriptions).

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function basename(p) { sub(/.*\//, "", p); sub(/\.in$/, "", p); return p }

# --- reading -------------------------------------------------------------------------

# The text of a comment line: without the leading "/**", "/*", " * " and a closing "*/".
function comment_text(line) {
    sub(/^[ \t]*\/\*\*?[ \t]*/, "", line)
    sub(/\*\/[ \t]*$/, "", line)
    sub(/^[ \t]*\*( |$)/, "", line)
    sub(/[ \t]+$/, "", line)
    return line
}

# A doc comment's lines split so that each tag (@brief, @param, @return, @name) starts
# a line of its own, as "/** @brief ... @return ... */" on one line needs.
function split_tags(text,    out, pos, head) {
    out = ""
    while (match(text, /[^ \t] *@(brief|param|returns?|name)[ \t]/) && RSTART > 0) {
        head = substr(text, 1, RSTART)
        out = out head "\n"
        text = substr(text, RSTART + 1)
        sub(/^ +/, "", text)
    }
    return out text
}

FNR == 1 {
    hdr = basename(FILENAME); nhdr++; hdrs[nhdr] = hdr; incomment = 0; skipping = 0
    first_comment[hdr] = ""; seen_first = 0; doc = ""; doc_end = -10; group = ""; groupnote = ""
    lib[hdr] = (hdr == "io.h") ? "libgan-io" : "libgan"
    if (proto_open) { print "gandoc: unterminated prototype in " FILENAME > "/dev/stderr"; exit 2 }
}

# Inside a trailing member comment (/**< ... over several lines): skip to its end.
skipping { if ($0 ~ /\*\//) skipping = 0; next }

incomment {
    cbuf = cbuf "\n" comment_text($0)
    if ($0 ~ /\*\//) { incomment = 0; end_comment() }
    next
}

# A comment that starts a line: a doc block (/**), or the header's opening /* comment.
/^[ \t]*\/\*/ && $0 !~ /^[ \t]*\/\*\*</ {
    cisdoc = ($0 ~ /^[ \t]*\/\*\*/)
    cbuf = comment_text($0)
    if ($0 ~ /\*\/[ \t]*$/) end_comment(); else incomment = 1
    next
}

# A comment after code (a struct member's /**< ... */): not ours.
/\/\*/ { if ($0 !~ /\*\//) skipping = 1 }

function end_comment(   t) {
    sub(/^\n+/, "", cbuf)
    if (!seen_first) {
        seen_first = 1
        if (!cisdoc) { first_comment[hdr] = cbuf; return }
    }
    if (!cisdoc) return
    if (cbuf ~ /@name[ \t]/) {
        group = cbuf; sub(/.*@name[ \t]+/, "", group); sub(/\n.*/, "", group)
        groupnote = thread_note_of(cbuf, 0)
    }
    if (cbuf ~ /^[ \t]*@\}[ \t]*$/) { group = ""; groupnote = "" }
    doc = cbuf; doc_end = FNR
}

# The handle types: typedef struct gan_x gan_x_t; with their "Thread safety:" notes.
/^typedef struct gan_[a-z0-9_]+ gan_[a-z0-9_]+_t;/ {
    t = $4; sub(/;.*/, "", t); handle[t] = 1
    if (FNR - doc_end <= 1) typenote[t] = thread_note_of(doc, 1)
    typehdr[t] = hdr
    doc = ""
}

# The status codes and their descriptions (status.h's enum).
/^[ \t]+GAN_(OK|E_[A-Z_]+) = -?[0-9]+/ {
    code = $1; statuscode[code] = 1; nstatus++; statusorder[nstatus] = code; statusval[code] = $3; sub(/,/, "", statusval[code])
    d = $0
    if (sub(/.*\/\*\*< */, "", d)) { sub(/ *\*\/.*/, "", d); statusdesc[code] = d }
}

# A public function: its prototype may span several lines; it ends when the
# parentheses close (an attribute may follow, as for gan_set_error).
/^GAN_API/ {
    proto_open = 1; proto = ""; depth = 0
    fdoc_ok = (FNR - doc_end <= 1) ? 1 : 0; fdoc = fdoc_ok ? doc : ""; fline = FNR
    doc = ""
}
proto_open {
    line = $0
    proto = proto " " line
    n = split(line, ch, "")
    for (i = 1; i <= n; i++) {
        if (ch[i] == "(") { depth++; opened = 1 }
        else if (ch[i] == ")") { depth--; if (depth == 0 && opened) break }
    }
    if (opened && depth == 0) { proto_open = 0; opened = 0; add_function(proto) }
    next
}

function add_function(p,    pre, args, name, ret, n, a, i, pn, pt) {
    sub(/^ *GAN_API[ \t]+/, "", p)
    gsub(/[ \t]+/, " ", p)
    pre = p; sub(/\(.*/, "", pre); pre = trim(pre)
    args = p; sub(/^[^(]*\(/, "", args); sub(/\)[^)]*$/, "", args)
    name = pre; sub(/.*[ *]/, "", name)
    ret = substr(pre, 1, length(pre) - length(name)); ret = trim(ret)
    nf++; fname[nf] = name; fret[nf] = ret; fhdr[nf] = hdr; fdocok[nf] = fdoc_ok
    fgroup[nf] = group; fgroupnote[nf] = groupnote; fsrcline[nf] = fline
    byname[name] = nf
    n = split(args, a, ",")
    fnp[nf] = 0
    for (i = 1; i <= n; i++) {
        a[i] = trim(a[i])
        if (a[i] == "void" && n == 1) break
        if (a[i] == "...") { pn = "..."; pt = "" }
        else {
            # "int32_t dims[4]": the name is dims, the [4] follows it in the synopsis.
            pn = a[i]; arr = ""
            if (match(pn, /\[[^]]*\]$/)) { arr = substr(pn, RSTART); pn = substr(pn, 1, RSTART - 1) }
            sub(/.*[ *]/, "", pn); pt = trim(substr(a[i], 1, length(a[i]) - length(pn) - length(arr)))
        }
        fnp[nf]++; ptype[nf, fnp[nf]] = pt; pname[nf, fnp[nf]] = pn; parr[nf, fnp[nf]] = (a[i] == "..." ? "" : arr)
    }
    parse_doc(nf, fdoc)
}

# Splits a function's doc block into brief, description, @param entries and @return.
function parse_doc(f, text,    lines, n, i, l, sect, names, rest, k, m, nm) {
    fbrief[f] = ""; fdesc[f] = ""; freturn[f] = ""; fndoc[f] = 0; fall[f] = text
    text = split_tags(text)
    n = split(text, lines, "\n")
    sect = "lead"
    for (i = 1; i <= n; i++) {
        l = trim(lines[i])
        # A "Thread safety:" paragraph goes to its own section (thread_note()), not here.
        if (l ~ /^Thread safety:/) { sect = "thread"; continue }
        if (sect == "thread" && l != "") continue
        if (l ~ /^@brief([ \t]|$)/) { sect = "brief"; sub(/^@brief[ \t]*/, "", l) }
        else if (l ~ /^@param[ \t]/) {
            sub(/^@param[ \t]+/, "", l)
            # "@param a, b text": every name followed by a comma is one more name.
            names = ""
            while (match(l, /^[A-Za-z_][A-Za-z0-9_]*,[ \t]*/)) {
                nm = substr(l, 1, RLENGTH); sub(/,.*/, "", nm)
                names = names (names == "" ? "" : " ") nm
                l = substr(l, RLENGTH + 1)
            }
            match(l, /^[A-Za-z_.][A-Za-z0-9_.]*/)
            nm = substr(l, 1, RLENGTH); l = trim(substr(l, RLENGTH + 1))
            names = names (names == "" ? "" : " ") nm
            fndoc[f]++; dnames[f, fndoc[f]] = names; dtext[f, fndoc[f]] = l
            sect = "param"; continue
        }
        else if (l ~ /^@returns?([ \t]|$)/) { sect = "return"; sub(/^@returns?[ \t]*/, "", l); fhasret[f] = 1 }
        else if (l == "") {
            if (sect == "brief" || sect == "lead" || sect == "thread") sect = "desc"
            else if (sect == "param" || sect == "return") sect = "desc"
            else if (sect == "desc" && fdesc[f] != "") fdesc[f] = fdesc[f] "\n"
            continue
        }
        if (sect == "lead") sect = "brief"
        if (sect == "brief") fbrief[f] = fbrief[f] (fbrief[f] == "" ? "" : "\n") l
        else if (sect == "param") dtext[f, fndoc[f]] = dtext[f, fndoc[f]] "\n" l
        else if (sect == "return") freturn[f] = freturn[f] (freturn[f] == "" ? "" : "\n") l
        else fdesc[f] = fdesc[f] (fdesc[f] == "" || fdesc[f] ~ /\n$/ ? "" : "\n") l
    }
}

# --- thread safety ---------------------------------------------------------------------

# The thread-safety statement of a text. With "Thread safety:" (a type's or a section's
# note) it is that paragraph; in a function's own text (whole = 0 still matches those)
# it is every sentence that says what may run on which thread.
function thread_note_of(text, typedoc,    t, i, n, s, out, para) {
    if (match(text, /Thread safety:[^\n]*(\n[^\n]+)*/)) {
        para = substr(text, RSTART, RLENGTH); sub(/^Thread safety:[ \t]*/, "", para)
        gsub(/\n/, " ", para); gsub(/[ \t]+/, " ", para); return trim(para)
    }
    if (typedoc) return ""
    t = text; gsub(/\n/, " ", t); gsub(/@(brief|return|returns|param)[ \t]/, "", t); gsub(/[ \t]+/, " ", t)
    n = split(t, s, /\. /)
    out = ""
    for (i = 1; i <= n; i++) {
        if (s[i] ~ /[Tt]hread-safe|[Tt]hread safety|thread at a time|threads at once|other threads|several threads|two threads| any thread|thread-local/) {
            # "GAN_OK; GAN_E_INVALID_ARG (NULL). Thread-safe.": not the status list.
            s[i] = trim(s[i]); if (s[i] ~ /GAN_[A-Z_]+.*; /) sub(/^.*; /, "", s[i])
            if (s[i] !~ /\.$/) s[i] = s[i] "."
            out = out (out == "" ? "" : " ") s[i]
        }
    }
    return out
}

# Where a function's thread-safety statement comes from, in order: its own doc, its
# @name section's note, the note of the handle type it takes, its header's note.
function cap(s) { return toupper(substr(s, 1, 1)) substr(s, 2) }

function thread_note(f) { return cap(thread_note_raw(f)) }

function thread_note_raw(f,    t, i, base) {
    t = thread_note_of(fall[f], 0)
    if (t != "") return t
    if (fgroupnote[f] != "") return fgroupnote[f]
    for (i = 1; i <= fnp[f]; i++) {
        base = ptype[f, i]; gsub(/const|\*| /, "", base)
        if (base in handle && typenote[base] != "") return typenote[base]
    }
    return thread_note_of(first_comment[fhdr[f]], 1)
}

# The parameter a function works on, exempt from @param: the first one, when it is a
# handle taken by pointer (not a constructor's gan_x_t **out).
function is_self(f, i,    base) {
    if (i != 1) return 0
    base = ptype[f, 1]
    if (base ~ /\*\*/ || base !~ /\*$/) return 0
    gsub(/const|\*| /, "", base)
    return (base in handle)
}

function param_doc(f, name,    k, m, nn, x) {
    for (k = 1; k <= fndoc[f]; k++) {
        m = split(dnames[f, k], nn, " ")
        for (x = 1; x <= m; x++) if (nn[x] == name) return k
    }
    return 0
}

# --- the check ------------------------------------------------------------------------

function check(   f, i, k, m, nn, x, found, codes, c, bad, r) {
    bad = 0
    for (f = 1; f <= nf; f++) {
        where = fhdr[f] ":" fsrcline[f] ": " fname[f] ": "
        if (!fdocok[f]) { print where "no doc comment"; bad++; continue }
        if (fbrief[f] == "") { print where "no @brief"; bad++ }
        for (i = 1; i <= fnp[f]; i++) {
            if (pname[f, i] == "...") continue
            if (!param_doc(f, pname[f, i]) && !is_self(f, i)) {
                print where "parameter '" pname[f, i] "' has no @param"; bad++
            }
        }
        for (k = 1; k <= fndoc[f]; k++) {
            m = split(dnames[f, k], nn, " ")
            for (x = 1; x <= m; x++) {
                found = 0
                for (i = 1; i <= fnp[f]; i++) if (pname[f, i] == nn[x]) found = 1
                if (!found) { print where "@param '" nn[x] "' is not a parameter"; bad++ }
            }
        }
        r = freturn[f]
        if (fret[f] == "void") {
            if (r == "" && fall[f] !~ /no-op/) { print where "void: neither @return nor \"no-op\""; bad++ }
        } else if (!fhasret[f] || r == "") { print where "no @return"; bad++ }
        else if (fret[f] == "gan_status") {
            if (r !~ /GAN_OK/) { print where "@return does not name GAN_OK"; bad++ }
            if (r !~ /GAN_E_[A-Z]/) { print where "@return names no GAN_E_* status"; bad++ }
            c = r
            while (match(c, /GAN_(OK|E_[A-Z_]+)/)) {
                code = substr(c, RSTART, RLENGTH); c = substr(c, RSTART + RLENGTH)
                if (!(code in statuscode)) { print where "@return names " code ", not a status"; bad++ }
            }
        }
        if (thread_note(f) == "") { print where "no thread-safety statement (own, section, handle type or header)"; bad++ }
    }
    printf "gandoc: %d public functions in %d headers, %d problems\n", nf, nhdr, bad > "/dev/stderr"
    return bad
}

# --- writing: roff ------------------------------------------------------------------------

BEGIN { for (i = 0; i < 256; i++) ord[sprintf("%c", i)] = i }

# Non-ASCII (UTF-8) characters as groff's \[uXXXX], which every output device knows.
# Bytes, not characters: gandoc.sh runs awk in the C locale.
function utf8_roff(s,    out, i, c, b, cp, n, k) {
    if (s !~ /[\200-\377]/) return s
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1); b = ord[c]
        if (b < 128) { out = out c; continue }
        if (b >= 240) { n = 3; cp = b - 240 } else if (b >= 224) { n = 2; cp = b - 224 }
        else if (b >= 192) { n = 1; cp = b - 192 } else { out = out "?"; continue }
        for (k = 1; k <= n; k++) cp = cp * 64 + (ord[substr(s, i + k, 1)] - 128)
        i += n
        out = out sprintf("\\[u%04X]", cp)
    }
    return out
}

# One paragraph of comment text as roff: @p x in italics, `x` and name() in bold.
function roff(s,    out, pre, w) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    out = ""
    while (match(s, /@p [A-Za-z_][A-Za-z0-9_]*|`[^`]*`|gan_[a-z0-9_]+\(\)/)) {
        pre = substr(s, 1, RSTART - 1); w = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
        if (w ~ /^@p /) w = "\\fI" substr(w, 4) "\\fP"
        else if (w ~ /^`/) w = "\\fB" substr(w, 2, length(w) - 2) "\\fP"
        else w = "\\fB" substr(w, 1, length(w) - 2) "\\fP()"
        out = out pre w
    }
    out = out s
    gsub(/\n[.']/, "\n\\&&", out); sub(/^[.']/, "\\\\&&", out)
    gsub(/\n\\&\n/, "\n", out)
    gsub(/\n\n+/, "\n.PP\n", out)
    if (out ~ /^[.']/) out = "\\&" out
    return utf8_roff(out)
}

# A prototype in the synopsis, parameter names in italics, wrapped at 78 columns.
function synopsis(f, fmt,    s, col, i, piece, plain, indent, pad, sep) {
    sep = (fret[f] ~ /\*$/) ? "" : " "
    if (fmt == "roff") s = fret[f] sep "\\fB" fname[f] "\\fP("
    else s = esc(fret[f]) sep "<b>" fname[f] "</b>("
    indent = length(fret[f] sep fname[f]) + 1; col = indent
    pad = sprintf("%" indent "s", "")
    if (fnp[f] == 0) return s "void);"
    for (i = 1; i <= fnp[f]; i++) {
        if (pname[f, i] == "...") { plain = "..."; piece = (fmt == "roff") ? "\\&..." : "..." }
        else {
            sep = (ptype[f, i] ~ /\*$/) ? "" : " "
            plain = ptype[f, i] sep pname[f, i] parr[f, i]
            if (fmt == "roff") piece = ptype[f, i] sep "\\fI" pname[f, i] "\\fP" parr[f, i]
            else piece = esc(ptype[f, i]) sep "<var>" pname[f, i] "</var>" parr[f, i]
        }
        plain = plain (i < fnp[f] ? "," : ");"); piece = piece (i < fnp[f] ? "," : ");")
        if (i > 1 && col + 1 + length(plain) > 78) { s = s "\n" pad; col = indent }
        else if (i > 1) { s = s " "; col++ }
        s = s piece; col += length(plain)
    }
    return s
}

function include_line(f) {
    if (index(" " umbrella " ", " " fhdr[f] " ")) return "#include <gan/gan.h>"
    return "#include <gan/" fhdr[f] ">"
}

function summary(f,    s) {
    s = fbrief[f]; gsub(/\n/, " ", s)
    # The NAME line is the first sentence (whatis(1) shows it).
    gsub(/e\.g\./, "e\001g\001", s); gsub(/i\.e\./, "i\001e\001", s)
    if (match(s, /[.:;] /)) s = substr(s, 1, RSTART - 1)
    gsub(/\001/, ".", s)
    sub(/[.:]$/, "", s)
    return s
}

function see_also(f,    t, out, nm, seen, n) {
    out = ""; n = 0
    t = fall[f]
    while (match(t, /gan_[a-z0-9_]+\(\)/)) {
        nm = substr(t, RSTART, RLENGTH - 2); t = substr(t, RSTART + RLENGTH)
        if (nm != fname[f] && (nm in byname) && !(nm in seen)) { seen[nm] = 1; n++; list[n] = nm }
    }
    if (fret[f] == "gan_status" && fname[f] != "gan_last_error" && !("gan_last_error" in seen)) { n++; list[n] = "gan_last_error" }
    out = ""
    for (i = 1; i <= n; i++) out = out ".BR " list[i] " (3),\n"
    return out ".BR " lib[fhdr[f]] " (3)"
}

function errors_list(f,    c, code, out, seen) {
    c = freturn[f]; out = ""
    while (match(c, /GAN_E_[A-Z_]+/)) {
        code = substr(c, RSTART, RLENGTH); c = substr(c, RSTART + RLENGTH)
        if ((code in statuscode) && !(code in seen)) { seen[code] = 1; out = out ".TP\n.B " code "\n" roff(cap(statusdesc[code])) ".\n" }
    }
    return out
}

function man_page(f,    file, i, k, t, name, errs, linkname) {
    file = outdir "/" fname[f] ".3"
    name = fname[f]; t = toupper(name); gsub(/_/, "\\_", t)
    linkname = lib[fhdr[f]]
    print ".\\\" Generated by doc/man/gandoc.awk from <gan/" fhdr[f] ">; edit the header, not this file." > file
    print ".TH " toupper(name) " 3 \"" date "\" \"" linkname " " version "\" \"libgan Manual\"" > file
    print ".SH NAME" > file
    # "One training step", as NAME lines go: "one training step" (not "ReLU", "GRU").
    t = summary(f)
    if (t ~ /^[A-Z][a-z]+([ ,]|$)/) t = tolower(substr(t, 1, 1)) substr(t, 2)
    print name " \\- " roff(t) > file
    print ".SH LIBRARY" > file
    print linkname " (\\fI\\-l" substr(linkname, 4) "\\fP; \\fBpkg\\-config \\-\\-cflags \\-\\-libs " linkname "\\fP)" > file
    print ".SH SYNOPSIS" > file
    print ".nf" > file
    print ".B " include_line(f) > file
    if (include_line(f) ~ /gan\.h/) print "/* declared in <gan/" fhdr[f] "> */" > file
    print ".PP" > file
    print synopsis(f, "roff") > file
    print ".fi" > file
    print ".SH DESCRIPTION" > file
    print roff(fbrief[f]) > file
    if (fdesc[f] != "") { print ".PP" > file; print roff(fdesc[f]) > file }
    if (fgroup[f] != "") { print ".PP" > file; print "Part of \\(lq" roff(fgroup[f]) "\\(rq in <gan/" fhdr[f] ">." > file }
    if (fnp[f] > 0) {
        print ".SS Parameters" > file
        for (i = 1; i <= fnp[f]; i++) {
            print ".TP" > file
            if (pname[f, i] == "...") { print ".I \\&..." > file; k = param_doc(f, "...") }
            else { print ".I " pname[f, i] > file; k = param_doc(f, pname[f, i]) }
            if (k) print roff(dtext[f, k]) > file
            else if (is_self(f, i)) { t = ptype[f, i]; gsub(/const |\*| /, "", t); print "The \\fB" t "\\fP the call works on." > file }
            else if (pname[f, i] == "...") print "The arguments \\fIfmt\\fP converts." > file
            else print "(not documented)" > file
        }
    }
    print ".SH RETURN VALUE" > file
    if (freturn[f] != "") print roff(freturn[f]) > file
    else if (fret[f] == "void") print "None." > file
    if (fret[f] == "gan_status") {
        print ".PP" > file
        print "On failure, \\fBgan_last_error\\fP(3) describes the error on the calling thread until the next libgan call on that thread." > file
        errs = errors_list(f)
        if (errs != "") { print ".SH ERRORS" > file; printf "%s", errs > file }
    }
    print ".SH THREAD SAFETY" > file
    print roff(thread_note(f)) > file
    print ".PP" > file
    print "The error message of \\fBgan_last_error\\fP(3) is per thread. The threading rules of the whole library are in \\fBlibgan\\fP(3), section \\(lqThreads\\(rq." > file
    print ".SH SEE ALSO" > file
    print see_also(f) > file
    close(file)
}

# The function list of libgan(3) or libgan-io(3), by header.
function index_section(which,    h, f, any) {
    for (h = 1; h <= nhdr; h++) {
        if (lib[hdrs[h]] != which) continue
        any = 0
        for (f = 1; f <= nf; f++) {
            if (fhdr[f] != hdrs[h]) continue
            if (!any) {
                t = first_comment[hdrs[h]]; sub(/\n.*/, "", t); sub(/^libgan(-io)?: */, "", t); sub(/\.$/, "", t)
                print ".SS <gan/" hdrs[h] "> \\(em " roff(t)
                any = 1
            }
            print ".TP\n.BR " fname[f] " (3)\n" roff(summary(f))
        }
    }
}

# --- writing: HTML -----------------------------------------------------------------------

function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }

function html_text(s,    out, pre, w, nm) {
    s = esc(s); out = ""
    while (match(s, /@p [A-Za-z_][A-Za-z0-9_]*|`[^`]*`|gan_[a-z0-9_]+\(\)/)) {
        pre = substr(s, 1, RSTART - 1); w = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
        if (w ~ /^@p /) w = "<var>" substr(w, 4) "</var>"
        else if (w ~ /^`/) w = "<code>" substr(w, 2, length(w) - 2) "</code>"
        else { nm = substr(w, 1, length(w) - 2); w = (nm in byname) ? "<a href=\"" html_file(fhdr[byname[nm]]) "#" nm "\"><code>" nm "</code></a>()" : "<code>" w "</code>" }
        out = out pre w
    }
    out = out s
    gsub(/\n\n+/, "</p>\n<p>", out)
    return "<p>" out "</p>"
}

# A sentence for a list item: html_text() without the paragraph.
function html_inline(s) { s = html_text(s); sub(/^<p>/, "", s); sub(/<\/p>$/, "", s); return s }

function html_file(h) { sub(/\.h$/, "", h); return h ".html" }

function html_head(file, title) {
    print "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" > file
    print "<title>" esc(title) "</title><link rel=\"stylesheet\" href=\"gandoc.css\"></head><body>" > file
    print "<p class=\"nav\"><a href=\"index.html\">libgan " version " reference</a></p>" > file
}

function html_header_page(h,    file, f, i, k, t, r, first) {
    file = outdir "/" html_file(hdrs[h])
    html_head(file, "<gan/" hdrs[h] "> \342\200\224 libgan " version)
    t = first_comment[hdrs[h]]; sub(/^libgan(-io)?: */, "", t)
    print "<h1>&lt;gan/" hdrs[h] "&gt;</h1>" > file
    print html_text(t) > file
    print "<ul class=\"toc\">" > file
    for (f = 1; f <= nf; f++) if (fhdr[f] == hdrs[h]) print "<li><a href=\"#" fname[f] "\"><code>" fname[f] "</code></a> \342\200\224 " html_inline(summary(f)) "</li>" > file
    print "</ul>" > file
    for (f = 1; f <= nf; f++) {
        if (fhdr[f] != hdrs[h]) continue
        print "<section id=\"" fname[f] "\"><h2>" fname[f] "</h2>" > file
        print "<pre class=\"synopsis\">" esc(include_line(f)) "\n\n" synopsis(f, "html") "</pre>" > file
        print html_text(fbrief[f]) > file
        if (fdesc[f] != "") print html_text(fdesc[f]) > file
        if (fnp[f] > 0) {
            print "<h3>Parameters</h3><dl>" > file
            for (i = 1; i <= fnp[f]; i++) {
                k = param_doc(f, pname[f, i])
                t = ptype[f, i]; gsub(/const |\*| /, "", t)
                print "<dt><var>" esc(pname[f, i]) "</var></dt><dd>" (k ? html_text(dtext[f, k]) : is_self(f, i) ? "<p>The <code>" t "</code> the call works on.</p>" : pname[f, i] == "..." ? "<p>The arguments <var>fmt</var> converts.</p>" : "<p>(not documented)</p>") "</dd>" > file
            }
            print "</dl>" > file
        }
        print "<h3>Return value</h3>" > file
        print (freturn[f] != "" ? html_text(freturn[f]) : "<p>None.</p>") > file
        print "<h3>Thread safety</h3>" html_text(thread_note(f)) > file
        print "</section>" > file
    }
    print "</body></html>" > file
    close(file)
}

function html_index(   file, h, f, t) {
    file = outdir "/index.html"
    html_head(file, "libgan " version " reference")
    print "<h1>libgan " version " reference</h1>" > file
    t = first_comment["gan.h"]; sub(/\n.*/, "", t); sub(/^libgan: */, "", t)
    print "<p>Every public function of libgan and libgan-io, generated from the comments of the installed headers (the same text as the man pages). Compile and link with <code>pkg-config --cflags --libs libgan</code> (and <code>libgan-io</code> for <code>&lt;gan/io.h&gt;</code>). Every fallible function returns a <code>gan_status</code>; on failure <a href=\"status.html#gan_last_error\"><code>gan_last_error</code></a>() says what was wrong.</p>" > file
    for (h = 1; h <= nhdr; h++) {
        t = first_comment[hdrs[h]]; sub(/\n.*/, "", t); sub(/^libgan(-io)?: */, "", t)
        any = 0
        for (f = 1; f <= nf; f++) if (fhdr[f] == hdrs[h]) any = 1
        if (!any) continue
        print "<h2><a href=\"" html_file(hdrs[h]) "\">&lt;gan/" hdrs[h] "&gt;</a> \342\200\224 " esc(t) (lib[hdrs[h]] == "libgan-io" ? " (libgan-io)" : "") "</h2><ul class=\"toc\">" > file
        for (f = 1; f <= nf; f++) if (fhdr[f] == hdrs[h]) print "<li><a href=\"" html_file(hdrs[h]) "#" fname[f] "\"><code>" fname[f] "</code></a> \342\200\224 " html_inline(summary(f)) "</li>" > file
        print "</ul>" > file
    }
    print "</body></html>" > file
    close(file)
}

END {
    if (proto_open) { print "gandoc: unterminated prototype" > "/dev/stderr"; exit 2 }
    if (mode == "list") { for (f = 1; f <= nf; f++) print fname[f]; exit 0 }
    if (mode == "check") exit (check() ? 1 : 0)
    if (mode == "man") { for (f = 1; f <= nf; f++) man_page(f); exit 0 }
    if (mode == "index") { index_section(which); exit 0 }
    if (mode == "statuses") {
        for (i = 1; i <= nstatus; i++) { v = statusval[statusorder[i]]; sub(/^-/, "\\-", v); print ".TP\n.BR " statusorder[i] " \" (" v ")\"\n" (statusorder[i] == "GAN_OK" ? "Success." : roff(cap(statusdesc[statusorder[i]])) ".") }
        exit 0
    }
    if (mode == "html") {
        for (h = 1; h <= nhdr; h++) {
            any = 0
            for (f = 1; f <= nf; f++) if (fhdr[f] == hdrs[h]) any = 1
            if (any) html_header_page(h)
        }
        html_index(); exit 0
    }
    print "gandoc: unknown mode '" mode "'" > "/dev/stderr"; exit 2
}
