# scripts/check-layers: passes on the tree as it is, and fails, naming file
# and line, on a planted upward include, a library outside its module, a
# bare include, a file outside the layer folders and a stale exception.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
C=$top/scripts/check-layers
W=$T/tree

fresh() { rm -rf "$W"; mkdir -p "$W"; cp -r "$top/src" "$W/src"; }
# planted WHAT FILE LINE PATTERN: FILE gets LINE at the top; the checker
# must exit 1 with a line matching PATTERN
planted() {
    fresh
    { printf '%s\n' "$3"; cat "$W/src/$2"; } >"$T/planted" && mv "$T/planted" "$W/src/$2"
    expect_exit 1 "$C" --root "$W"
    grep -q "$4" "$T/stdout" || fail "$1: no line matching '$4': $(cat "$T/stdout")"
    ok "$1"
}

fresh
expect_exit 0 "$C" --root "$W"
grep -q "0 violations" "$T/stdout" || fail "tree as it is: $(cat "$T/stdout")"
ok "the tree as it is passes"

planted "upward include" core/err.c '#include "api/server.h"' \
    '^src/core/err.c:1: core may not include "api/server.h" (core may include: core)'
planted "speech reaching the store" speech/vocab.c '#include "store/store.h"' \
    '^src/speech/vocab.c:1: speech may not include "store/store.h"'
planted "SQLite outside the store" text/redact.c '#include <sqlite3.h>' \
    '^src/text/redact.c:1: text may not include <sqlite3.h> (SQLite only in store/)'
planted "an undeclared library" core/duration.c '#include <zstd.h>' \
    '^src/core/duration.c:1: core may not include <zstd.h> (in no library'
planted "a bare include" records/audit.c '#include "err.h"' \
    '^src/records/audit.c:1: records may not include "err.h" (not folder-qualified: write "core/err.h")'
planted "a private header from another folder" api/api_admin.c '#include "speech/asr_engine.h"' \
    'private to speech/'

fresh
printf '/* x */\n' >"$W/src/stray.c"
expect_exit 1 "$C" --root "$W"
grep -q '^src/stray.c:1: not in a layer folder' "$T/stdout" || fail "stray file: $(cat "$T/stdout")"
ok "a file outside the layer folders"

fresh
printf 'allow core/err.c stdio.h no longer needed\n' >>"$W/src/LAYERS"
expect_exit 1 "$C" --root "$W"
grep -q 'stale exception: src/core/err.c' "$T/stdout" || fail "stale: $(cat "$T/stdout")"
ok "a stale exception"

echo "test_check_layers: $checks checks passed"
