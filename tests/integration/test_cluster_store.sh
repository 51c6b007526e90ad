# Nodes sharing one PostgreSQL store (docs/SCALING.md): `init --store`
# creates the schema and the key files; another node is those key files
# copied; a node with other keys is refused, naming the file; the URL's
# password never shows (errors, doctor); a second init on the same database
# is refused; two servers on the same database answer with each other's
# keys; `audit verify --store` checks the one chain, which carries both
# nodes' ids.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
P=$PHISCRIBE
pgdir=$T/pg
pg_start "$pgdir"
SECRET=Sekr1tPassw0rd

# ---- init, key files, refusals -------------------------------------------------
D1=$T/node1 D2=$T/node2
expect_exit 0 "$P" init --data "$D1" --store "$URLDB"
grep -q "BEGIN PUBLIC KEY" "$T/stdout" || fail "init prints the verification key"
[ -f "$D1/master.key" ] && [ -f "$D1/audit-signing.key" ] || fail "key files in $D1"
[ ! -e "$D1/phiscribe.db" ] || fail "no SQLite database beside a PostgreSQL store"
ok "init --store creates the schema and the key files"
expect_exit 1 "$P" init --data "$T/again" --store "$URLDB"
[ ! -e "$T/again/master.key" ] || fail "a refused init leaves no key files"
ok "a second init on the same database is refused"

install -d -m 0700 "$D2"
install -m 0600 "$D1/master.key" "$D1/audit-signing.key" "$D2/"
expect_exit 0 "$P" tenants create clinic-a --data "$D2" --store "$URLDB"
expect_exit 0 "$P" tenants list --data "$D1" --store "$URLDB"
grep -q clinic-a "$T/stdout" || fail "node 1 sees the tenant node 2 created"
ok "a second node is the first node's key files copied"

"$P" init --data "$T/other" >/dev/null
install -d -m 0700 "$T/wrongmaster" "$T/wrongsigner"
install -m 0600 "$T/other/master.key" "$D1/audit-signing.key" "$T/wrongmaster/"
install -m 0600 "$D1/master.key" "$T/other/audit-signing.key" "$T/wrongsigner/"
expect_exit 1 "$P" tenants list --data "$T/wrongmaster" --store "$URLDB"
grep -q "master.key" "$T/stderr" || fail "the wrong master key is named: $(cat "$T/stderr")"
expect_exit 1 "$P" tenants list --data "$T/wrongsigner" --store "$URLDB"
grep -q "audit-signing.key" "$T/stderr" || fail "the wrong signing key is named: $(cat "$T/stderr")"
ok "a node whose key files do not match the database is refused, naming the file"

# ---- the password never shows ---------------------------------------------------
badurl="postgresql://someone:$SECRET@/phiscribe?host=$pgdir/sock&port=1"
expect_exit 1 "$P" tenants list --data "$D1" --store "$badurl"
! grep -q "$SECRET" "$T/stdout" "$T/stderr" || fail "password in a connection error"
expect_exit 2 "$P" keys list --data "$D1" --store "mysql://someone:$SECRET@db/x"
! grep -q "$SECRET" "$T/stdout" "$T/stderr" || fail "password in a usage error"
set +e
"$P" doctor --data "$D1" --store "$URLDB&password=$SECRET" >"$T/doctor" 2>&1
set -e
! grep -q "$SECRET" "$T/doctor" || fail "password in doctor output"
grep -q 'password=\*\*\*' "$T/doctor" || fail "doctor names the store: $(cat "$T/doctor")"
ok "the URL's password never appears (connection error, usage error, doctor)"

