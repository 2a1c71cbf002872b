# lib.sh — sourced by every tests/integration/tNNNN-*.sh. The runner sets PMIS (the binary),
# PMIS_TEST_DB (a fresh database URL), PMIS_BACKEND (sqlite|pg), TMPDIR (a fresh directory)
# and PMIS_TOP (the source tree). Tests print TAP: "ok N - what" / "not ok N - what".
set -u
T=$TMPDIR
export PMIS_DB="$PMIS_TEST_DB"
export PMIS_KEYS_FILE="$T/pmis.keys"
export PMIS_AS=tester
export PMIS_CONFIG=/dev/null
# pmis prints errors in Chinese when LC_ALL, LC_MESSAGES or LANG starts with "zh": the tests
# assert the English texts (LC_CTYPE still follows LANG)
unset LC_ALL
export LC_MESSAGES=C
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() {
    tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $1"
    [ -f "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -20
    [ -f "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -20
}

# run CMD...: run pmis with output captured in $T/out and $T/err; sets $rc
run() {
    "$PMIS" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# expect_ok DESC ARGS...: pmis ARGS must exit 0
expect_ok() {
    d="$1"; shift
    run "$@"
    if [ "$rc" -eq 0 ]; then ok "$d"; else not_ok "$d (exit $rc)"; fi
}

# expect_fail DESC EXIT PATTERN ARGS...: pmis ARGS must exit EXIT with PATTERN (grep -E) on stderr
expect_fail() {
    d="$1" want="$2" pat="$3"; shift 3
    run "$@"
    if [ "$rc" -ne "$want" ]; then
        not_ok "$d (exit $rc, expected $want)"
    elif ! grep -qE -- "$pat" "$T/err"; then
        not_ok "$d (stderr lacks /$pat/)"
    else
        ok "$d"
    fi
}

# check DESC CMD...: any shell test
check() {
    d="$1"; shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# not CMD...: CMD must fail (for check: `check "no secret" not grep -q secret "$T/out"`)
not() { ! "$@"; }

# out_has PATTERN / out_is TEXT: about the last run's stdout
out_has() { grep -qE -- "$1" "$T/out"; }
out_is() { [ "$(cat "$T/out")" = "$1" ]; }

# sql QUERY: run SQL directly against the test database (for asserting on what is stored)
sql() { sql_at "$PMIS_TEST_DB" "$1"; }

# sql_at URL QUERY: the same against another database (see new_db)
sql_at() {
    case "$1" in
    sqlite:*) sqlite3 -batch -noheader "${1#sqlite:}" "$2" ;;
    *) psql -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
    esac
}

# db_digest [URL]: a digest of every table's rows, to prove that a failed command changed nothing
db_digest() {
    u=${1:-$PMIS_TEST_DB}
    case "$u" in
    sqlite:*) sqlite3 -batch "${u#sqlite:}" .dump | grep -v '^INSERT INTO sqlite_stat' | sha256sum ;;
    *) pg_table_digests "$u" | sha256sum ;;
    esac
}

# pg_table_digests URL [TABLE...]: one line per table of the database but the TABLEs, its name
# and an MD5 of its rows in text order — what pg_dump --data-only would show, without
# sequences (they advance even in a transaction that rolls back, so they are not part of what a
# failure must not change), in one query: a pg_dump per check cost half a second or more
pg_table_digests() {
    u=$1
    shift
    skip="''"
    for t in "$@"; do skip="$skip, '$t'"; done
    psql -X -q -A -t -v ON_ERROR_STOP=1 "$u" <<EOF
SELECT string_agg(format('SELECT %L, md5(COALESCE(string_agg(t::text, chr(10) ORDER BY t::text), %L)) FROM %I.%I t',
                         n.nspname || '.' || c.relname, '', n.nspname, c.relname),
                  E'\nUNION ALL ' ORDER BY n.nspname, c.relname) || E'\nORDER BY 1'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_%' AND c.relname NOT IN ($skip) \gexec
EOF
}

