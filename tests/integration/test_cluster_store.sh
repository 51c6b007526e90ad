# Nodes sharing one PostgreSQL store (docs/SCALING.md): `init --store`
# creates the schema and the key files; another node is those key files
# copied; a node with other keys is refused, naming the file; the URL's
# password never shows (errors, doctor); a second init on the same database
# is refused; two servers on the same database answer with each other's
# keys; `audit verify --store` checks the one chain, which carries both
# nodes' ids; `tenants delete` removes the old wrapped keys from the live
# tables' heap pages and its certificate says so in PostgreSQL's terms.
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

# ---- audit signing key rotation across nodes (servers stopped) -------------------
expect_exit 0 "$P" audit public-key --data "$D1" --store "$URLDB" --anchor
cp "$T/stdout" "$T/anchor.pem"
expect_exit 0 "$P" audit rotate-signing-key --data "$D1" --store "$URLDB"
expect_exit 1 "$P" tenants list --data "$D2" --store "$URLDB"
grep -q "node2/audit-signing.key does not match the current audit signing key" "$T/stderr" ||
    fail "a node with the old signing key: $(cat "$T/stderr")"
install -m 0600 "$D1/audit-signing.key" "$D2/"
expect_exit 0 "$P" tenants create clinic-rot --data "$D2" --store "$URLDB"
expect_exit 0 "$P" audit verify --data "$D2" --store "$URLDB" --public-key "$T/anchor.pem"
grep -q "rotated 1 times" "$T/stdout" || fail "verify after the rotation: $(cat "$T/stdout")"
ok "signing key rotated on one node: a node with the old key file is refused at open, with the new one it signs and the chain verifies from the anchor"

