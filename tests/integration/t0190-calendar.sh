#!/bin/sh
# pmis calendar import|show|add: the working-day calendar as data, imported from the State
# Council's schedule (data/calendar/), all-or-nothing, idempotent.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }
cal="$PMIS_TOP/data/calendar/cn-2025.csv"

expect_ok "import the 2025 schedule" calendar import "$cal"
check "counts the days" out_has "33 days, 33 new or changed$"
expect_ok "import it again" calendar import "$cal"
check "changes nothing" out_has "33 days, 0 new or changed$"
expect_ok "show 2025" calendar show 2025
check "248 working days in 2025" out_has "^2025: 248 working days$"
check "the make-up Sunday before 春节" out_has "^2025-01-26  workday  春节调休上班$"
run --json calendar show 2025
check "show --json" grep -q '^{"year":2025,"covered":true,"working_days":248,"days":\[{"date":"2025-01-01","kind":"holiday","name":"元旦"}' "$T/out"
expect_ok "5 working days after 2025-09-30 skip 国庆 and count the make-up Saturday" calendar add 2025-09-30 5
check "is 2025-10-14" out_is 2025-10-14
expect_ok "across 春节" calendar add 2025-01-27 1
check "the first working day after the holiday is 2025-02-05" out_is 2025-02-05
expect_ok "a year without data counts weekends only" calendar show 2026
check "and says so" out_has "^2026: 261 working days \(no holidays imported"
expect_fail "a year that is not a number" 64 "invalid year '20x5'" calendar show 20x5
expect_fail "a year out of range" 65 "invalid year 1899: 1900 to 2999" calendar show 1899

digest=$(db_digest)
printf 'date,kind,name\n2025-12-01,holiday,x\n2025-12-03,workday,调休\n' >"$T/weekday.csv"
expect_fail "a make-up working day on a weekday" 65 "weekday\.csv: line 3: .*2025-12-03" calendar import "$T/weekday.csv"
printf 'date,kind,name\n2025-12-01,holiday,x\n2025-12-01,workday,y\n' >"$T/dup.csv"
expect_fail "one date twice with different kinds" 65 "dup\.csv: line 3: .*2025-12-01" calendar import "$T/dup.csv"
printf 'date,kind,name\n2025-12-01,vacation,x\n' >"$T/kind.csv"
expect_fail "an unknown kind" 65 "kind\.csv: line 2: .*vacation" calendar import "$T/kind.csv"
printf 'date,kind,name\n2025-13-01,holiday,x\n' >"$T/date.csv"
expect_fail "a bad date" 65 "date\.csv: line 2: .*2025-13-01" calendar import "$T/date.csv"
printf 'day,kind\n2025-12-01,holiday\n' >"$T/header.csv"
expect_fail "a missing column" 65 "missing column 'date'" calendar import "$T/header.csv"
expect_fail "a directory" 65 "'$T' is a directory" calendar import "$T"
expect_fail "a missing file" 66 "cannot open '$T/nope.csv'" calendar import "$T/nope.csv"
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "the imports are audited" audit list --action calendar.import
check "two rows" test "$(wc -l <"$T/out")" -eq 2

done_testing
