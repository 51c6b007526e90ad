#!/usr/bin/env python3
"""Scores phiscribe's redaction against the annotated test set (bench/redact).

usage: redact_score.py prepare SENTENCES OUTDIR
       redact_score.py score SENTENCES REDACTED.jsonl [HYP.jsonl] > table

prepare writes OUTDIR/spoken.txt (the text flite speaks, one sentence a line)
and OUTDIR/ref.jsonl (each sentence as a verbose_json transcript whose word n
runs from n to n+1 seconds, for scoring on the reference text).

score reads the redacted transcripts (`phiscribe redact` output, one a line,
in sentence order). With HYP.jsonl (the recogniser's unredacted verbose_json,
same order) the reference words are aligned to the recognised words by a
minimum-edit-distance word alignment (matches and substitutions pair words;
recognised words inserted inside a span belong to it); without it the
reference words are the recognised words.

A reference span is found (recall) when a redaction of the same label covers
at least one recognised word aligned to it; "any label" counts a redaction of
any label. A redaction is correct (precision) when it covers a recognised word
aligned to a reference span of its label. Spans whose words the recogniser
dropped entirely are reported as "absent" and left out of recall. "leaked"
counts reference PHI words that the recogniser got right and that no
redaction covers.
"""
import json
import re
import sys

LABELS = ["name", "date", "age", "phone", "id", "ssn", "address", "email", "url"]
SPAN = re.compile(r"\{([a-z]+):([^}]*)\}")


def parse(line):
    """-> (words, labels, spans) with spans as (label, first, last+1)."""
    words, labels, spans = [], [], []
    pos = 0
    for m in SPAN.finditer(line):
        for w in line[pos:m.start()].split():
            words.append(w)
            labels.append(None)
        lab = m.group(1)
        if lab not in LABELS:
            sys.exit("unknown label %r" % lab)
        a = len(words)
        for w in m.group(2).split():
            words.append(w)
            labels.append(lab)
        spans.append((lab, a, len(words)))
        pos = m.end()
    for w in line[pos:].split():
        words.append(w)
        labels.append(None)
    return words, labels, spans


def load_sentences(path):
    return [parse(l) for l in open(path) if l.strip()]


def prepare(sentences, outdir):
    with open(outdir + "/spoken.txt", "w") as sp, open(outdir + "/ref.jsonl", "w") as rf:
        for words, _labels, _spans in load_sentences(sentences):
            sp.write(" ".join(words) + "\n")
            ws = [{"word": w, "start": float(i), "end": i + 1.0, "confidence": 1.0}
                  for i, w in enumerate(words)]
            doc = {"task": "transcribe", "language": "english", "duration": float(len(words)),
                   "text": " ".join(words),
                   "segments": [{"id": 0, "start": 0.0, "end": float(len(words)),
                                 "text": " ".join(words), "confidence": 1.0, "words": ws}]}
            rf.write(json.dumps(doc) + "\n")


def words_of(doc):
    out = []
    for s in doc.get("segments", []):
        out.extend(s.get("words", []))
    return out


def align(ref, hyp):
    """Minimum edit distance alignment: hyp index -> ref index (or None)."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]), d[i - 1][j] + 1,
                          d[i][j - 1] + 1)
    pair = [None] * m
    i, j = n, m
    while i > 0 and j > 0:
        if d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            pair[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return pair


def score(sentences, redacted_path, hyp_path):
    sents = load_sentences(sentences)
    red = [json.loads(l) for l in open(redacted_path) if l.strip()]
    hyps = [json.loads(l) for l in open(hyp_path) if l.strip()] if hyp_path else None
    if len(red) != len(sents) or (hyps is not None and len(hyps) != len(sents)):
        sys.exit("expected %d transcripts, got %d redacted, %s recognised"
                 % (len(sents), len(red), len(hyps) if hyps is not None else "-"))
    st = {l: dict(ref=0, found=0, any=0, absent=0, pred=0, correct=0) for l in LABELS}
    phi_words = leaked = 0
    for k, (rwords, rlabels, rspans) in enumerate(sents):
        if hyps is None:
            hw = [{"word": w, "start": float(i), "end": i + 1.0} for i, w in enumerate(rwords)]
            pair = list(range(len(rwords)))
        else:
            hw = words_of(hyps[k])
            pair = align(rwords, [w["word"] for w in hw])
        # recognised words inserted between two words of one span join it
        hlab = [rlabels[p] if p is not None else None for p in pair]
        hspan = [None] * len(hw)
        for si, (lab, a, b) in enumerate(rspans):
            for h, p in enumerate(pair):
                if p is not None and a <= p < b:
                    hspan[h] = si
        for h in range(len(hw)):
            if hspan[h] is None:
                prev = next((hspan[x] for x in range(h - 1, -1, -1) if pair[x] is not None), None)
                nxt = next((hspan[x] for x in range(h + 1, len(hw)) if pair[x] is not None), None)
                if prev is not None and prev == nxt:
                    hspan[h] = prev
                    hlab[h] = rspans[prev][0]
        # which recognised words each redaction covers (by time)
        cover = [None] * len(hw)
        preds = []
        for r in red[k].get("redactions", []):
            idx = [h for h, w in enumerate(hw)
                   if w["start"] >= r["start"] - 1e-6 and w["end"] <= r["end"] + 1e-6]
            preds.append((r["label"], idx))
            for h in idx:
                cover[h] = r["label"]
        for si, (lab, a, b) in enumerate(rspans):
            s = st[lab]
            s["ref"] += 1
            hs = [h for h in range(len(hw)) if hspan[h] == si]
            if not hs:
                s["absent"] += 1
                continue
            if any(cover[h] == lab for h in hs):
                s["found"] += 1
            if any(cover[h] is not None for h in hs):
                s["any"] += 1
        for lab, idx in preds:
            if lab not in st:
                continue
            st[lab]["pred"] += 1
            if any(hlab[h] == lab for h in idx):
                st[lab]["correct"] += 1
        for h, p in enumerate(pair):
            if p is not None and rlabels[p] is not None:
                phi_words += 0  # counted below per reference word
        for i, lab in enumerate(rlabels):
            if lab is None:
                continue
            phi_words += 1
            hs = [h for h, p in enumerate(pair) if p == i]
            if hs and hw[hs[0]]["word"] == rwords[i] and cover[hs[0]] is None:
                leaked += 1

    def ratio(a, b):
        return "%.3f" % (a / b) if b else "n/a"

    print("| label | spans | absent | recall | recall (any label) | redactions | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    tot = dict(ref=0, found=0, any=0, absent=0, pred=0, correct=0)
    for l in LABELS:
        s = st[l]
        for key in tot:
            tot[key] += s[key]
        print("| %s | %d | %d | %s | %s | %d | %s |" % (
            l, s["ref"], s["absent"], ratio(s["found"], s["ref"] - s["absent"]),
            ratio(s["any"], s["ref"] - s["absent"]), s["pred"], ratio(s["correct"], s["pred"])))
    print("| **all** | %d | %d | %s | %s | %d | %s |" % (
        tot["ref"], tot["absent"], ratio(tot["found"], tot["ref"] - tot["absent"]),
        ratio(tot["any"], tot["ref"] - tot["absent"]), tot["pred"],
        ratio(tot["correct"], tot["pred"])))
    print()
    print("PHI words leaked (recognised correctly and not redacted): %d of %d" % (leaked, phi_words))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else None)
    else:
        sys.exit(__doc__)
