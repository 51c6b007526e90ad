#!/usr/bin/python3
"""Scores formatted text against the written form (bench/format/run).

score.py SENTENCES.tsv HYP.txt [SPOKEN_HYP.txt]

SENTENCES.tsv: spoken<TAB>written, {braces} around each scored number, dose
or vital. HYP.txt: one formatted line per sentence. Prints:
- WER of HYP against the written form, words compared without case and
  without the punctuation at their edges ("120/80", "98.6", "5" "mg" stay
  tokens), and the same with case and punctuation marks as tokens;
- the share of braced items found exactly in the hypothesis line;
- with SPOKEN_HYP (the recogniser's unformatted words, one line each): its
  WER against the spoken form, scored the same way, to set beside HYP's.
"""
import re
import sys

EDGE = ".,:;?!()"


def edits(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev = cur
    return d[len(b)]


def loose(t):
    return [w for w in (x.strip(EDGE).lower() for x in t.split()) if w]


def strict(t):
    return re.findall(r"[^\s.,:;?!()]+|[.,:;?!()]", t)


def wer(refs, hyps, tok):
    """-> "W.W (E/N)": the rate, the edits and the reference words."""
    e = n = 0
    for r, h in zip(refs, hyps):
        r, h = tok(r), tok(h)
        e += edits(r, h)
        n += len(r)
    return "%.1f (%d/%d)" % (100.0 * e / max(n, 1), e, n)


def main(argv):
    rows = [l.rstrip("\n").split("\t") for l in open(argv[1], encoding="utf-8")
            if l.strip() and not l.startswith("#")]
    spoken = [r[0] for r in rows]
    written = [r[1].replace("{", "").replace("}", "") for r in rows]
    items = [re.findall(r"\{([^}]*)\}", r[1]) for r in rows]
    hyps = [l.rstrip("\n") for l in open(argv[2], encoding="utf-8")]
    if len(hyps) != len(rows):
        print("score.py: %d hypothesis lines for %d sentences" % (len(hyps), len(rows)))
        return 1
    found = total = 0
    misses = []
    for its, h in zip(items, hyps):
        for it in its:
            total += 1
            # an item counts when it stands in the line as written, not
            # inside a longer number ("5 mg" is not found in "25 mg")
            if re.search(r"(?<![\w.])" + re.escape(it) + r"(?![\w])", h):
                found += 1
            else:
                misses.append(it)
    print("sentences %d" % len(rows))
    print("wer_written %s" % wer(written, hyps, loose))
    print("wer_written_case_punct %s" % wer(written, hyps, strict))
    print("items_exact %d/%d %.1f%%" % (found, total, 100.0 * found / max(total, 1)))
    print("items_missed %s" % ("; ".join(misses[:30]) or "-"))
    if len(argv) > 3:
        raw = [l.rstrip("\n") for l in open(argv[3], encoding="utf-8")]
        print("wer_unformatted_vs_spoken %s" % wer(spoken, raw, loose))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
