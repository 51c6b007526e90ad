#!/usr/bin/python3
"""Scores redaction on a set with identifiers (bench/format/run, blind10).

score_redact.py SENTENCES.tsv REDACTED.txt

SENTENCES.tsv: spoken<TAB>written[<TAB>written with redaction on]; a line
without the third column is PHI-free. REDACTED.txt: one line per sentence,
the spoken words redacted (every label) and then formatted
(`format_bench redacted`).

For each line the expected redacted form is the third column (the written
form, braces removed, on a PHI-free line). Prints:
- lines_with_identifiers, identifiers: the expected markers ([PHONE], ...);
- markers_right: lines whose markers are the expected ones, in order;
- identifiers_whole: expected markers found on lines whose markers are
  right and where no digit survives that the expected form lacks (each
  identifier one marker, none of its digits left);
- digit_leaks: lines where the redacted text has a run of digits or a
  number word the expected form has not (a digit of an identifier left,
  in digits or as a word, or a number formatted differently), with them;
- digits_swallowed: lines where the expected form has a run of digits the
  redacted text lacks (a number that is no identifier taken into one);
- word_leaks: lines where a word the expected form replaces by a marker
  (the written form aligned with the third column: "Dr. Priya Ramaswami"
  against "Dr. [NAME]" replaces "priya" and "ramaswami") is left in the
  redacted text more often than the expected form has it, with the
  words: a surname beside its marker, a street's name outside its
  [ADDRESS]. Words of letters, in any case; digits are digit_leaks';
- identifiers_whole_words: identifiers_whole on the lines without a word
  leak too (identifiers_whole looks at digits only);
- phi_free_spans: markers on PHI-free lines (want 0);
- lines_exact: redacted lines equal to the expected form (spaces and case
  as written; a secondary figure: where a marker starts, "on the [DATE]"
  against "on [DATE]", is a style the detectors may read either way).
"""
import difflib
import re
import sys
from collections import Counter

MARK = re.compile(r"\[(NAME|DATE|AGE|PHONE|ID|SSN|ADDRESS|EMAIL|URL)\]")
DIGITS = re.compile(r"\d+")
# digits left as words count as digits ("[ID] oh": the last zero of a
# phone number outside its marker)
NUMBER_WORDS = set("""zero oh one two three four five six seven eight nine ten eleven twelve
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty
seventy eighty ninety hundred thousand double triple""".split())


def numbers(t):
    """The runs of digits of t and its number words."""
    return Counter(DIGITS.findall(t) +
                   [w for w in re.findall(r"[a-z]+", t.lower()) if w in NUMBER_WORDS])


def letter_words(t):
    """The words of letters of t, lower case, markers left out."""
    return re.findall(r"[a-z]+(?:'[a-z]+)?", MARK.sub(" ", t).lower())


def replaced_words(written, want):
    """The words of letters of the written form that the redacted form
    replaces by a marker: the two aligned word by word, the written words
    of each stretch whose redacted side holds a marker."""
    a, b = written.split(), want.split()
    out = Counter()
    sm = difflib.SequenceMatcher(None, [w.lower() for w in a], [w.lower() for w in b],
                                 autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal" and any(MARK.search(w) for w in b[j1:j2]):
            out.update(letter_words(" ".join(a[i1:i2])))
    return out


def main(argv):
    rows = [l.rstrip("\n").split("\t") for l in open(argv[1], encoding="utf-8")
            if l.strip() and not l.startswith("#")]
    hyps = [l.rstrip("\n") for l in open(argv[2], encoding="utf-8")]
    if len(hyps) != len(rows):
        print("score_redact.py: %d redacted lines for %d sentences" % (len(hyps), len(rows)))
        return 1
    phi_lines = ids = right = whole = exact = free_spans = 0
    whole_words = 0
    leaks, swallowed, wrong, word_leaks = [], [], [], []
    for n, (r, h) in enumerate(zip(rows, hyps), 1):
        written = r[1].replace("{", "").replace("}", "")
        want = r[2] if len(r) > 2 and r[2] else written
        want_marks, got_marks = MARK.findall(want), MARK.findall(h)
        extra = numbers(h) - numbers(want)
        lost = numbers(want) - numbers(h)
        if extra:
            leaks.append("%d: %s" % (n, " ".join(sorted(extra.elements()))))
        if lost:
            swallowed.append("%d: %s" % (n, " ".join(sorted(lost.elements()))))
        exact += h.strip() == want.strip()
        left = Counter()
        if len(r) > 2 and r[2]:
            # a replaced word counts as left when the output has it more
            # often than the expected form (which may say it elsewhere)
            got_w, want_w = Counter(letter_words(h)), Counter(letter_words(want))
            for w in replaced_words(written, want):
                if got_w[w] > want_w[w]:
                    left[w] = got_w[w] - want_w[w]
            if left:
                word_leaks.append("%d: %s" % (n, " ".join(sorted(left.elements()))))
        if len(r) > 2 and r[2]:
            phi_lines += 1
            ids += len(want_marks)
            if got_marks == want_marks:
                right += 1
                whole += len(want_marks) if not extra else 0
                whole_words += len(want_marks) if not extra and not left else 0
            else:
                wrong.append("%d: %s" % (n, " ".join(got_marks) or "-"))
        else:
            free_spans += len(got_marks)
            if got_marks:
                wrong.append("%d (PHI-free): %s" % (n, " ".join(got_marks)))
    print("lines_with_identifiers %d identifiers %d" % (phi_lines, ids))
    print("markers_right %d/%d lines" % (right, phi_lines))
    print("identifiers_whole %d/%d" % (whole, ids))
    print("digit_leaks %d lines: %s" % (len(leaks), "; ".join(leaks) or "-"))
    print("digits_swallowed %d lines: %s" % (len(swallowed), "; ".join(swallowed) or "-"))
    print("word_leaks %d lines: %s" % (len(word_leaks), "; ".join(word_leaks) or "-"))
    print("identifiers_whole_words %d/%d" % (whole_words, ids))
    print("phi_free_spans %d (on %d PHI-free lines)" % (free_spans, len(rows) - phi_lines))
    print("markers_wrong %s" % ("; ".join(wrong) or "-"))
    print("lines_exact %d/%d" % (exact, len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
