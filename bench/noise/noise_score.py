#!/usr/bin/python3
"""Scores bench/noise/run's decodes.

noise_score.py OUT THRESHOLD COND...

OUT holds, for SET dev and ho: SET.tsv (id, clean path, reference) and per
condition COND: SET.COND.snr (noise_bench: path, measured SNR, enhancer
CPU s, audio s), SET.COND.{off,on}.jsonl (one {"text"} a file, in order)
and SET.COND.{off,on}.cpu (the decode's CPU s). Words are compared lower
case without punctuation (word edit distance, summed over files).
Prints the development set's best auto threshold, the held-out WER off /
on / auto by THRESHOLD per condition with the targets, and the
enhancer's CPU beside decoding.
"""
import importlib.util
import json
import os
import re
import sys

_spec = importlib.util.spec_from_file_location(
    "format_score", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "format", "score.py"))
_fmt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fmt)
edits = _fmt.edits


def words(t):
    return re.sub(r"[^a-z0-9]+", " ", t.lower().replace("'", "")).split()


def load(out, s, conds):
    """{cond: [(errors_off, errors_on, ref_words, snr, supp_cpu)]}, {cond: (cpu_off, cpu_on)}"""
    refs = [words(l.rstrip("\n").split("\t")[2]) for l in open(os.path.join(out, s + ".tsv")) if l.strip()]
    files, cpu = {}, {}
    for c in conds:
        snr = [l.split() for l in open(os.path.join(out, "%s.%s.snr" % (s, c)))]
        hyp = {m: [words(json.loads(l)["text"]) for l in open(os.path.join(out, "%s.%s.%s.jsonl" % (s, c, m)))]
               for m in ("off", "on")}
        if not (len(refs) == len(snr) == len(hyp["off"]) == len(hyp["on"])):
            sys.exit("noise_score: %s %s: %d refs, %d snr, %d/%d hyps" %
                     (s, c, len(refs), len(snr), len(hyp["off"]), len(hyp["on"])))
        files[c] = [(edits(r, hyp["off"][i]), edits(r, hyp["on"][i]), len(r), float(snr[i][1]), float(snr[i][2]))
                    for i, r in enumerate(refs)]
        cpu[c] = tuple(float(open(os.path.join(out, "%s.%s.%s.cpu" % (s, c, m))).read()) for m in ("off", "on"))
    return files, cpu


def errors(fs, thr):
    """Errors off, on, auto (on below thr), reference words, files auto turned on."""
    off = sum(f[0] for f in fs)
    on = sum(f[1] for f in fs)
    auto = sum(f[1] if f[3] < thr else f[0] for f in fs)
    return off, on, auto, sum(f[2] for f in fs), sum(1 for f in fs if f[3] < thr)


def table(name, files, conds, thr):
    print("%s (auto: on below %.1f dB measured)" % (name, thr))
    print("  %-9s %5s %6s %8s %8s %8s %6s %6s" % ("condition", "files", "snr", "off", "on", "auto", "on/off", "auto/off"))
    rows = {}
    for c in conds:
        fs = files[c]
        off, on, auto, n, k = errors(fs, thr)
        snr = sum(f[3] for f in fs) / len(fs)
        w = (100.0 * off / n, 100.0 * on / n, 100.0 * auto / n)
        rows[c] = w
        print("  %-9s %5d %6.1f %7.1f%% %7.1f%% %7.1f%% %6.2f %6.2f   auto on in %d" %
              (c, len(fs), snr, w[0], w[1], w[2], w[1] / w[0] if w[0] else 0, w[2] / w[0] if w[0] else 0, k))
    return rows


def main():
    out, builtin, conds = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    dev, _ = load(out, "dev", conds)
    ho, cpu = load(out, "ho", conds)

    every = [f for c in conds for f in dev[c]]
    cands = [0.0] + [x / 2.0 for x in range(10, 81)] + [61.0]
    best = min(cands, key=lambda t: (errors(every, t)[2], t))
    print("== development set: the auto threshold with the fewest errors")
    for t in sorted(set([0.0, best, builtin, 20.0, 61.0])):
        off, on, auto, n, _ = errors(every, t)
        print("  threshold %4.1f dB: %.2f%% (off %.2f%%, on %.2f%%)%s%s" %
              (t, 100.0 * auto / n, 100.0 * off / n, 100.0 * on / n,
               "  <- best" if t == best else "", "  <- built in" if t == builtin else ""))
    table("== development set", dev, conds, builtin)
    rows = table("== held-out set", ho, conds, builtin)

    print("== targets (held-out, auto)")
    for c in conds:
        if c.endswith("15"):
            r = rows[c][2] / rows[c][0] if rows[c][0] else 0
            print("  %-9s auto/off %.2f (target <= 0.70): %s" % (c, r, "met" if r <= 0.70 else "NOT MET"))
    if "clean" in rows:
        d = rows["clean"][2] - rows["clean"][0]
        print("  clean     auto - off %+.2f points (target <= +0.5): %s" % (d, "met" if d <= 0.5 else "NOT MET"))

    supp = sum(f[4] for c in conds for f in ho[c])
    dec = sum(cpu[c][0] for c in conds)
    audio = sum(float(l.split()[3]) for c in conds for l in open(os.path.join(out, "ho.%s.snr" % c)))
    print("== CPU (held-out, every condition): enhancer %.3f s on every file, decoding (off) %.1f s, "
          "%.1f s of audio" % (supp, dec, audio))
    print("  enhancer / decode %.2f%% (target < 5%%); decode on / off %.3f" %
          (100.0 * supp / dec, sum(cpu[c][1] for c in conds) / dec))


if __name__ == "__main__":
    main()
