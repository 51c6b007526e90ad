# Stored objects through the real server: every blob is in the documented
# encrypted stream format (docs/SECURITY.md), a damaged, truncated or swapped
# blob is refused and never served altered, and deletion destroys the wrapped
# data key (cryptographic erase) and then the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
U2=$LV/sense_and_sensibility_01_austen_64kb-0930.wav   # "he might even have been made amiable himself"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
start_server --workers 1
DB=$DATA/phiscribe.db
B=$DATA/blobs

req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create; J1=$(jget id)
req POST /v1/transcripts "$KEY_A" -F file=@"$U2"; expect_status 202 create; J2=$(jget id)
wait_done "$KEY_A" "$J1"; grep -q "young man" "$T/body" || fail "J1 text"
wait_done "$KEY_A" "$J2"; grep -q "amiable" "$T/body" || fail "J2 text"
O1=$(sqlite3 "$DB" "SELECT transcript_object FROM transcripts WHERE id='$J1'")
O2=$(sqlite3 "$DB" "SELECT transcript_object FROM transcripts WHERE id='$J2'")
A1=$(sqlite3 "$DB" "SELECT audio_object FROM transcripts WHERE id='$J1'")
[ -n "$O1" ] && [ -f "$B/$O1" ] && [ -n "$O2" ] && [ -f "$B/$O2" ] || fail "transcript blobs missing"

# ---- the format on disk, checked from the specification, not with our code ----
for o in "$O1" "$O2"; do
    [ "$(stat -c %a "$B/$o")" = 600 ] || fail "blob mode $(stat -c %a "$B/$o")"
    size=$(sqlite3 "$DB" "SELECT size FROM objects WHERE id='$o'")
    python3 - "$B/$o" "$size" <<'PY' || fail "blob $o does not follow the documented format"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:12] == b"PHSC\x01\x00\x00\x00\x00\x01\x00\x00", b[:12]
off, total, chunks, last = 12, 0, 0, 0
while off < len(b):
    assert not last, "bytes after the last chunk"
    last, n = b[off + 12], struct.unpack(">I", b[off + 13:off + 17])[0]
    assert last in (0, 1) and n <= 65536 and (last or n == 65536), (last, n)
    off += 17 + n + 16; total += n; chunks += 1
assert off == len(b) and last == 1, "truncated"
if sys.argv[2] not in ("", "-1"):
    assert total == int(sys.argv[2]), (total, sys.argv[2])
assert len(b) == 12 + total + 33 * max(1, -(-total // 65536))
PY
done
ok "transcript blobs: mode 0600, PHSC v1 header, chunk frames as documented"

# ---- audio retention 0: the audio object was erased once transcribed ----
if [ -n "$A1" ]; then
    [ "$(sqlite3 "$DB" "SELECT dk_wrapped IS NULL AND destroyed_at IS NOT NULL FROM objects WHERE id='$A1'")" = 1 ] \
        || fail "audio object's data key not destroyed"
    [ ! -e "$B/$A1" ] || fail "audio blob still on disk"
    ok "audio erased after transcription: wrapped key destroyed, file removed"
fi

# ---- damage on disk is refused, never served altered ----
cp "$B/$O1" "$T/o1.orig"
refused() { # WHAT: GET J1 must fail with a server error and show no transcript text
    for f in "" "?format=text"; do
        req GET "/v1/transcripts/$J1$f" "$KEY_A"
        case "$STATUS" in 5??) ;; *) fail "$1: status $STATUS for a damaged blob";; esac
        envelope
        ! grep -qi "young\|amiable\|disposed" "$T/body" || fail "$1: transcript text served"
    done
}
python3 - "$B/$O1" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)
PY
refused "one bit flipped"
head -c "$(($(stat -c %s "$T/o1.orig") - 20))" "$T/o1.orig" > "$B/$O1"
refused "last 20 bytes cut"
head -c 12 "$T/o1.orig" > "$B/$O1"
refused "header only"
cp "$B/$O2" "$B/$O1"
refused "another job's blob in its place"
cp "$T/o1.orig" "$B/$O1"
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 "restored"
grep -q "young man" "$T/body" || fail "restored blob does not read back"
ok "flipped, cut and swapped blobs refused with 5xx and no text; the original reads back"

# ---- delete: the wrapped key is destroyed, then the file ----
req DELETE "/v1/transcripts/$J1" "$KEY_A"; expect_status 200 delete
[ "$(sqlite3 "$DB" "SELECT dk_wrapped IS NULL AND destroyed_at IS NOT NULL FROM objects WHERE id='$O1'")" = 1 ] \
    || fail "wrapped data key not destroyed"
[ ! -e "$B/$O1" ] || fail "blob file still on disk after delete"
# A copy of the ciphertext kept from before (a backup, a disk image) is of no
# use now: put it back and the object still does not exist for the API.
cp "$T/o1.orig" "$B/$O1"
req GET "/v1/transcripts/$J1" "$KEY_A"; expect_status 404 "deleted job with its old blob restored"
req GET "/v1/transcripts/$J2?format=text" "$KEY_A"; expect_status 200 "other job unaffected"
grep -q "amiable" "$T/body" || fail "J2 after J1's delete"
ok "delete: wrapped key destroyed and file removed; a restored copy stays unreadable"

! grep -qi "young man\|amiable" "$T/server.out" "$T/server.err" || fail "transcript text in the server log"
stop_server
ok "no transcript text in the server log"
