# The members of the public structs in an abidw dump (tests/check_abi.sh), one a line:
# struct, offset in bits, member, type id (with abidw --type-id-style hash, the same
# type has the same id in every dump).
/<class-decl name='gan_/ && !/is-declaration-only='yes'/ {
    cls = $0; sub(/^[^']*'/, "", cls); sub(/'.*/, "", cls); next
}
/<\/class-decl>/ { cls = ""; next }
cls != "" && /<data-member / {
    off = $0; sub(/.*layout-offset-in-bits='/, "", off); sub(/'.*/, "", off); next
}
cls != "" && /<var-decl / {
    name = $0; sub(/.*name='/, "", name); sub(/'.*/, "", name)
    type = $0; sub(/.*type-id='/, "", type); sub(/'.*/, "", type)
    print cls, off, name, type
}