# ---- two servers on one database ------------------------------------------------
"$top/scripts/dev-cert" "$T/tls" 2>/dev/null
CA=$T/tls/cert.pem
KEY=$("$P" keys create --data "$D1" --store "$URLDB" --tenant clinic-a --role read,admin |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
DATA=$D1 start_server --store "$URLDB"
URL1=$URL
DATA=$D2 start_server --store "$URLDB"
URL2=$URL
for u in "$URL1" "$URL2"; do
    URL=$u
    req GET /readyz ""; expect_status 200 "readyz of $u"
    req GET /v1/models "$KEY"; expect_status 200 "a key made on node 1, used on $u"
done
ok "two servers share the database: both ready, one key works on both"
cleanup_servers
SPIDS=""

# ---- one audit chain, both nodes' ids -------------------------------------------
expect_exit 0 "$P" audit verify --data "$D2" --store "$URLDB"
expect_exit 0 "$P" audit export --data "$D1" --store "$URLDB" --format jsonl
n=$(python3 -c 'import json,sys
print(len({json.loads(l)["node"] for l in open(sys.argv[1]) if l.strip()}))' "$T/stdout")
[ "$n" -ge 2 ] || fail "the chain carries records of both nodes (distinct node ids: $n)"
ok "audit verify --store checks the one chain; records carry each node's id"

# ---- a database restored with pg_restore gets the destructions since ------------
# A key and a tenant exist at the dump; after it the key is revoked and the
# tenant offboarded. The dump restored into a new database has both back
# until `restore --store URL --erasures EXPORT` applies them again.
PGBIN=/usr/lib/postgresql/15/bin
K2=$("$P" keys create --data "$D1" --store "$URLDB" --tenant clinic-a --role read |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$P" audit export --data "$D1" --store "$URLDB" --format jsonl --output "$T/before.jsonl" >/dev/null
expect_exit 0 "$P" tenants create clinic-z --data "$D1" --store "$URLDB"
"$PGBIN/pg_dump" -Fc -f "$T/db.dump" "$URLDB" || fail "pg_dump"
expect_exit 0 "$P" keys revoke "$K2" --data "$D1" --store "$URLDB"
expect_exit 0 "$P" tenants delete clinic-z --data "$D1" --store "$URLDB"
"$P" audit export --data "$D1" --store "$URLDB" --format jsonl --output "$T/after.jsonl" >/dev/null
URLR=$(printf %s "$URLDB" | sed 's|:///phiscribe?|:///restored?|')
"$PGBIN/psql" -q "$(printf %s "$URLDB" | sed 's|:///phiscribe?|:///postgres?|')" \
    -c 'CREATE DATABASE restored' || fail "create the database to restore into"
"$PGBIN/pg_restore" --no-owner -d "$URLR" "$T/db.dump" || fail "pg_restore"
# The restore starts from a directory with the node's key files only: D1's
# high-water file has seen checkpoints the dump lacks.
DR=$T/noderestore
install -d -m 0700 "$DR"
install -m 0600 "$D1/master.key" "$D1/audit-signing.key" "$DR/"
expect_exit 2 "$P" restore --data "$D1" --store "$URLR" --erasures "$T/after.jsonl"
grep -q 'high-water file' "$T/stderr" || fail "a directory with a high-water file: $(cat "$T/stderr")"
D1=$DR
expect_exit 0 "$P" tenants list --data "$D1" --store "$URLR"
grep clinic-z "$T/stdout" | grep -qv '(deleted)' || fail "the dump holds the tenant deleted after it"
expect_exit 2 "$P" restore --data "$D1" --store "$URLR"
grep -q 'refusing to restore without --erasures' "$T/stderr" || fail "no-erasures: $(cat "$T/stderr")"
expect_exit 2 "$P" restore --data "$D1" --store "$URLR" --from "$T/db.dump" --erasures "$T/after.jsonl"
grep -q 'give no --from' "$T/stderr" || fail "--from with --store: $(cat "$T/stderr")"
expect_exit 3 "$P" restore --data "$D1" --store "$URLR" --erasures "$T/before.jsonl"
grep -q 'does not cover the time since' "$T/stderr" || fail "old export: $(cat "$T/stderr")"
expect_exit 0 "$P" tenants list --data "$D1" --store "$URLR"
grep clinic-z "$T/stdout" | grep -qv '(deleted)' || fail "a refused restore changed the database"
expect_exit 0 "$P" restore --data "$D1" --store "$URLR" --erasures "$T/after.jsonl"
python3 - "$T/stdout" <<'PY' || fail "restore output: $(cat "$T/stdout")"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["erasures"]
assert d["restored"] and d["audit_intact"] and d["sha256"] == "database", d
assert e["destructions"] == 2 and e["applied"] == 2 and e["already_destroyed"] == 0, d
PY
expect_exit 0 "$P" tenants list --data "$D1" --store "$URLR"
grep clinic-z "$T/stdout" | grep -q '(deleted)' || fail "the offboarded tenant is back: $(cat "$T/stdout")"
expect_exit 0 "$P" keys list --json --data "$D1" --store "$URLR"
python3 - "$T/stdout" "$K2" <<'PY' || fail "the revoked key: $(cat "$T/stdout")"
import json, sys
keys = json.load(open(sys.argv[1]))
keys = keys.get("keys", keys) if isinstance(keys, dict) else keys
k = [k for k in keys if k["id"] == sys.argv[2]]
assert k and k[0].get("revoked_at"), k
PY
expect_exit 0 "$P" audit verify --data "$D1" --store "$URLR"
"$P" audit export --data "$D1" --store "$URLR" --action datadir.restore --format csv \
    --output "$T/r.csv" >/dev/null
grep -q 'source=database .*applied=2' "$T/r.csv" || fail "datadir.restore record: $(cat "$T/r.csv")"
ok "a pg_restore'd database: restore --store --erasures revokes and offboards again, trail verified"
echo "$checks checks passed"
