#!/usr/bin/env python3
"""The formatter's real-audio path audit (docs/BENCHMARKS.md, "Session 39:
the other two dictations through every path"): two flite dictations, each
said in three parts 1.2 s apart, through every path under five option
sets (default, redact, smart_format=false, dictation=false, all three):
the CLI's text and verbose_json, POST json/text/srt/vtt/verbose_json/
diarized_json, stream=true deltas and done, a stored job's status and
?format= renderings, /v1/realtime (realtime mode's completed transcripts)
and plain mode with store=true and its stored text. Prints each set's
CLI text and every path that differs, and any `formatted` piece whose
start/end is not its words' span.

usage: path_audit.py PHISCRIBE URL KEY CA_PEM OUTDIR [A|B ...]
  URL: a running server (https://localhost:PORT; start it with
  --realtime-fast-search-lag-ms 0 so that streams use the default
  search); KEY: a key with transcribe,read. Needs flite, sox, node and
  tests/integration/js/node_modules (npm ci there).
"""
import json, os, re, subprocess, sys, time

P, URL, KEY, CA, OUT = sys.argv[1:6]
DICTS = sys.argv[6:] or ["A", "B"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENT = os.path.join(ROOT, "tests/integration/js/realtime-client.mjs")
HERE = os.path.join(OUT, "wav")
SAID = {
    "A": ["blood pressure one twenty over eighty period",
          "the patient was seen with doctor miller today period",
          "she takes three tablets daily scratch that she takes two tablets daily period"],
    "B": ["follow up at nine thirty new line assessment and plan",
          "he has three children and smokes one pack per day period",
          "return in two weeks period"],
}


def render(d):
    """OUT/wav/{d}1..3.wav (16 kHz) and {D}.wav, the three with 1.2 s of
    silence after each."""
    os.makedirs(HERE, exist_ok=True)
    parts = []
    sil = os.path.join(HERE, "sil.wav")
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", sil, "trim", "0", "1.2"], check=True)
    for i, text in enumerate(SAID[d], 1):
        raw, wav = os.path.join(HERE, "raw.wav"), os.path.join(HERE, "%s%d.wav" % (d.lower(), i))
        subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", raw], check=True)
        subprocess.run(["sox", raw, "-r", "16000", wav], check=True)
        parts += [wav, sil]
    subprocess.run(["sox"] + parts + [os.path.join(HERE, d + ".wav")], check=True)
WSS = URL.replace("https://", "wss://") + "/v1/realtime"
SETS = {
    "default": {},
    "redact": {"redact": "true"},
    "nosmart": {"smart_format": "false"},
    "nodict": {"dictation": "false"},
    "all3": {"redact": "true", "smart_format": "false", "dictation": "false"},
}
CLI = {"redact": "--redact", "smart_format": "--no-smart-format", "dictation": "--no-dictation"}


def curl(args, out=None):
    r = subprocess.run(["curl", "-sS", "--cacert", CA, "-H", "Authorization: Bearer " + KEY] + args,
                       capture_output=True, check=True)
    return r.stdout.decode()


def cues(body):  # srt / vtt cue texts, joined
    lines = []
    for block in re.split(r"\n\n+", body.strip()):
        bl = block.split("\n")
        if bl[0].startswith("WEBVTT"):
            continue
        i = next((k for k, l in enumerate(bl) if "-->" in l), None)
        if i is None:
            continue
        lines.append("\n".join(bl[i + 1:]))
    return "\n".join(lines)


def norm(t):
    return re.sub(r"\s+", " ", t).strip()


def check_formatted(vj, tag, log):
    words = [w for s in vj["segments"] for w in s.get("words", [])]
    f = vj.get("formatted")
    if f is None:
        log.append("%s: no formatted" % tag)
        return
    for p in f:
        fw, n = p["first_word"], p["n_words"]
        if n:
            want = (words[fw]["start"], words[fw + n - 1]["end"])
        else:
            want = (words[fw]["end"], words[fw]["end"]) if fw >= 0 else (0, 0)
        if (round(p["start"], 2), round(p["end"], 2)) != (round(want[0], 2), round(want[1], 2)):
            log.append("%s: piece %r %s-%s, words say %s-%s" % (tag, p["text"], p["start"], p["end"], *want))
    pieces = " | ".join("%s<%s>" % (p["text"], " ".join(w["word"] for w in words[p["first_word"]:p["first_word"] + p["n_words"]])) for p in f)
    return pieces


def run(d, name, opts):
    o = os.path.join(OUT, d, name)
    os.makedirs(o, exist_ok=True)
    wav = os.path.join(HERE, d + ".wav")
    parts = [os.path.join(HERE, "%s%d.wav" % (d.lower(), i)) for i in (1, 2, 3)]
    got, log = {}, []
    flags = [CLI[k] for k in opts]
    got["cli text"] = subprocess.run([P, "transcribe", "--format", "text"] + flags + [wav],
                                     capture_output=True, check=True).stdout.decode()
    vj = json.loads(subprocess.run([P, "transcribe", "--format", "verbose_json"] + flags + [wav],
                                   capture_output=True, check=True).stdout.decode())
    got["cli verbose_json"] = vj["text"]
    pieces = check_formatted(vj, "cli verbose_json", log)
    form = []
    for k, v in opts.items():
        form += ["-F", "%s=%s" % (k, v)]
    sync = URL + "/v1/audio/transcriptions"
    for rf in ("json", "text", "srt", "vtt", "verbose_json", "diarized_json"):
        b = curl(["-F", "file=@" + wav, "-F", "model=whisper-1", "-F", "response_format=" + rf] + form + [sync])
        open(os.path.join(o, "sync." + rf), "w").write(b)
        if rf in ("json", "verbose_json", "diarized_json"):
            j = json.loads(b)
            got["POST " + rf] = j["text"]
            if rf == "verbose_json":
                got["POST verbose_json segments"] = " ".join(s["text"] for s in j["segments"])
                pv = check_formatted(j, "POST verbose_json", log)
                if pv != pieces:
                    log.append("POST verbose_json pieces differ from the CLI's:\n  %s\n  %s" % (pv, pieces))
            if rf == "diarized_json":
                got["POST diarized_json segments"] = " ".join(s["text"] for s in j["segments"])
        elif rf == "text":
            got["POST text"] = b
        else:
            got["POST " + rf] = cues(b)
    b = curl(["-N", "-F", "file=@" + wav, "-F", "model=whisper-1", "-F", "stream=true"] + form + [sync])
    open(os.path.join(o, "sse"), "w").write(b)
    deltas, done = "", None
    for block in b.split("\n\n"):
        for l in block.split("\n"):
            if l.startswith("data: ") and l[6:].startswith("{"):
                ev = json.loads(l[6:])
                if ev["type"] == "transcript.text.delta":
                    deltas += ev["delta"]
                elif ev["type"] == "transcript.text.done":
                    done = ev["text"]
    got["SSE deltas"] = deltas
    got["SSE done"] = done or ""
    if deltas != done:
        log.append("SSE deltas are not done's text exactly: %r vs %r" % (deltas, done))
    q = "&".join("%s=%s" % kv for kv in opts.items())
    job = json.loads(curl(["-X", "POST", "-F", "file=@" + wav, URL + "/v1/transcripts?language=en" + ("&" + q if q else "")]))
    jid = job["id"]
    for _ in range(600):
        st = json.loads(curl([URL + "/v1/transcripts/" + jid]))
        if st["status"] in ("completed", "failed"):
            break
        time.sleep(0.3)
    got["job status text"] = st.get("text", "")
    for f in ("text", "srt", "vtt", "json", "verbose_json"):
        b = curl([URL + "/v1/transcripts/%s?format=%s" % (jid, f)])
        open(os.path.join(o, "job." + f), "w").write(b)
        got["job " + f] = (b if f == "text" else cues(b) if f in ("srt", "vtt") else json.loads(b)["text"])
        if f == "verbose_json":
            pj = check_formatted(json.loads(b), "job verbose_json", log)
            if pj != pieces:
                log.append("job verbose_json pieces differ from the CLI's:\n  %s\n  %s" % (pj, pieces))
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=CA)
    rt = subprocess.run(["node", CLIENT, "realtime",
                         WSS + ("?" + q if q else ""), KEY, o, "ga"] + parts, capture_output=True, env=env)
    got["realtime completed"] = rt.stdout.decode() if rt.returncode == 0 else "ERROR " + rt.stderr.decode()
    env["RT_QUERY"] = "&store=true" + ("&" + q if q else "")
    os.makedirs(o + "/plain", exist_ok=True)
    pl = subprocess.run(["node", CLIENT, "plain", WSS, KEY, o + "/plain"] + parts,
                        capture_output=True, env=env)
    got["plain finals"] = pl.stdout.decode() if pl.returncode == 0 else "ERROR " + pl.stderr.decode()
    if pl.returncode == 0:
        tid = open(o + "/plain/transcript_id").read().strip()
        got["plain stored text"] = curl([URL + "/v1/transcripts/%s?format=text" % tid])
        got["plain stored json"] = json.loads(curl([URL + "/v1/transcripts/%s?format=json" % tid]))["text"]
        pvj = json.loads(curl([URL + "/v1/transcripts/%s?format=verbose_json" % tid]))
        check_formatted(pvj, "plain stored verbose_json", log)
    json.dump(got, open(os.path.join(o, "got.json"), "w"), indent=1)
    print("=== %s %s %s" % (d, name, opts))
    print("  pieces:", pieces)
    ref = norm(got["cli text"])
    print("  cli text: %r" % got["cli text"])
    for k, v in got.items():
        if norm(v) != ref:
            print("  DIFF %s: %r" % (k, v))
    for l in log:
        print("  LOG", l)
    sys.stdout.flush()


for d in DICTS:
    render(d)
    for name, opts in SETS.items():
        run(d, name, opts)