# ---- crypto-erase on PostgreSQL: the erased keys leave the live tables ----------
# An UPDATE leaves the old row version, wrapped key and all, in the table's
# heap page until vacuum; `tenants delete` rewrites `tenants` (VACUUM FULL)
# and vacuums `objects`. pageinspect (superuser: this server's own) reads
# the pages as stored. Autovacuum is switched off first: an autoanalyze in
# progress holds a snapshot, and VACUUM FULL keeps a row version any open
# snapshot can still see (docs/SCALING.md), which would make this check
# depend on timing.
PSQL=/usr/lib/postgresql/15/bin/psql
q() { "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 "$URLDB" -c "$1"; }
q "CREATE EXTENSION IF NOT EXISTS pageinspect" >/dev/null
q "ALTER SYSTEM SET autovacuum = off" && q "SELECT pg_reload_conf()" >/dev/null
# in_pages TABLE HEX: how many of TABLE's heap pages hold the bytes, anywhere
# (tuples, free space); in_items: how many tuples on them do.
in_pages() { q "SELECT count(*) FROM generate_series(0, pg_relation_size('$1') / 8192 - 1) b
               WHERE position(decode('$2', 'hex') IN get_raw_page('$1', b::int)) > 0"; }
in_items() { q "SELECT count(*) FROM generate_series(0, pg_relation_size('$1') / 8192 - 1) b,
               heap_page_items(get_raw_page('$1', b::int)) h WHERE position(decode('$2', 'hex') IN h.t_data) > 0"; }
printf 'metoprolol tartrate\nlisinopril twenty milligrams\n' >"$T/vocab.txt"
expect_exit 0 "$P" tenants create clinic-z --data "$D1" --store "$URLDB"
for n in cardio renal; do
    expect_exit 0 "$P" profiles add $n "$T/vocab.txt" --tenant clinic-z --data "$D1" --store "$URLDB"
done
TK0=$(q "SELECT encode(key_wrapped, 'hex') FROM tenants WHERE name = 'clinic-z'")
[ "$(in_pages tenants "$TK0")" = 1 ] || fail "the search does not find the tenant key before the rotation"
expect_exit 0 "$P" tenants rotate-key clinic-z --data "$D1" --store "$URLDB"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["key_version"] == 2 and "tenants rewritten by VACUUM FULL" in r["old_key_removal"], r' "$T/stdout" ||
    fail "rotate-key output: $(cat "$T/stdout")"
[ "$(in_pages tenants "$TK0")" = 0 ] || fail "the rotated-out tenant key is still in a heap page of tenants"
ok "tenants rotate-key on PostgreSQL: the old wrapped tenant key is in no heap page of tenants"
TKW=$(q "SELECT encode(key_wrapped, 'hex') FROM tenants WHERE name = 'clinic-z'")
DKW=$(q "SELECT encode(o.dk_wrapped, 'hex') FROM objects o JOIN profiles p ON p.object = o.id
         JOIN tenants t ON t.id = p.tenant_id WHERE t.name = 'clinic-z' AND p.name = 'renal'")
[ ${#TKW} = 120 ] && [ ${#DKW} = 120 ] || fail "wrapped keys read: '$TKW' '$DKW'"
[ "$(in_pages tenants "$TKW")" = 1 ] && [ "$(in_items objects "$DKW")" = 1 ] ||
    fail "the search does not find the keys before the erase"
expect_exit 0 "$P" tenants delete clinic-z --data "$D1" --store "$URLDB"
cp "$T/stdout" "$T/tenant-cert.json"
[ "$(q "SELECT count(*) FROM tenants WHERE name = 'clinic-z' AND key_wrapped = decode('$TKW', 'hex')")" = 0 ] ||
    fail "the live row still holds the tenant key"
[ "$(in_pages tenants "$TKW")" = 0 ] || fail "the old tenant key is still in a heap page of tenants"
[ "$(in_items objects "$DKW")" = 0 ] || fail "a row version of objects still holds the erased data key"
python3 - "$T/tenant-cert.json" <<'PY' || fail "certificate wording: $(cat "$T/tenant-cert.json")"
import json, sys
c = json.load(open(sys.argv[1]))
p = c["verification"]["performed"]
for want in ("object_chunks rows checked absent", "PostgreSQL: tenants rewritten by VACUUM FULL; objects vacuumed; VACUUM prunes",
             "can leave their bytes in the pages' free space until reused", "CHECKPOINT done",
             "WAL segments, replicas, base backups and WAL archives keep earlier row versions"):
    assert want in p, want
assert "write-ahead log checkpointed" not in p and "blob file" not in p, p
assert c["verification"]["tenant_key_erased"] is True, c
PY
expect_exit 0 "$P" certificates verify "$T/tenant-cert.json" --data "$D1" --store "$URLDB"
ok "tenants delete on PostgreSQL: the old wrapped tenant key is in no heap page of tenants (VACUUM FULL), no row version of objects holds the erased data key, and the certificate says what PostgreSQL did and what WAL, replicas and backups keep; it verifies"

# A role that may read and write the tables but owns none of them and is no
# superuser: nothing can be vacuumed or checkpointed, and the certificate
# says so instead of claiming it.
q "CREATE ROLE phs_limited LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO phs_limited;
   GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO phs_limited"
LIM="$URLDB&user=phs_limited"
expect_exit 0 "$P" tenants create clinic-y --data "$D1" --store "$LIM"
expect_exit 0 "$P" tenants delete clinic-y --data "$D1" --store "$LIM"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["verification"]["performed"]
for w in ("tenants not vacuumed (the store'"'"'s role does not own it)", "objects not vacuumed (the store'"'"'s role does not own it)",
          "CHECKPOINT not permitted to the store'"'"'s role", "WAL archives keep earlier row versions"):
    assert w in p, (w, p)
assert "VACUUM prunes" not in p and "rewritten" not in p, p' "$T/stdout" || fail "non-owner certificate: $(cat "$T/stdout")"
ok "a store role that owns no table: the certificate says nothing was vacuumed or checkpointed"

# ---- a database restored with pg_restore gets the destructions since ------------
# A key and a tenant exist at the dump; after it the key is revoked and the
# tenant offboarded. The dump restored into a new database has both back
# until `restore --store URL --erasures EXPORT` applies them again.
PGBIN=/usr/lib/postgresql/15/bin
K2=$("$P" keys create --data "$D1" --store "$URLDB" --tenant clinic-a --role read |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$P" audit export --data "$D1" --store "$URLDB" --format jsonl --output "$T/before.jsonl" >/dev/null
expect_exit 0 "$P" tenants create clinic-r --data "$D1" --store "$URLDB"
"$PGBIN/pg_dump" -Fc -f "$T/db.dump" "$URLDB" || fail "pg_dump"
expect_exit 0 "$P" keys revoke "$K2" --data "$D1" --store "$URLDB"
expect_exit 0 "$P" tenants delete clinic-r --data "$D1" --store "$URLDB"
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
grep clinic-r "$T/stdout" | grep -qv '(deleted)' || fail "the dump holds the tenant deleted after it"
expect_exit 2 "$P" restore --data "$D1" --store "$URLR"
grep -q 'refusing to restore without --erasures' "$T/stderr" || fail "no-erasures: $(cat "$T/stderr")"
expect_exit 2 "$P" restore --data "$D1" --store "$URLR" --from "$T/db.dump" --erasures "$T/after.jsonl"
grep -q 'give no --from' "$T/stderr" || fail "--from with --store: $(cat "$T/stderr")"
expect_exit 3 "$P" restore --data "$D1" --store "$URLR" --erasures "$T/before.jsonl"
grep -q 'does not cover the time since' "$T/stderr" || fail "old export: $(cat "$T/stderr")"
expect_exit 0 "$P" tenants list --data "$D1" --store "$URLR"
grep clinic-r "$T/stdout" | grep -qv '(deleted)' || fail "a refused restore changed the database"
expect_exit 0 "$P" restore --data "$D1" --store "$URLR" --erasures "$T/after.jsonl"
python3 - "$T/stdout" <<'PY' || fail "restore output: $(cat "$T/stdout")"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["erasures"]
assert d["restored"] and d["audit_intact"] and d["sha256"] == "database", d
assert e["destructions"] == 2 and e["applied"] == 2 and e["already_destroyed"] == 0, d
PY
expect_exit 0 "$P" tenants list --data "$D1" --store "$URLR"
grep clinic-r "$T/stdout" | grep -q '(deleted)' || fail "the offboarded tenant is back: $(cat "$T/stdout")"
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
