# `phiscribe migrate --data D --to URL` (issue 16 item 6). A SQLite data
# directory filled by a real server (tenants, keys, stored transcripts with
# their audio, a deleted job's destruction certificate, an offboarded
# tenant, audit records) moves into a throwaway PostgreSQL 15:
# - refused while a server uses D; --to required and checked;
# - a migrate stopped by its test hook after the first object and killed
#   leaves a marked target that nodes refuse, and the source unchanged;
# - the next migrate clears that and completes (it decrypts every object on
#   the target against the SHA-256 recorded at its creation); the source's
#   database and objects are unchanged, node-id is the SQLite node's;
# - `audit verify --store` passes and ends with the migration's record; a
#   server on the target returns every transcript byte for byte;
# - a second migrate into the filled target is refused and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # 96 KB: two 64 KiB pieces
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"

PG=$T/pg
pg_start "$PG"
PGURL=$URLDB
# Until the PostgreSQL store is wired into the commands and keeps objects
# (issue 16 items 1-3), there is nothing to migrate into: say so and skip.
skip_unbuilt() { # FILE
    if grep -q "PostgreSQL store not built yet\|keeps no encrypted objects in PostgreSQL" "$1"; then
        echo "SKIPPED: this build has no PostgreSQL object store yet: $(head -1 "$1")"
        exit 0
    fi
}
"$PHISCRIBE" tenants list --data "$T/none" --store "$PGURL" >/dev/null 2>"$T/probe" || true
skip_unbuilt "$T/probe"
PGSOCK=$PG/sock
PGPORT=${PGURL##*port=}
psql_do() { # DB SQL
    psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PGPORT" -d "$1" -c "$2"
}
# fingerprint DB: every table's row count and the audit head
fingerprint() {
    for t in $(psql_do "$1" "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"); do
        echo "$t $(psql_do "$1" "SELECT count(*) FROM \"$t\"")"
    done
    psql_do "$1" "SELECT seq, encode(hash, 'hex') FROM audit_log ORDER BY seq DESC LIMIT 1"
}

# ---- a data directory filled by a real server ----
setup_data
"$PHISCRIBE" tenants update clinic-a --audio-retention 30d --data "$DATA" >/dev/null
"$PHISCRIBE" tenants create clinic-c --data "$DATA" >/dev/null
start_server --workers 1 --purge-interval 86400
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create clinic-a 1"
J1=$(jget id)
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create clinic-a 2"
J2=$(jget id)
req POST /v1/transcripts "$KEY_B" -F file=@"$U1"; expect_status 202 "create clinic-b"
JB=$(jget id)
wait_done "$KEY_A" "$J1"; cp "$T/body" "$T/before-$J1.json"
wait_done "$KEY_B" "$JB"; cp "$T/body" "$T/before-$JB.json"
wait_done "$KEY_A" "$J2"
req DELETE "/v1/transcripts/$J2" "$KEY_A"; expect_status 200 "delete (certificate)"
CERT=$(jget certificate.id)
[ -n "$CERT" ] || fail "no certificate id"

# the source's server must be stopped first
expect_exit 1 "$PHISCRIBE" migrate --data "$DATA" --to "$PGURL"
grep -q "another phiscribe serve" "$T/stderr" || fail "running server not named: $(cat "$T/stderr")"
[ -z "$(psql_do phiscribe "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")" ] ||
    fail "a refused migrate created tables"