# db_digest_refusals: db_digest, but of the audit trail only the rows other than auth.denied:
# what a refused request may change is the audit of its refusal (a permission denial is
# audited, with the chain head it moves)
db_digest_refusals() {
    {
        case "$PMIS_TEST_DB" in
        sqlite:*)
            sqlite3 -batch "${PMIS_TEST_DB#sqlite:}" .dump |
                grep -v -e '^INSERT INTO sqlite_stat' -e '^INSERT INTO audit_log VALUES' \
                    -e "^INSERT INTO sqlite_sequence VALUES('audit_log'," \
                    -e '^INSERT INTO audit_head VALUES'
            ;;
        *) pg_table_digests "$PMIS_TEST_DB" audit_log audit_head ;;
        esac
        sql "SELECT id, actor, action, entity, entity_key, detail FROM audit_log
             WHERE action <> 'auth.denied' ORDER BY id"
    } | sha256sum
}

# new_db NAME: print the URL of another fresh, empty database on the test's backend
new_db() {
    case "$PMIS_TEST_DB" in
    sqlite:*) echo "sqlite:$T/$1.db" ;;
    *)
        base=${PMIS_TEST_DB#postgresql:///}
        sh "$PMIS_TOP/tests/pg.sh" createdb "$PMIS_PGDIR" "${base%%\?*}_$1"
        ;;
    esac
}

# load_tariffs CODE...: load a one-price tariff (0.50 yuan/kWh from 2020) for each CODE, for the
# fixtures whose accounts name a tariff without pricing anything (an account names a loaded one)
load_tariffs() {
    for code in "$@"; do
        printf '{"code": "%s", "name": "测试电价", "category": "resident", "versions": [{"effective_from": "2020-01-01", "energy": {"price": "0.50"}}]}\n' \
            "$code" >"$T/tariff-$code.json" &&
            "$PMIS" tariff load "$T/tariff-$code.json" >/dev/null || return 1
    done
}

# ---- ledger fixtures (t04xx): a flat tariff, accounts and meters numbered by a prefix ----
CUSTOMER_CSV_HEADER=cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on

# flat_fixture PREFIX MODES METERS: $T/flat.json (FLAT1, 1.00 yuan/kWh from 2020: a bill's yuan
# are its kWh); $T/a.csv: account PREFIX<i>01 of customer PREFIX<i> for the i-th pay mode of
# MODES ("postpaid postpaid prepaid"), billed on day 15; $T/m.csv: meter M<i> installed on
# account PREFIX<i>01 for i = 1..METERS. The customers ($T/c.csv) are the test's own.
flat_fixture() {
    cat >"$T/flat.json" <<'END'
{"code": "FLAT1", "name": "测试单一电价", "category": "resident",
 "versions": [{"effective_from": "2020-01-01", "energy": {"price": "1.00"}}]}
END
    echo "account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on" >"$T/a.csv"
    i=0
    for mode in $2; do
        i=$((i + 1))
        echo "$1${i}01,$1$i,FLAT1,,,,15,$mode,,,,,2020-01-01" >>"$T/a.csv"
    done
    echo "asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads" >"$T/m.csv"
    i=0
    while [ $i -lt "$3" ]; do
        i=$((i + 1))
        echo "M$i,DDZY,1,,,total,,$1${i}01,2020-01-01,total=0" >>"$T/m.csv"
    done
}

# approvers NAME...: whole-tree users with the manager role (payment:reverse, fee:waive,
# collection:approve), who may approve reversals, waivers, deposit refunds and disconnections
approvers() {
    for a; do
        "$PMIS" user add "$a" --all-orgs --roles manager >/dev/null 2>>"$T/err" || return 1
    done
}

# flat_import: load $T/flat.json, then import $T/c.csv, a.csv, m.csv, r.csv (after pmis init and
# the orgs the customers name; an account names a loaded tariff)
flat_import() {
    "$PMIS" tariff load "$T/flat.json" >/dev/null &&
        "$PMIS" import customers "$T/c.csv" >/dev/null &&
        "$PMIS" import accounts "$T/a.csv" >/dev/null &&
        "$PMIS" import meters "$T/m.csv" >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null
}

# bill_month PERIOD NOW DUE: run and issue a period's bills at NOW, due DUE
bill_month() {
    PMIS_NOW=$2 "$PMIS" bill run --period "$1" >/dev/null 2>"$T/err" &&
        PMIS_NOW=$2 "$PMIS" bill issue "$(sql "SELECT id FROM bill_run WHERE period = '$1' AND status = 'computed'")" --due-date "$3" >/dev/null 2>>"$T/err"
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}
