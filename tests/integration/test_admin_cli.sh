# Administrative CLI end to end: init, tenants, keys, rotate-master, audit
# verify/export/public-key, key-file checks, and a scan of the data directory
# and an export for secrets and tenant-provided text.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
P=$PHISCRIBE
D=$T/data

# ---- init -------------------------------------------------------------------
expect_exit 0 "$P" init --data "$D"
grep -q "BEGIN PUBLIC KEY" "$T/stdout" || fail "init prints the verification key"
[ "$(stat -c %a "$D")" = 700 ] || fail "data dir mode"
[ "$(stat -c %a "$D/master.key")" = 600 ] || fail "master.key mode"
[ "$(stat -c %a "$D/audit-signing.key")" = 600 ] || fail "audit-signing.key mode"
ok "init creates a private data directory"
expect_exit 1 "$P" init --data "$D"
grep -q "already exists" "$T/stderr" || fail "init refusal message"
ok "init refuses an existing directory"
( cd "$T" && PHISCRIBE_DATA="$T/envdata" "$P" init >/dev/null ) || fail "init via PHISCRIBE_DATA"
[ -f "$T/envdata/master.key" ] || fail "PHISCRIBE_DATA honoured"
( cd "$T" && "$P" init >/dev/null && [ -f "$T/phiscribe-data/phiscribe.db" ] ) || fail "default dir"
ok "data dir from --data, then \$PHISCRIBE_DATA, then ./phiscribe-data"
expect_exit 1 "$P" tenants list --data "$T/none"
grep -q "phiscribe init" "$T/stderr" || fail "missing dir message"
ok "a missing data directory is reported with the fix"

# ---- tenants --------------------------------------------------------------------
expect_exit 0 "$P" tenants create acme --data "$D"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert t["name"]=="acme" and t["audio_retention"]=="0" and t["transcript_retention"]=="90d", t' "$T/stdout"
expect_exit 0 "$P" tenants create beta-clinic --data="$D"
expect_exit 1 "$P" tenants create acme --data "$D"
expect_exit 3 "$P" tenants create "bad name" --data "$D"
expect_exit 2 "$P" tenants create --data "$D"
ok "tenants create (defaults, duplicates, invalid names)"
expect_exit 0 "$P" tenants update acme --transcript-retention 30d --audio-retention 90s --data "$D"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert t["audio_retention"]=="90s" and t["transcript_retention"]=="30d", t' "$T/stdout"
expect_exit 3 "$P" tenants update acme --audio-retention 5w --data "$D"
expect_exit 2 "$P" tenants update acme --data "$D"
expect_exit 1 "$P" tenants update nobody --audio-retention 0 --data "$D"
expect_exit 0 "$P" tenants list --json --data "$D"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert [x["name"] for x in t]==["acme","beta-clinic"], t; assert t[0]["audio_retention"]=="90s"' "$T/stdout"
expect_exit 0 "$P" tenants list --data "$D"
grep -q "beta-clinic" "$T/stdout" || fail "tenants list table"
ok "tenants update and list"

# --config: the server's INI file names the data directory and the store for
# the admin commands too; a flag still wins, a bad file is a usage error.
printf '[storage]\ndata_dir = %s\n' "$D" > "$T/server.ini"
expect_exit 0 "$P" tenants list --json --config "$T/server.ini"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert [x["name"] for x in t]==["acme","beta-clinic"], t' "$T/stdout"
( cd "$T" && PHISCRIBE_DATA="$T/envdata" "$P" tenants list --json --config="$T/server.ini" ) > "$T/cfg.json" || fail "config over PHISCRIBE_DATA"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert len(t)==2, t' "$T/cfg.json"
expect_exit 0 "$P" tenants list --json --config "$T/server.ini" --data "$T/envdata"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert t==[], t' "$T/stdout"
printf '[storage]\nno_such_key = 1\n' > "$T/bad.ini"
expect_exit 2 "$P" tenants list --config "$T/bad.ini"
grep -q "bad.ini:2" "$T/stderr" || fail "bad config names file and line: $(cat "$T/stderr")"
printf '[storage]\ndata_dir = %s\nstore = postgresql://u:pw-in-file@/phiscribe?host=%s/nosock\n' "$D" "$T" > "$T/pg.ini"
expect_exit 1 "$P" tenants list --config "$T/pg.ini"
grep -q "$T/nosock" "$T/stderr" || fail "the file's store is the one opened: $(cat "$T/stderr")"
! grep -q "pw-in-file" "$T/stderr" || fail "store password in a message"
expect_exit 0 "$P" keys --help
grep -q -- "--config FILE" "$T/stdout" || fail "--config in the help"
ok "admin commands read data_dir and store from --config FILE"

