#!/bin/sh
# pmis org add|list|tree: the 总部 → 省公司 → 地市公司 → 县公司 → 供电所 tree, text and JSON, and
# bad input (each refused with the value named and the database unchanged).
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }

expect_ok "add a province (root)" org add ZJ --name 国网浙江省电力 --level province
check "says so" out_is "added org unit ZJ"
expect_ok "add a city" org add HZ --name 国网杭州供电公司 --level city --parent ZJ
expect_ok "add a second city" org add NB --name 国网宁波供电公司 --level city --parent ZJ
expect_ok "add a county" org add XH --name 西湖区供电公司 --level county --parent HZ
expect_ok "add a station under the county" org add XH-01 --name 文三供电所 --level station --parent XH
expect_ok "add a station straight under a city" org add HZ-02 --name 滨江供电所 --level station --parent HZ
run --json org add YY --name 余姚供电所 --level station --parent NB
check "org add --json" grep -qE '^\{"id":[0-9]+,"code":"YY"\}$' "$T/out"
check "seven units stored" test "$(sql "SELECT COUNT(*) FROM org_unit")" = 7
check "closure rows: every unit with each ancestor and itself" \
    test "$(sql "SELECT COUNT(*) FROM org_closure")" = 18

expect_ok "org tree" org tree
check "the tree, depth-first, siblings by code" out_is "ZJ 国网浙江省电力 (province)
  HZ 国网杭州供电公司 (city)
    HZ-02 滨江供电所 (station)
    XH 西湖区供电公司 (county)
      XH-01 文三供电所 (station)
  NB 国网宁波供电公司 (city)
    YY 余姚供电所 (station)"
expect_ok "org tree of a subtree" org tree HZ
check "only that subtree" out_is "HZ 国网杭州供电公司 (city)
  HZ-02 滨江供电所 (station)
  XH 西湖区供电公司 (county)
    XH-01 文三供电所 (station)"
expect_ok "org list" org list XH
check "code, level, parent, name" out_is "XH               county     HZ               西湖区供电公司
XH-01            station    XH               文三供电所"
run --json org tree NB
check "org tree --json" out_is '[{"code":"NB","name":"国网宁波供电公司","level":"city","parent":"ZJ","depth":0},{"code":"YY","name":"余姚供电所","level":"station","parent":"NB","depth":1}]'
expect_fail "tree of an unknown unit" 66 "unknown org unit 'NOPE'" org tree NOPE

digest=$(db_digest)
expect_fail "unknown parent" 66 "unknown org unit 'NOPE'" \
    org add X1 --name 某供电所 --level station --parent NOPE
expect_fail "a county under a station" 65 \
    "org unit 'X2': a county cannot be placed under the station 'XH-01'" \
    org add X2 --name 某县公司 --level county --parent XH-01
expect_fail "a level equal to the parent's" 65 "a city cannot be placed under the city 'HZ'" \
    org add X3 --name 某市公司 --level city --parent HZ
expect_fail "duplicate code" 67 "org unit 'HZ' already exists" \
    org add HZ --name 又一个杭州 --level city --parent ZJ
expect_fail "a space in the code" 65 "invalid org code 'A B': use 1-32 letters, digits or '-'" \
    org add 'A B' --name 某供电所 --level station --parent XH
expect_fail "an underscore in the code" 65 "invalid org code 'A_B'" \
    org add A_B --name 某供电所 --level station --parent XH
expect_fail "a Chinese code" 65 "invalid org code '西湖'" \
    org add 西湖 --name 某供电所 --level station --parent XH
expect_fail "a 33-character code" 65 "invalid org code 'A{33}'" \
    org add AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --name 某供电所 --level station --parent XH
expect_fail "an unknown level" 65 "unknown level 'town' \(hq, province, city, county, station\)" \
    org add X4 --name 某镇 --level town --parent XH
expect_fail "an empty name" 65 "org unit 'X5': name is empty" \
    org add X5 --name '' --level station --parent XH
expect_fail "no name at all" 65 "org unit 'X6': name is empty" org add X6 --level station --parent XH
expect_fail "no code" 64 "missing argument" org add --name 某供电所 --level station
check "nothing changed" test "$(db_digest)" = "$digest"
check "no audit row for the refused adds" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'org.create'")" = 7

done_testing
