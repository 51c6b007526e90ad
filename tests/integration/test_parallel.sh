# Long recordings split at pauses and decoded on every free worker (issue
# 17 items 1-2): a recording of LibriVox speech with 8 s of hiss alone in
# the middle, through `transcribe --threads 1` (one piece, as before) and
# `--threads 2` (split), the synchronous endpoint and a stored job (split,
# two workers). What a split may change, exactly: the words of utterances
# the VAD hears no speech in (the hiss) are not decoded; every other word
# comes back once, in order, with the same text, start, end and
# confidence, and the duration is the same. The stored job's progress is
# read while its workers are held with SIGSTOP, one of them on a part from
# before any part is done, so the job cannot finish however fast the rest
# decodes (then progress can only lie strictly between 0 and 1, and stays
# put).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
[ -f "$LV/sense_and_sensibility_01_austen_64kb-0880.wav" ] || fail "pocketsphinx-testdata missing"
here=$(cd "$(dirname "$0")" && pwd)
# About 26 s: over the split length used here, 20 s (the default, 120 s,
# would make the test slow), so in parts of about 5 s, five or so, and the
# stored job runs long after its first part is done; about 45 words around
# 6 s of hiss. Decoded about fifteen times here (adapt: twice a decode), so
# kept short: at 36 s (28 s of it speech) the script spent about 40% more CPU.
NOISE=$(python3 "$here/long_recording.py" "$T/long.wav" 22 --noise-at 11 --noise-seconds 6 \
    "$LV"/*.wav)
set -- $NOISE
N0=$2 N1=$3

# same_words A B: B's words are A's less those inside the hiss, identical.
same_words() {
    python3 - "$1" "$2" "$N0" "$N1" <<'PY' || fail "split result differs: $1 vs $2"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
n0, n1 = float(sys.argv[3]), float(sys.argv[4])
def words(d):  # top level (the API's), else the segments' (the CLI's)
    ws = d.get("words") or [w for s in d["segments"] for w in s["words"]]
    return [(w["word"], w["start"], w["end"]) for w in ws]
wa, wb = words(a), words(b)
i = j = dropped = 0
while i < len(wa):  # b is a with at most some words inside the hiss left out
    if j < len(wb) and wa[i] == wb[j]:
        j += 1
    elif n0 - 1 <= (wa[i][1] + wa[i][2]) / 2 <= n1 + 1:
        dropped += 1
    else:
        sys.exit("word %d of %d differs or is missing: %r vs %r" % (i, len(wa), wa[i],
                 wb[j] if j < len(wb) else None))
    i += 1
if j != len(wb):
    sys.exit("words added: %r" % (wb[j:],))
print("same words, %d in the hiss not decoded" % dropped, file=sys.stderr)
if len(wb) < 40:
    sys.exit("too few words: %d" % len(wb))
if a["duration"] != b["duration"]:
    sys.exit("durations differ")
segs = b["segments"]
if any(s["start"] > t["start"] for s, t in zip(segs, segs[1:])):
    sys.exit("segments out of order")
if " ".join(w["word"] for s in segs for w in s["words"]) != " ".join(w[0] for w in wb):
    sys.exit("segments do not hold the words")
PY
}

# ---- the CLI ----
expect_exit 0 "$PHISCRIBE" transcribe --threads 1 --format verbose_json --output "$T/one.json" "$T/long.wav"
expect_exit 0 "$PHISCRIBE" transcribe --threads 2 --split-seconds 20 --format verbose_json \
    --output "$T/two.json" "$T/long.wav"
same_words "$T/one.json" "$T/two.json"
expect_exit 2 "$PHISCRIBE" transcribe --threads 0 "$T/long.wav"
ok "transcribe --threads 2: the --threads 1 words, less none but the hiss's, times exact"

# --adapt over a split recording (docs/ENGINE.md section 6): a first round
# of the parts collecting statistics, summed in plan order into one
# transform, a second round of the parts through it. The CLI says over how
# many parts it adapted (the split path taken: one piece says no count);
# the words, times and adapted seconds are --adapt --threads 1's.
expect_exit 0 "$PHISCRIBE" transcribe --adapt --threads 1 --format verbose_json \
    --output "$T/one_ad.json" "$T/long.wav"
grep -q "input #1: adapted to the speaker ([0-9]* s of confident speech)$" "$T/stderr" ||
    fail "--adapt --threads 1: $(cat "$T/stderr")"
expect_exit 0 "$PHISCRIBE" transcribe --adapt --threads 2 --split-seconds 20 \
    --format verbose_json --output "$T/two_ad.json" "$T/long.wav"
parts=$(sed -n 's/.*input #1: adapted to the speaker (.* s of confident speech, over \([0-9]*\) parts)$/\1/p' "$T/stderr")
[ "${parts:-0}" -gt 1 ] || fail "--adapt --threads 2 not adapted over parts: $(cat "$T/stderr")"
same_words "$T/one_ad.json" "$T/two_ad.json"
python3 - "$T/one_ad.json" "$T/two_ad.json" <<'PY' || fail "adaptation members differ"
import json, sys
a, b = (json.load(open(p))["adaptation"] for p in sys.argv[1:])
if not (a["adapted"] and b["adapted"]) or abs(a["speech_seconds"] - b["speech_seconds"]) > 0.05:
    sys.exit("one piece %r, split %r" % (a, b))
PY
ok "transcribe --adapt --threads 2: adapted over $parts parts, --adapt --threads 1's words and times"
# Under the split length (the default, 120 s) the plan's worker answers
# whole, adapted there: --adapt --threads 1's output byte for byte. On one
# LibriVox file (7 s, 21 words): any recording under the split length is
# answered whole. Its two adapted runs cost a little less than one of the
# 28 s long.wav (13.5 against 15.7 CPU s, 11.4 against 12.7 under load:
# docs/BENCHMARKS.md, session 46).
U0870=$LV/sense_and_sensibility_01_austen_64kb-0870.wav
expect_exit 0 "$PHISCRIBE" transcribe --adapt --threads 1 --format verbose_json \
    --output "$T/one_ad_short.json" "$U0870"
expect_exit 0 "$PHISCRIBE" transcribe --adapt --threads 2 --format verbose_json \
    --output "$T/whole_ad.json" "$U0870"
grep -q "input #1: adapted to the speaker ([0-9]* s of confident speech)$" "$T/stderr" ||
    fail "--adapt --threads 2, unsplit: $(cat "$T/stderr")"
cmp "$T/one_ad_short.json" "$T/whole_ad.json" || fail "--adapt answered whole differs from --threads 1"
ok "transcribe --adapt --threads 2 under the split length: adapted whole, --threads 1's output"

# Forced on, the front end also drops the words it is unsure of (posterior
# under 0.1, speech/denoise.h): a split's parts drop them as the whole does.
expect_exit 0 "$PHISCRIBE" transcribe --threads 1 --denoise on --format verbose_json \
    --output "$T/one_on.json" "$T/long.wav"
expect_exit 0 "$PHISCRIBE" transcribe --threads 2 --split-seconds 20 --denoise on \
    --format verbose_json --output "$T/two_on.json" "$T/long.wav"
same_words "$T/one_on.json" "$T/two_on.json"
python3 - "$T/one_on.json" "$T/two_on.json" <<'PY' || fail "unsure words kept or not counted"
import json, sys
left = []
for p in sys.argv[1:]:
    d = json.load(open(p))
    if any(w["confidence"] < 0.1 for s in d["segments"] for w in s["words"]):
        sys.exit("%s: a word under 0.1 with --denoise on" % p)
    u = d.get("unsure_words") or sys.exit("%s: no unsure_words" % p)
    if u["reason"] != "denoise_on" or u["min_confidence"] != 0.1:
        sys.exit("%s: %r" % (p, u))
    left.append(u["left_out"])
# The split's count is its parts' (each worker's) together: the whole
# decode's, less any unsure words in the hiss the split does not decode.
print("unsure words left out: whole %d, split %d" % tuple(left), file=sys.stderr)
if not 0 < left[1] <= left[0]:
    sys.exit("left out: whole %d, split %d" % tuple(left))
PY
ok "transcribe --denoise on: no word under 0.1, split or whole, the same words; the left-out counted"

# ---- a mixed recording: the noise front end decides per utterance ----
# The LibriVox speech clean (11.5 s), then the same under pink noise (sox,
# its fixed seed): 23 s, over the split length, two utterances. With
# denoise auto the one-piece decode enhances the noisy utterance only, and
# leaves out its unsure words (the noise measures as other voices there); a
# split plan decides each utterance the same way (speech/split.h), so the
# stored job below (split over two workers) reads the same words, times
# and unsure words left out. A plan deciding once for the whole recording
# enhances both or neither (on 56 s of it, 72 of 134 words read
# differently). Short, and decoded twice: whole here, split as the stored
# job below (the split's plan is the CLI's, speech/split.h; the CLI's
# split runs are the long recording's above; the parts' enhanced counts
# summed to the whole's: tests/unit/test_split.c). A denoise auto decode of
# it costs about 14 CPU s: a third, the CLI's split, checked nothing more.
python3 "$here/long_recording.py" "$T/clean.wav" 10 "$LV"/*.wav >/dev/null
sox -R -n -r 16000 -c 1 -b 16 "$T/pink.wav" synth "$(soxi -D "$T/clean.wav")" pinknoise vol 0.06
sox -m -v 1 "$T/clean.wav" -v 1 "$T/pink.wav" "$T/noisy.wav"
sox "$T/clean.wav" "$T/noisy.wav" "$T/mixed.wav"
# exact_words A B: the same words (text, start, end), duration and unsure words.
exact_words() {
    python3 - "$1" "$2" <<'PY' || fail "mixed recording: $1 vs $2"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def words(d):  # top level (the API's), else the segments' (the CLI's)
    ws = d.get("words") or [w for s in d["segments"] for w in s["words"]]
    return [(w["word"], w["start"], w["end"]) for w in ws]
wa, wb = words(a), words(b)
bad = [i for i, (x, y) in enumerate(zip(wa, wb)) if x != y]
if bad or len(wa) != len(wb):
    sys.exit("%d and %d words, %d differ (first at %r)" % (len(wa), len(wb), len(bad), bad[:1]))
if len(wa) < 40 or a["duration"] != b["duration"]:
    sys.exit("too few words or durations differ")
if a.get("unsure_words") != b.get("unsure_words") or not a.get("unsure_words"):
    sys.exit("unsure words: %r vs %r" % (a.get("unsure_words"), b.get("unsure_words")))
PY
}
enhanced_count() { sed -n 's/.*input #1: \([0-9]* of [0-9]*\) utterances decoded from the noise front end.s enhanced audio$/\1/p' "$T/stderr"; }
expect_exit 0 "$PHISCRIBE" transcribe --threads 1 --format verbose_json \
    --output "$T/one_mix.json" "$T/mixed.wav"
MIX1=$(enhanced_count)
set -- $MIX1
[ -n "$MIX1" ] && [ "$1" -gt 0 ] && [ "$1" -lt "$3" ] ||
    fail "mixed recording, one piece: want some utterances enhanced, not all: $(cat "$T/stderr")"
ok "a mixed recording (clean, then noisy), one piece: $MIX1 utterances enhanced"

# Determinism (docs/ENGINE.md): the plan depends on the audio and
# --split-seconds only, never on how many workers are free or which one
# decodes which part. Three workers, one of them held with SIGSTOP for a
# while once all three are up (so the parts go round differently), must
# give --threads 2's output byte for byte. When the hold starts or ends
# changes which worker gets which part, never the verdict.
"$PHISCRIBE" transcribe --threads 3 --split-seconds 20 --format verbose_json \
    --output "$T/three.json" "$T/long.wav" &
CPID=$!
cli_workers() { ps --ppid "$CPID" -o pid=,comm= | awk '$2 ~ /^phiscribe-worke/ {print $1}'; }
while kill -0 $CPID 2>/dev/null && [ "$(cli_workers | wc -l)" -lt 3 ]; do sleep 0.1; done
HELD=$(cli_workers | tail -n 1)
[ -n "$HELD" ] && kill -STOP $HELD 2>/dev/null && sleep 2 && kill -CONT $HELD 2>/dev/null
wait $CPID || fail "transcribe --threads 3 failed"
cmp "$T/two.json" "$T/three.json" || fail "--threads 3 with a worker held differs from --threads 2"
ok "transcribe --threads 3 with a worker held: --threads 2's output, byte for byte"

# ---- the server: synchronous ----
setup_data
start_server --workers 2 --split-seconds 20
# adapt=true on the split path: the CLI's one-piece adapted words. The one
# long synchronous request: a synchronous and a stored request decode
# alike (service/jobs.c, jobs_decode), so the recording unadapted over the
# workers is the stored jobs' below; a second synchronous decode of it
# (about 7 CPU s) checked nothing more.
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/long.wav" -F model=whisper-1 \
    -F response_format=verbose_json -F timestamp_granularities[]=word -F adapt=true
expect_status 200 "a long synchronous transcription, adapt=true"
cp "$T/body" "$T/sync_ad.json"
same_words "$T/one_ad.json" "$T/sync_ad.json"
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["adaptation"]["adapted"] else 1)' \
    "$T/sync_ad.json" || fail "adapt=true not adapted: $(cat "$T/sync_ad.json")"
ok "a long synchronous adapt=true request split across the workers: --adapt --threads 1's words and times"

# ---- a stored job: progress while it runs ----
# Held so that it cannot finish, however fast its parts decode (how much
# of the recording is sound, or skipped, does not matter): both workers
# are stopped before the job is posted, and only the one its plan went to
# (the request waits in its socket) is let go. It plans; the other, still
# stopped, is leased for a part it cannot answer (the pool leases any idle
# worker), so the job stays unfinished while the first decodes every other
# part. Once progress is above 0 the first is stopped too: once the reply
# already on its way is in, progress holds still, strictly between 0 and
# 1. Read until three reads agree; every read is no less than the one
# before. (Should the stopped worker's thread find no part left, the job
# completes: tried again.)
# state: the job's status and progress ("processing 0.25"), one python run.
state() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d.get("progress"); print(d["status"], "none" if p is None else float(p))' "$T/body"; }
progress() { python3 -c 'import json,sys; print(float(json.load(open(sys.argv[1])).get("progress", "nan")))' "$T/body" | sed 's/^nan$/none/'; }
workers() { ps --ppid "$SPID" -o pid=,comm= | awk '$2 == "phiscribe-worke" {print $1}'; }
# queued PID: bytes waiting in the worker's sockets (a request it has not read).
queued() { ss -xpH | awk -v p="pid=$1," 'index($0, p) { q += $3 } END { print q + 0 }'; }
# held_still V...: the last three reads agree.
held_still() { [ $# -ge 3 ] && eval "[ \"\${$#}\" = \"\${$(($# - 1))}\" ] && [ \"\${$(($# - 1))}\" = \"\${$(($# - 2))}\" ]"; }
# held_progress V...: the figure the reads settled on, after checking them.
held_progress() {
    python3 - "$@" <<'PY'
import sys
v = [float(x) for x in sys.argv[1:]]
if len(v) < 3 or not v[-1] == v[-2] == v[-3]:
    sys.exit("never held still")
if any(a > b for a, b in zip(v, v[1:])):
    sys.exit("went back")
if len(set(v)) > 3:
    sys.exit("moved more than once per worker")
if not 0 < v[-1] < 1:
    sys.exit("out of range")
print(v[-1])
PY
}
seen=0
for attempt in 1 2 3; do
    ALL=$(workers)
    [ "$(echo $ALL | wc -w)" = 2 ] || fail "want 2 workers, have: $ALL"
    kill -STOP $ALL
    req POST /v1/transcripts "$KEY_A" -F file=@"$T/long.wav" -F denoise=on; expect_status 202 "stored job"
    J=$(jget id)
    req GET "/v1/transcripts/$J" "$KEY_A"
    [ "$(jget status)" != queued ] || [ "$(progress)" = 0.0 ] || fail "a queued job's progress: $(cat "$T/body")"
    # (The waits below end only on a broken server: 300 s, a bound.)
    FIRST="" until=$(($(date +%s) + 300))
    while [ "$(date +%s)" -lt $until ]; do
        for w in $ALL; do [ "$(queued $w)" -gt 0 ] && FIRST=$w; done
        [ -n "$FIRST" ] && break
        sleep 0.1
    done
    [ -n "$FIRST" ] || { kill -CONT $ALL; fail "the plan request never reached a worker"; }
    kill -CONT $FIRST
    # Some of the first worker's parts done: progress above 0 (never 1).
    # (A poll costs about 0.1 CPU s: curl, python; every 0.25 s, not 0.1.)
    moved="" until=$(($(date +%s) + 300))
    while [ "$(date +%s)" -lt $until ]; do
        req GET "/v1/transcripts/$J" "$KEY_A"
        case $(state) in completed* | failed*) break ;; "processing 0.0") ;; processing*) moved=1; break ;; esac
        sleep 0.25
    done
    if [ -z "$moved" ]; then
        kill -CONT $ALL
        [ "$(jget status)" = completed ] && { echo "attempt $attempt: done first" >&2; continue; }
        fail "progress never moved with one worker held: $(cat "$T/body")"
    fi
    kill -STOP $FIRST
    reads="" S1=processing
    for i in 1 2 3 4 5 6 7 8; do
        req GET "/v1/transcripts/$J" "$KEY_A"; S1=$(jget status)
        [ "$S1" = processing ] || break
        reads="$reads $(progress)"
        held_still $reads && break
    done
    kill -CONT $ALL
    [ "$S1" = processing ] || fail "the job ended with a part held: $(cat "$T/body")"
    echo "attempt $attempt: reads$reads" >&2
    P1=$(held_progress $reads) || fail "progress with both workers held:$reads"
    seen=1
    wait_done "$KEY_A" "$J"
    break
done
[ $seen = 1 ] || fail "never caught the stored job with its parts held"
[ "$(progress)" = none ] || fail "a completed job still shows progress"
cp "$T/body" "$T/stored_on.json"
# denoise=on (the job above), split over the workers: the whole decode's words
# and times, and the stored transcript counts the unsure words its parts'
# workers left out as the CLI's split does (the same plan: the audio and the
# split length decide it). One stored job for both checks: each is a 36 s
# decode (the default denoise's split on the server: the adapt=true
# synchronous request and the mixed recording's stored job below).
same_words "$T/one_on.json" "$T/stored_on.json"
python3 - "$T/two_on.json" "$T/stored_on.json" <<'PY' || fail "stored split: unsure words"
import json, sys
cli, stored = (json.load(open(p)).get("unsure_words") for p in sys.argv[1:])
if not stored or stored != cli:
    sys.exit("stored %r, CLI split %r" % (stored, cli))
PY
ok "a stored denoise=on job reports progress $P1 with its parts held; completed, the CLI's words and times and its split's count of unsure words left out"

# The mixed recording as a stored job (denoise auto, split over the two
# workers): the CLI's one-piece words, times and unsure words.
req POST /v1/transcripts "$KEY_A" -F file=@"$T/mixed.wav"; expect_status 202 "stored mixed job"
J=$(jget id)
wait_done "$KEY_A" "$J"
cp "$T/body" "$T/stored_mix.json"
exact_words "$T/one_mix.json" "$T/stored_mix.json"
ok "a stored job of the mixed recording on two workers: the one-piece words and unsure words"

stop_server
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
ok "the audit chain verifies"
