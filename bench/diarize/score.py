#!/usr/bin/env python3
"""Scores diarized words against the reference turns of bench/diarize.

usage: score.py REF.rttm WORDS [--fixed]
REF.rttm: the reference (render.py); WORDS: "start end speaker word" lines
(diarize_bench). Each word's reference speaker is the turn that holds its
middle (the nearest turn when none does). The hypothesis labels are mapped
onto the reference ones by the mapping that gets most words right (as the
DER's confusion is scored), or taken as they are with --fixed (stereo:
channel 1 is A). Prints "right total".
"""
import itertools
import sys


def turns(path):
    out = []
    for line in open(path):
        f = line.split()
        if f and f[0] == "SPEAKER":
            out.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return out


def ref_speaker(ts, t):
    best, dist = None, None
    for a, b, s in ts:
        d = 0 if a <= t < b else min(abs(t - a), abs(t - b))
        if dist is None or d < dist:
            best, dist = s, d
    return best


def main():
    ts = turns(sys.argv[1])
    pairs = []
    for line in open(sys.argv[2]):
        f = line.split()
        if len(f) >= 3:
            pairs.append((ref_speaker(ts, (float(f[0]) + float(f[1])) / 2), f[2]))
    refs = sorted({r for r, _ in pairs})
    hyps = sorted({h for _, h in pairs})
    if "--fixed" in sys.argv:
        right = sum(1 for r, h in pairs if r == h)
    else:
        right = 0
        pad = hyps + [None] * max(0, len(refs) - len(hyps))
        for perm in itertools.permutations(pad, len(refs)):
            m = dict(zip(perm, refs))
            right = max(right, sum(1 for r, h in pairs if m.get(h) == r))
    print(right, len(pairs))


if __name__ == "__main__":
    main()
