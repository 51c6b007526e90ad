#!/usr/bin/python3
"""Per line, where formatting adds edits on the recogniser's words.

excess.py SENTENCES.tsv FORMATTED.hyp RAW.hyp [OTHER_FORMATTED.hyp]

For each sentence: the formatted line's edits against the written form
less the recogniser's unformatted words' edits against the spoken form
(score.py's norm() and edits(), the target's two counts, line by line).
Prints every line whose difference is above zero (the words said, heard,
the written form, the formatted line), then the sums: the lines, the
excess on them, and the net difference over all lines (the target's gap).
With OTHER_FORMATTED.hyp (the same words formatted by another build),
prints the lines whose formatted edits differ between the two, and both
totals.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from score import edits, norm  # noqa: E402


def load(path):
    return [l.rstrip("\n") for l in open(path, encoding="utf-8")]


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = [l.rstrip("\n").split("\t") for l in open(argv[1], encoding="utf-8")
            if l.strip() and not l.startswith("#")]
    spoken = [r[0] for r in rows]
    written = [r[1].replace("{", "").replace("}", "") for r in rows]
    hyp, raw = load(argv[2]), load(argv[3])
    other = load(argv[4]) if len(argv) > 4 else None
    if len(hyp) != len(rows) or len(raw) != len(rows) or (other and len(other) != len(rows)):
        print("excess.py: line counts differ from the %d sentences" % len(rows), file=sys.stderr)
        return 1
    lines = excess = net = fe_sum = oe_sum = 0
    for n, (s, w, h, r) in enumerate(zip(spoken, written, hyp, raw), 1):
        fe = edits(norm(w), norm(h))
        ue = edits(norm(s), norm(r))
        fe_sum += fe
        net += fe - ue
        if fe > ue:
            lines += 1
            excess += fe - ue
            print("%d +%d (formatted %d, unformatted %d)" % (n, fe - ue, fe, ue))
            print("  said:      %s\n  heard:     %s\n  written:   %s\n  formatted: %s"
                  % (s, r, w, h))
        if other is not None:
            oe = edits(norm(w), norm(other[n - 1]))
            oe_sum += oe
            if oe != fe:
                print("%d other %d this %d\n  other: %s\n  this:  %s" % (n, oe, fe, other[n - 1], h))
    print("lines_with_excess %d excess %d net %d formatted_edits %d" % (lines, excess, net, fe_sum))
    if other is not None:
        print("other_formatted_edits %d" % oe_sum)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
