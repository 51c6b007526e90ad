#!/usr/bin/python3
"""Scores formatted text against the written form (bench/format/run).

score.py SENTENCES.tsv HYP.txt [SPOKEN_HYP.txt]

SENTENCES.tsv: spoken<TAB>written, {braces} around each scored number, dose
or vital. HYP.txt: one formatted line per sentence. SPOKEN_HYP.txt: the
recogniser's unformatted words for the same sentences, one line each.

Every WER is the word-level edit distance (substitutions, insertions,
deletions, each 1) summed over the sentences, divided by the reference
words; the edits and the reference words are printed beside it. The
normalisations, each applied the same way to the reference and the
hypothesis of a comparison:

- norm (the headline): lower case; "-", "/" and ":" split a token and
  are removed ("617-555-1212" is 3 tokens, "120/80" 2, "9:30" 2,
  "65-year-old" 3, "Plan:" 1); a digit beside a letter or a sign splits too ("q4h"
  is q 4 h, "97%" is 97 %, "a1c" is a 1 c); the punctuation . , ; ? ! ( )
  and quotes are removed except a decimal point inside a number ("98.6"
  stays one token). The spoken form and the unformatted words go through
  the same function (they only lose their case).
- whole: the old measure, kept to compare with earlier runs: tokens split
  at spaces only, lower case, punctuation removed at their edges only
  ("617-555-1212" and "120/80" are one token each).
- case_punct: case kept, each punctuation mark a token of its own.

Prints:
- wer_written (norm), wer_written_whole, wer_written_case_punct: HYP
  against the written form;
- items_exact: the share of braced items found exactly in the line;
- with SPOKEN_HYP: wer_unformatted_vs_spoken (norm; the issue's baseline,
  what the recogniser's words score against what was said) and
  wer_unformatted_vs_written (norm; the same words against the written
  form, what a reader would get without the formatter), and
  formatted_edits_per_spoken_word: HYP's edits against the written form
  over the spoken form's words, the denominator of
  wer_unformatted_vs_spoken. The issue's target compares two rates over
  different denominators (the written form has about 1.3 times fewer
  tokens than the words that say it), so equal edits read 1.3 times worse
  formatted; this line puts both edit counts over the same words.
- with SPOKEN_HYP, a secondary figure (never the target; the strict
  figures above are): secondary_counts_word_or_digit, the two edit counts
  of the target (formatted vs written, unformatted vs spoken) with one
  equivalence, applied to the reference and the hypothesis of every
  comparison and every set alike: a count from one to nine is the same
  token as a word or in digits ("two" = "2"). The style guides disagree
  there: AP spells one to nine out, AMA (11th ed., 18.1-18.2) writes
  counts below ten and measures in digits, Chicago (17th ed., 9.2) spells
  out to one hundred; a reference written in one convention and a
  formatter following another differ by style, not by error. Only lone
  tokens after norm() change: "9.1", "20", "A1c" do not.
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


def whole(t):
    return [w for w in (x.strip(EDGE).lower() for x in t.split()) if w]


def norm(t):
    t = t.lower()
    t = re.sub(r"[-/:]", " ", t)
    t = re.sub(r"(?<=\d)(?=[^\d\s.,])|(?<=[^\d\s.,])(?=\d)", " ", t)
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)
    t = re.sub(r"[,;?!()\"]", " ", t)
    return t.split()


SMALL = {w: str(i) for i, w in enumerate(
    "one two three four five six seven eight nine".split(), 1)}


def counts_either(t):
    """norm(), with a count from one to nine as its digit: the secondary
    figure's one equivalence (the module's docstring says why)."""
    return [SMALL.get(w, w) for w in norm(t)]


def strict(t):
    return re.findall(r"[^\s.,:;?!()]+|[.,:;?!()]", t)


def count(refs, hyps, tok):
    """-> (edits, reference words) summed over the sentences."""
    e = n = 0
    for r, h in zip(refs, hyps):
        r, h = tok(r), tok(h)
        e += edits(r, h)
        n += len(r)
    return e, n


def wer(refs, hyps, tok):
    """-> "W.W (E/N)": the rate, the edits and the reference words."""
    e, n = count(refs, hyps, tok)
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
    print("wer_written %s" % wer(written, hyps, norm))
    print("wer_written_whole %s" % wer(written, hyps, whole))
    print("wer_written_case_punct %s" % wer(written, hyps, strict))
    print("items_exact %d/%d %.1f%%" % (found, total, 100.0 * found / max(total, 1)))
    print("items_missed %s" % ("; ".join(misses[:30]) or "-"))
    if len(argv) > 3:
        raw = [l.rstrip("\n") for l in open(argv[3], encoding="utf-8")]
        print("wer_unformatted_vs_spoken %s" % wer(spoken, raw, norm))
        print("wer_unformatted_vs_written %s" % wer(written, raw, norm))
        e, _ = count(written, hyps, norm)
        _, ns = count(spoken, raw, norm)
        print("formatted_edits_per_spoken_word %.1f (%d/%d)" % (100.0 * e / max(ns, 1), e, ns))
        fe, _ = count(written, hyps, counts_either)
        re_, _ = count(spoken, raw, counts_either)
        print("secondary_counts_word_or_digit formatted_vs_written %d unformatted_vs_spoken %d "
              "(edits; one to nine as a word or digits both accepted, not the target)" % (fe, re_))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
