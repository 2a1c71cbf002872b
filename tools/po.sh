#!/bin/sh
# The error-message catalogue (GNU gettext tools; Debian package gettext).
#   sh tools/po.sh pot FILE    extract every error()/error_prefix() format string of src/ and
#                              the default texts of src/core/err.def into the template FILE
#   sh tools/po.sh update      `make po`: re-extract and merge into po/zh_CN.po (new strings
#                              come in untranslated, changed ones fuzzy: translate them)
#   sh tools/po.sh check       fail, naming them, on untranslated or fuzzy strings and on
#                              translations whose conversions (%s, %d, ...) differ
# Wrappers that take a format like error() are listed as keywords here (fail is the one of
# src/domain/tariff_json.c, csv_fail of src/core/csv.c, line_fail of src/domain/ledger_post.c;
# bad_row and pay_bad report a bad row of src/domain/reading_csv.c and payment_csv.c; N_() and
# err_detail_set() mark a parser's detail, error_detail() is error() ending in one, and
# error_langs() error() whose %s take an English and a Chinese text, core/err.h).
set -eu
cd "$(dirname "$0")/.."
PO=po/zh_CN.po

pot() {
    find src -name '*.c' -o -name '*.h' | LC_ALL=C sort > "$1.files"
    xgettext --language=C --from-code=UTF-8 --no-wrap --add-location=file --sort-by-file \
        --keyword= --keyword=error:3 --keyword=error_prefix:2 --keyword=error_v:3 \
        --keyword=csv_fail:4 --keyword=fail:3 --keyword=pii_error:4 \
        --keyword=line_error:4 --keyword=write_new_file:4 --keyword=line_fail:4 \
        --keyword=bad_row:5 --keyword=pay_bad:3 --keyword=N_ --keyword=err_detail_set:2 \
        --keyword=error_detail:5 --flag=error_detail:5:c-format \
        --keyword=error_langs:3 --flag=error_langs:3:c-format \
        --flag=error:3:c-format --flag=error_prefix:2:c-format --flag=error_v:3:c-format \
        --flag=csv_fail:4:c-format --flag=fail:3:c-format \
        --flag=pii_error:4:c-format --flag=line_error:4:c-format \
        --flag=write_new_file:4:c-format --flag=line_fail:4:c-format \
        --flag=bad_row:5:c-format --flag=pay_bad:3:c-format --flag=err_detail_set:2:c-format \
        --package-name=pmis --msgid-bugs-address=pmis \
        -o "$1" -f "$1.files"
    # the table's default texts: ERR(ID, "code", http, exit, "text")
    xgettext --language=C --from-code=UTF-8 --no-wrap --add-location=file --join-existing \
        --keyword= --keyword=ERR:5 --package-name=pmis --msgid-bugs-address=pmis -o "$1" src/core/err.def
    rm -f "$1.files"
}

case "${1:-}" in
pot)
    pot "$2"
    ;;
update)
    tmp=$(mktemp -d)
    pot "$tmp/pmis.pot"
    if [ -f "$PO" ]; then
        msgmerge --quiet --no-wrap --add-location=file --sort-by-file --no-fuzzy-matching \
            --update --backup=off "$PO" "$tmp/pmis.pot"
        msgattrib --no-wrap --no-obsolete -o "$PO" "$PO" # dropped strings leave no #~ entries
    else
        msginit --no-translator --no-wrap --locale=zh_CN.UTF-8 -i "$tmp/pmis.pot" -o "$PO"
    fi
    rm -rf "$tmp"
    sh tools/po.sh check || true
    ;;
check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    pot "$tmp/pmis.pot"
    msgmerge --quiet --no-wrap --no-fuzzy-matching -o "$tmp/merged.po" "$PO" "$tmp/pmis.pot"
    bad=0
    if ! msgfmt --check-format --check-header -o /dev/null "$tmp/merged.po" 2> "$tmp/fmt"; then
        cat "$tmp/fmt" >&2
        bad=1
    fi
    msgattrib --no-wrap --untranslated --no-obsolete "$tmp/merged.po" > "$tmp/untr" || exit 1
    msgattrib --no-wrap --only-fuzzy --no-obsolete "$tmp/merged.po" > "$tmp/fuzzy" || exit 1
    for k in untr fuzzy; do
        n=$(grep -c '^msgid "[^"]' "$tmp/$k" || true)
        if [ "$n" -gt 0 ]; then
            [ $k = untr ] && what="no translation" || what="a fuzzy translation"
            echo "po check: $n error message(s) with $what in $PO (run make po, translate):" >&2
            grep -B1 '^msgid "[^"]' "$tmp/$k" | grep -v '^--$' >&2
            bad=1
        fi
    done
    [ $bad = 0 ] && echo "po check: $(grep -c '^msgid "[^"]' "$tmp/merged.po") messages, all translated"
    exit $bad
    ;;
*)
    echo "usage: sh tools/po.sh pot FILE | update | check" >&2
    exit 64
    ;;
esac
