#!/bin/sh
# pmis backup / restore: a consistent copy with a checksum manifest, taken while another process
# writes; restore yields a database identical to the source and refuses a corrupt, truncated,
# unmanifested or other-backend backup without touching the target.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }
"$PMIS" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null 2>&1 &&
    "$PMIS" demo --customers 150 >/dev/null 2>&1 || not_ok "demo"

# a writer keeps adding customers while the backup runs
(
    i=0
    while [ $i -lt 20 ]; do
        "$PMIS" customer add --name "并发$i" --type resident --voltage 220V --address 测试路 \
            --org ZJ-HZ-TL-FS >/dev/null 2>&1
        i=$((i + 1))
    done
) &
writer=$!
expect_ok "backup while another process writes" backup "$T/b1"
wait $writer
check "backup file written" test -s "$T/b1"
check "manifest written" test -s "$T/b1.manifest.json"
check "manifest names the backend" grep -q "\"backend\": \"$( [ "$PMIS_BACKEND" = pg ] && echo postgresql || echo sqlite)\"" "$T/b1.manifest.json"
check "manifest holds the file's sha256" grep -q "\"sha256\": \"$(sha256sum "$T/b1" | cut -d' ' -f1)\"" "$T/b1.manifest.json"
expect_fail "a backup never overwrites" 67 "already exists" backup "$T/b1"

# a quiet copy to compare byte for byte
expect_ok "backup of the settled database" backup "$T/b2"
src_digest=$(db_digest "$PMIS_TEST_DB")
target=$(new_db restored)
expect_ok "restore into an empty database" --db "$target" restore "$T/b2"
check "restored database is identical to the source" test "$(db_digest "$target")" = "$src_digest"
expect_ok "the restored audit chain verifies" --db "$target" audit verify
run --db "$target" --json export customers --with-pii
cp "$T/out" "$T/restored.csv"
run --json export customers --with-pii
check "and exports the same customers with the same personal data" cmp -s "$T/out" "$T/restored.csv"
expect_ok "the backup taken during writes restores too" --db "$(new_db during)" restore "$T/b1"

# refusals leave the target as it was
before=$(db_digest "$target")
cp "$T/b2" "$T/bad"
cp "$T/b2.manifest.json" "$T/bad.manifest.json"
printf 'X' | dd of="$T/bad" bs=1 seek=2000 conv=notrunc 2>/dev/null
expect_fail "a corrupt backup is refused" 76 "does not match its checksum" --db "$target" restore "$T/bad"
head -c 4096 "$T/b2" >"$T/short"
cp "$T/b2.manifest.json" "$T/short.manifest.json"
expect_fail "a truncated backup is refused" 76 "truncated" --db "$target" restore "$T/short"
cp "$T/b2" "$T/lonely"
expect_fail "a backup without its manifest is refused" 66 "manifest" --db "$target" restore "$T/lonely"
cp "$T/b2" "$T/other"
sed 's/"backend": "[a-z]*"/"backend": "elsewhere"/' "$T/b2.manifest.json" >"$T/other.manifest.json"
expect_fail "a backup from another backend is refused" 65 "taken from elsewhere" --db "$target" restore "$T/other"
echo '{"format":"something"}' >"$T/junk.manifest.json"
cp "$T/b2" "$T/junk"
expect_fail "a manifest that is not ours is refused" 76 "not a pmis backup manifest" --db "$target" restore "$T/junk"
expect_fail "a missing backup is refused" 66 "manifest" --db "$target" restore "$T/nothing-here"
check "none of the refusals changed the target" test "$(db_digest "$target")" = "$before"

# a mistyped database path is refused, not backed up as an empty database (nor created)
if [ "$PMIS_BACKEND" != pg ]; then
    expect_fail "a backup of a missing database is refused" 66 "does not exist" \
        --db "sqlite:$T/no-such.db" backup "$T/b-missing"
    check "and neither the database nor a backup was created" \
        test ! -e "$T/no-such.db" -a ! -e "$T/b-missing" -a ! -e "$T/b-missing.manifest.json"
    expect_fail "db status of a missing database is refused" 66 "does not exist" \
        --db "sqlite:$T/no-such.db" db status
    check "and creates no database" test ! -e "$T/no-such.db"
    # a restore refused into a database that does not exist yet leaves none behind
    expect_fail "a corrupt backup into a new database is refused" 76 "does not match its checksum" \
        --db "sqlite:$T/fresh.db" restore "$T/bad"
    expect_fail "another backend's backup into a new database is refused" 65 \
        "taken from elsewhere" --db "sqlite:$T/fresh.db" restore "$T/other"
    expect_fail "a missing backup into a new database is refused" 66 "manifest" \
        --db "sqlite:$T/fresh.db" restore "$T/nothing-here"
    check "and none of them created it" test ! -e "$T/fresh.db"
    expect_ok "a good backup then creates it" --db "sqlite:$T/fresh.db" restore "$T/b2"
    check "identical to the source" test "$(db_digest "sqlite:$T/fresh.db")" = "$src_digest"
fi

done_testing
