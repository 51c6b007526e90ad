#!/usr/bin/env python3
"""Scores known speakers' names on a conversation of bench/diarize.

usage: known_score.py REF.rttm HYP.rttm
REF.rttm: the reference turns (speakers A and B); HYP.rttm: diarize_bench
with --clip A's --clip B's --clip X's (K1, K2, K3: the clips' speakers;
letters: speakers no clip named). Right is A's speech labelled K1 and B's
K2. Prints "right_seconds speech_seconds pairs_named_right impostor_named"
where pairs_named_right is 1 when each voice's most common label is its
clip's and impostor_named 1 when K3 labels anything.
"""
import sys

from score import turns  # bench/diarize/score.py: (start, end, speaker) of each RTTM line


def main():
    ref, hyp = turns(sys.argv[1]), turns(sys.argv[2])
    want = {"A": "K1", "B": "K2"}
    right = total = 0.0
    by_voice = {"A": {}, "B": {}}
    for a, b, r in ref:
        total += b - a
        for c, d, h in hyp:
            o = min(b, d) - max(a, c)
            if o > 0:
                by_voice[r][h] = by_voice[r].get(h, 0.0) + o
                if h == want[r]:
                    right += o
    named = all(v and max(v.items(), key=lambda x: x[1])[0] == want[k] for k, v in by_voice.items())
    impostor = any(h == "K3" for _, _, h in hyp)
    print("%.2f %.2f %d %d" % (right, total, int(named), int(impostor)))


if __name__ == "__main__":
    main()