stop_server
"$PHISCRIBE" tenants delete clinic-c --data "$DATA" >/dev/null   # offboarded: its key destroyed
src_sum() { (cd "$DATA" && sha256sum phiscribe.db && ls -l blobs | sha256sum && cat blobs/* | sha256sum); }
src_sum >"$T/src.before"
expect_exit 2 "$PHISCRIBE" migrate --data "$DATA"
expect_exit 2 "$PHISCRIBE" migrate --data "$DATA" --to "mysql://x/y"
ok "source filled by a real server; migrate refused while it runs; --to required and checked"

# ---- interrupted: stopped by its test hook after the first object, killed ----
PHISCRIBE_TEST_MIGRATE_STOP=object "$PHISCRIBE" migrate --data "$DATA" --to "$PGURL" \
    >"$T/m1.out" 2>"$T/m1.err" &
MPID=$!
until [ "$(awk '{print $3}' "/proc/$MPID/stat" 2>/dev/null)" = T ]; do
    kill -0 "$MPID" 2>/dev/null || { skip_unbuilt "$T/m1.err"; cat "$T/m1.err" >&2; fail "migrate ended before its stop"; }
    sleep 0.1
done
kill -KILL "$MPID"; wait "$MPID" 2>/dev/null || true
[ "$(psql_do phiscribe "SELECT count(*) FROM meta WHERE key = 'migrate.incomplete'")" = 1 ] ||
    fail "no marker after the interruption"
[ "$(psql_do phiscribe "SELECT count(DISTINCT object_id) FROM object_chunks")" = 1 ] ||
    fail "not stopped after the first object"
expect_exit 1 "$PHISCRIBE" tenants list --data "$DATA" --store "$PGURL"
grep -q "unfinished .phiscribe migrate" "$T/stderr" || fail "node not refused: $(cat "$T/stderr")"
src_sum >"$T/src.after1"
cmp -s "$T/src.before" "$T/src.after1" || fail "the interrupted run changed the source"
ok "a migrate killed half-way leaves a marked target that nodes refuse; the source unchanged"

# ---- the next migrate clears the interrupted copy and completes ----
expect_exit 0 "$PHISCRIBE" migrate --data "$DATA" --to "$PGURL"
cp "$T/stdout" "$T/migrate.json"
python3 - "$T/migrate.json" <<'EOF' || fail "migrate summary: $(cat "$T/migrate.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["migrated"] is True and r["restarted"] is True, r   # it cleared the killed run
# live: J1's recording and transcript, JB's transcript (clinic-b keeps no audio)
assert r["objects"] == 3 and r["objects_verified"] == 3, r
assert r["objects_destroyed"] == 3 and r["tenant_keys_verified"] == 2, r
assert r["audit_records"] > 10 and "@" not in r["to"], r
EOF
src_sum >"$T/src.after"
cmp -s "$T/src.before" "$T/src.after" || fail "the source changed"
[ "$(tr -d '\n' <"$DATA/node-id")" = "$(sqlite3 "$DATA/phiscribe.db" "SELECT value FROM meta WHERE key = 'node_id'")" ] ||
    fail "node-id is not the SQLite node's"
[ "$(psql_do phiscribe "SELECT count(*) FROM meta WHERE key = 'migrate.incomplete'")" = 0 ] ||
    fail "marker left"
[ "$(psql_do phiscribe "SELECT count(*) FROM audit_log WHERE action = 'store.migrate'")" = 1 ] ||
    fail "not one migration record"
A1=$(sqlite3 "$DATA/phiscribe.db" "SELECT audio_object FROM transcripts WHERE id = '$J1'")
[ "$(psql_do phiscribe "SELECT count(*) FROM object_chunks WHERE object_id = '$A1'")" = 2 ] ||
    fail "the 96 KB recording is not in two 64 KiB pieces"
[ "$(psql_do phiscribe "SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY seq)), 'hex') FROM object_chunks WHERE object_id = '$A1'")" = "$(sha256sum <"$DATA/blobs/$A1" | cut -d' ' -f1)" ] ||
    fail "the pieces of $A1 are not its file's ciphertext"
ok "migrated: every object verified on the target, the source unchanged, node-id kept"

expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA" --store "$PGURL"
grep -q "audit log intact" "$T/stdout" || fail "audit verify: $(cat "$T/stdout")"
psql_do phiscribe "SELECT action || ' ' || outcome || ' ' || reason FROM audit_log ORDER BY seq DESC LIMIT 1" >"$T/last"
grep -q "^store.migrate success from=sqlite" "$T/last" || fail "last record: $(cat "$T/last")"
ok "audit verify --store passes; the trail ends with the migration's record"

# ---- a server on the target reads everything back ----
start_server --workers 1 --purge-interval 86400 --store "$PGURL"
req GET "/v1/transcripts/$J1" "$KEY_A"; expect_status 200 "read $J1 on PostgreSQL"
cmp -s "$T/body" "$T/before-$J1.json" || fail "transcript $J1 differs after the migration"
req GET "/v1/transcripts/$JB" "$KEY_B"; expect_status 200 "read $JB on PostgreSQL"
cmp -s "$T/body" "$T/before-$JB.json" || fail "transcript $JB differs after the migration"
req GET "/v1/transcripts/$J2" "$KEY_A"; expect_status 404 "deleted job stays deleted"
req GET "/v1/certificates/$CERT" "$KEY_A"; expect_status 200 "certificate on PostgreSQL"
stop_server
ok "serve --store URL returns every transcript identically; the deleted job and its certificate are there"

# ---- a second migrate into the filled target: refused, nothing changed ----
fingerprint phiscribe >"$T/fp.before"
expect_exit 1 "$PHISCRIBE" migrate --data "$DATA" --to "$PGURL"
grep -q "already holds a phiscribe store" "$T/stderr" || fail "refusal: $(cat "$T/stderr")"
fingerprint phiscribe >"$T/fp.after"
cmp -s "$T/fp.before" "$T/fp.after" || fail "a refused migrate changed the target"
ok "a second migrate into the filled target is refused and changes nothing"

echo "all $checks checks passed"