# Every command's --help, walked: each subcommand its usage names is in the
# command's line of `phiscribe --help` (that omitted keys update and keys
# voice) and in README.md or docs/*.md ("CMD SUB" or "CMD a|SUB|b").
expect_exit 0 "$P" --help
cp "$T/stdout" "$T/top-help"
cmds=$(awk '/^  [a-z]/ { print $1 }' "$T/top-help")
[ "$(echo "$cmds" | wc -w)" -ge 20 ] || fail "top-level help lists $(echo $cmds)"
for c in $cmds; do
    expect_exit 0 "$P" "$c" --help
    line=$(awk -v c="$c" '$1 == c' "$T/top-help")
    for s in $(grep -o "phiscribe $c [a-z][a-z0-9-]*" "$T/stdout" | awk '{ print $3 }' | sort -u); do
        echo "$line" | grep -qw -- "$s" || fail "phiscribe --help does not name '$c $s': $line"
        grep -qE "$c ([a-z-]+\|)*$s\b" "$top/README.md" "$top"/docs/*.md ||
            fail "'phiscribe $c $s' is in no README.md or docs/*.md"
    done
done
ok "every command's subcommands are in phiscribe --help and the docs"

# ---- keys -------------------------------------------------------------------------
LABEL="Nurse Ratched Workstation 7"
expect_exit 0 "$P" keys create --tenant acme --role transcribe,read --expires 90d --label "$LABEL" --data "$D"
cp "$T/stdout" "$T/key1.json"
KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$T/key1.json")
KID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/key1.json")
python3 - "$T/key1.json" <<'PY'
import json, re, sys, zlib
k = json.load(open(sys.argv[1]))
assert set(k) == {"id", "key", "tenant", "roles", "expires_at", "voice"} and k["voice"] is None, k
assert k["tenant"] == "acme" and k["roles"] == ["transcribe", "read"], k
assert k["expires_at"] and k["expires_at"].endswith("Z"), k
m = re.fullmatch(r"phs_([0-9A-Za-z]{12})([0-9A-Za-z]{28})([0-9A-Za-z]{6})", k["key"])
assert m and m.group(1) == k["id"], k
# The checksum, recomputed here from the documented format.
a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
v = zlib.crc32(k["key"][:44].encode()); s = ""
for _ in range(6):
    s = a[v % 62] + s; v //= 62
assert s == m.group(3), (s, m.group(3))
PY
ok "keys create prints id, key (format + CRC-32 checksum), tenant, roles, expires_at, voice"
expect_exit 0 "$P" keys create --tenant beta-clinic --role admin --data "$D"
KID2=$(python3 -c 'import json,sys; k=json.load(open(sys.argv[1])); assert k["expires_at"] is None; print(k["id"])' "$T/stdout")
expect_exit 3 "$P" keys create --tenant acme --role root --data "$D"
expect_exit 3 "$P" keys create --tenant acme --role read --expires soon --data "$D"
expect_exit 1 "$P" keys create --tenant nobody --role read --data "$D"
expect_exit 2 "$P" keys create --role read --data "$D"
ok "keys create rejects bad roles, durations, tenants"
expect_exit 0 "$P" keys list --json --data "$D"
python3 - "$T/stdout" "$KID" "$LABEL" <<'PY'
import json, sys
ks = json.load(open(sys.argv[1]))
assert len(ks) == 2, ks
k = [x for x in ks if x["id"] == sys.argv[2]][0]
assert k["label"] == sys.argv[3] and k["status"] == "active" and k["tenant"] == "acme", k
assert "key" not in k and "secret" not in json.dumps(ks)
PY
grep -q "$KEY" "$T/stdout" && fail "keys list shows a secret"
expect_exit 0 "$P" keys list --tenant beta-clinic --data "$D"
grep -q "$KID2" "$T/stdout" || fail "keys list --tenant"
grep -q "$KID " "$T/stdout" && fail "keys list --tenant shows another tenant's key"
ok "keys list (never secrets; label decrypted; --tenant)"
expect_exit 0 "$P" keys revoke "$KID2" --data "$D"
expect_exit 1 "$P" keys revoke "$KID2" --data "$D"
grep -q "already revoked" "$T/stderr" || fail "double revoke message"
expect_exit 1 "$P" keys revoke NoSuchKeyId0 --data "$D"
expect_exit 0 "$P" keys list --json --data "$D"
python3 -c 'import json,sys; ks=json.load(open(sys.argv[1])); k=[x for x in ks if x["id"]==sys.argv[2]][0]; assert k["status"]=="revoked" and k["revoked_at"], k' "$T/stdout" "$KID2"
ok "keys revoke"

# ---- who ran it: sudo and the kernel's login uid ---------------------------------
# last_actor: the actor of the newest audit record
last_actor() { sqlite3 "$D/phiscribe.db" "SELECT actor FROM audit_log ORDER BY seq DESC LIMIT 1"; }
name_of() { n=$(getent passwd "$1" | cut -d: -f1); echo "${n:-#$1}"; }
me=$(name_of "$(id -u)")
lu=$(cat /proc/self/loginuid 2>/dev/null || echo 4294967295)
who="cli:$me;sudo=alice"
[ "$lu" = 4294967295 ] || who="$who;login=$(name_of "$lu")"
expect_exit 0 env SUDO_USER=alice SUDO_UID=1000 "$P" tenants create sudo-made --data "$D"
[ "$(last_actor)" = "$who" ] || fail "actor under sudo: '$(last_actor)', want '$who'"
# A SUDO_USER that is not a plain name never reaches the record as written.
expect_exit 0 env "SUDO_USER=Jane Doe;x" SUDO_UID=1001 "$P" tenants update sudo-made --audio-retention 0 --data "$D"
case "$(last_actor)" in "cli:$me;sudo=#1001"*) ;; *) fail "odd SUDO_USER: '$(last_actor)'" ;; esac
# The destruction certificate names the same person.
expect_exit 0 env SUDO_USER=alice SUDO_UID=1000 "$P" tenants delete sudo-made --data "$D"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["requested_by"]==sys.argv[2], c["requested_by"]' "$T/stdout" "$who"
ok "a command run under sudo is audited as $who (record and certificate)"
# With a login uid set (needs CAP_AUDIT_CONTROL; pam_loginuid does it at login).
if sh -c 'echo 65534 >/proc/self/loginuid' 2>/dev/null; then
    expect_exit 0 sh -c 'echo 65534 >/proc/self/loginuid && exec env SUDO_USER=alice "$@"' sh \
        "$P" tenants create login-made --data "$D"
    [ "$(last_actor)" = "cli:$me;sudo=alice;login=$(name_of 65534)" ] || fail "actor with login uid: '$(last_actor)'"
    ok "the login uid stands beside sudo's claim: $(last_actor)"
else
    echo "note: cannot set /proc/self/loginuid here; the login= part is covered by test_cliadm"
fi

# ---- key files and master key -----------------------------------------------------
chmod 640 "$D/master.key"
expect_exit 1 "$P" keys list --data "$D"
grep -q "master.key" "$T/stderr" && grep -q "chmod 600" "$T/stderr" || fail "permission message"
chmod 600 "$D/master.key"
chmod 604 "$D/audit-signing.key"
expect_exit 1 "$P" audit verify --data "$D"
grep -q "audit-signing.key" "$T/stderr" || fail "signing key permission message"
chmod 600 "$D/audit-signing.key"
ok "key files readable by group/other are refused with a clear message"
cp "$D/master.key" "$T/old-master.key"
expect_exit 0 "$P" keys rotate-master --data "$D"
cmp -s "$D/master.key" "$T/old-master.key" && fail "master.key unchanged after rotation"
expect_exit 0 "$P" keys list --json --data "$D"
grep -q "$LABEL" "$T/stdout" || fail "tenant data unreadable after rotation"
cp "$D/master.key" "$T/new-master.key"
cp "$T/old-master.key" "$D/master.key"
expect_exit 1 "$P" keys list --data "$D"
grep -q "does not match" "$T/stderr" || fail "wrong master key message"
cp "$T/new-master.key" "$D/master.key"
ok "rotate-master re-wraps tenant keys; the old master key is refused"

# ---- audit --------------------------------------------------------------------------
expect_exit 0 "$P" audit public-key --data "$D"
cp "$T/stdout" "$T/pub.pem"
openssl pkey -pubin -in "$T/pub.pem" -noout -text 2>/dev/null | grep -q ED25519 || fail "public key is not Ed25519 PEM"
expect_exit 0 "$P" audit verify --public-key "$T/pub.pem" --data "$D"
grep -q "audit log intact" "$T/stdout" || fail "verify output"
grep -q "0 records are newer than the last checkpoint" "$T/stdout" || fail "uncovered count"
ok "audit public-key (openssl reads it) and verify"
expect_exit 0 "$P" audit export --data "$D" --output "$T/all.jsonl"
for a in datadir.init tenant.create tenant.update key.create key.revoke master.rotate; do
    grep -q "\"action\":\"$a\"" "$T/all.jsonl" || fail "no $a record"
done
expect_exit 0 "$top/tools/verify-audit-export" --public-key "$T/pub.pem" "$T/all.jsonl"
grep -q "^verified" "$T/stdout" || fail "verifier output"
[ "$(stat -c %a "$T/all.jsonl")" = 600 ] || fail "export file is not private"
ok "audit export records every change (file mode 0600); the independent verifier agrees"
expect_exit 0 "$P" audit export --action key.create --data "$D" --output "$T/sel.jsonl"
python3 - "$T/sel.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
recs = [l for l in lines if l["type"] == "record"]
assert recs and all(r["action"] == "key.create" for r in recs), recs
assert any(l["type"] == "checkpoint" for l in lines), lines
PY
expect_exit 0 "$top/tools/verify-audit-export" --public-key "$T/pub.pem" "$T/sel.jsonl"
# --tenant: the tenant format (the tenant's own chain, nothing of others)
expect_exit 0 "$P" audit export --tenant acme --action key.create --data "$D" --output "$T/ten.jsonl"
python3 - "$T/ten.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["format"] == "phiscribe-audit-tenant-export/1", lines[0]
recs = [l for l in lines if l["type"] == "record"]
assert len(recs) == 1 and recs[0]["action"] == "key.create" and recs[0]["tenant"] == "acme", recs
assert all("seq" not in l for l in lines[1:]), "global seq in a tenant export"
assert all(l["type"] != "checkpoint" for l in lines), "global checkpoints in a tenant export"
assert lines[-1]["type"] == "tenant_checkpoint" and lines[-1]["tseq"] == lines[0]["records"], lines[-1]
PY
expect_exit 0 "$top/tools/verify-audit-export" --public-key "$T/pub.pem" "$T/ten.jsonl"
grep -q "^verified tenant export of acme" "$T/stdout" || fail "tenant verifier output: $(cat "$T/stdout")"
ok "filtered export is verifiable on its own"
expect_exit 0 "$P" audit export --format csv --since 1h --until 2099-01-01 --data "$D"
head -1 "$T/stdout" | grep -q "^seq,time,node" || fail "csv header"
grep -q '"audit.export"' "$T/stdout" || fail "csv has the earlier export record"
expect_exit 0 "$P" audit export --since 2000-01-01 --until 2000-01-02 --data "$D"
grep -q '"matching_records":0' "$T/stdout" || fail "empty time range"
expect_exit 3 "$P" audit export --since yesterday --data "$D"
expect_exit 3 "$P" audit export --since 24h --until 48h --data "$D"
grep -q -- "--since is later than --until" "$T/stderr" || fail "since after until: $(cat "$T/stderr")"
expect_exit 2 "$P" audit export --format xml --data "$D"
expect_exit 1 "$P" audit export --data "$D" --output "$T/all.jsonl"
# A tenant name that never existed (a typo): exit 1 as certificates list and
# usage answer it, not an empty export or report that reads as "no
# activity"; no file made, nothing recorded.
records=$(sqlite3 "$D/phiscribe.db" 'SELECT count(*) FROM audit_log')
expect_exit 1 "$P" audit export --tenant acmee --data "$D" --output "$T/typo.jsonl"
grep -q "no tenant named 'acmee'" "$T/stderr" || fail "unknown tenant: $(cat "$T/stderr")"
[ ! -e "$T/typo.jsonl" ] || fail "an export of an unknown tenant made its file"
expect_exit 1 "$P" audit report --actor "$(printf %s "$KEY" | cut -c5-16)" --tenant acmee --data "$D"
grep -q "no tenant named 'acmee'" "$T/stderr" || fail "report, unknown tenant: $(cat "$T/stderr")"
[ "$(sqlite3 "$D/phiscribe.db" 'SELECT count(*) FROM audit_log')" = "$records" ] ||
    fail "a refused export or report was recorded"
ok "audit export filters, csv, bad arguments, an unknown tenant"
expect_exit 0 "$P" audit export --data "$D" --output "$T/final.jsonl"

# ---- nothing secret or tenant-provided in plain text ------------------------------------
SECRET=$(printf %s "$KEY" | cut -c17-44)
for needle in "$KEY" "$SECRET" "$LABEL" "Ratched"; do
    if grep -rqaF "$needle" "$D" "$T/all.jsonl" "$T/final.jsonl"; then
        fail "found '$needle' in plain text in the data directory or an export"
    fi
done
ok "no key secret or key label in plain text in the data directory or exports"
echo "$checks checks passed"
