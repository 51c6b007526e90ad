#!/usr/bin/python3
"""Scores bench/noise/run's decodes.

noise_score.py OUT THRESHOLD STEADY_THRESHOLD STEADY_SPREAD COND...

OUT holds, for SET dev and ho: SET.tsv (id, clean path, reference) and per
condition COND: SET.COND.snr (noise_bench: path, measured SNR, enhancer
CPU s, audio s, noise spread, auto's decision to enhance, its decision
that the noise is voices), SET.COND.{off,on,auto}.jsonl (one {"text"} a
file, in order; auto optional) and SET.COND.{off,on}.cpu (the decode's
CPU s). Words are compared lower case without punctuation (word edit
distance, summed over files).
Prints, on the development set, the auto thresholds with the fewest
errors (the SNR threshold alone, then the steady-noise threshold and
spread beside the built-in ones), the WER off / on / auto per condition
of both sets (auto: its own decode; without one, the binary's decision to
enhance as noise_bench reports it, words over voices not dropped), the
held-out targets, and the enhancer's CPU beside decoding.
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
    files, cpu, auto = {}, {}, {}
    for c in conds:
        snr = [l.split() for l in open(os.path.join(out, "%s.%s.snr" % (s, c)))]
        hyp = {m: [words(json.loads(l)["text"]) for l in open(os.path.join(out, "%s.%s.%s.jsonl" % (s, c, m)))]
               for m in ("off", "on")}
        if not (len(refs) == len(snr) == len(hyp["off"]) == len(hyp["on"])):
            sys.exit("noise_score: %s %s: %d refs, %d snr, %d/%d hyps" %
                     (s, c, len(refs), len(snr), len(hyp["off"]), len(hyp["on"])))
        files[c] = [(edits(r, hyp["off"][i]), edits(r, hyp["on"][i]), len(r), float(snr[i][1]), float(snr[i][2]),
                     float(snr[i][4]), snr[i][5] == "1", len(snr[i]) > 6 and snr[i][6] == "1")
                    for i, r in enumerate(refs)]
        cpu[c] = tuple(float(open(os.path.join(out, "%s.%s.%s.cpu" % (s, c, m))).read()) for m in ("off", "on"))
        path = os.path.join(out, "%s.%s.auto.jsonl" % (s, c))
        if os.path.exists(path):
            hyp_auto = [words(json.loads(l)["text"]) for l in open(path)]
            if len(hyp_auto) == len(refs):
                auto[c] = sum(edits(r, hyp_auto[i]) for i, r in enumerate(refs))
    return files, cpu, auto


def rule(thr, steady_thr=0.0, spread=0.0):
    """Auto's decision (speech/denoise.c, denoise_wanted) for candidate values."""
    return lambda f: f[3] < thr or (f[5] < spread and f[3] < steady_thr)


def binary(f):
    """The decision the binary took (noise_bench's column)."""
    return f[6]


def errors(fs, wanted):
    """Errors off, on, auto (on where wanted(file)), reference words, files auto turned on."""
    off = sum(f[0] for f in fs)
    on = sum(f[1] for f in fs)
    auto = sum(f[1] if wanted(f) else f[0] for f in fs)
    return off, on, auto, sum(f[2] for f in fs), sum(1 for f in fs if wanted(f))


def table(name, files, conds, wanted, decoded_auto):
    print("%s (auto: the binary's decision)" % name)
    print("  %-9s %5s %6s %8s %8s %8s %6s %6s" % ("condition", "files", "snr", "off", "on", "auto", "on/off", "auto/off"))
    rows = {}
    for c in conds:
        fs = files[c]
        off, on, auto, n, k = errors(fs, wanted)
        auto = decoded_auto.get(c, auto)
        snr = sum(f[3] for f in fs) / len(fs)
        w = (100.0 * off / n, 100.0 * on / n, 100.0 * auto / n)
        rows[c] = w
        print("  %-9s %5d %6.1f %7.1f%% %7.1f%% %7.1f%% %6.2f %6.2f   auto on in %d, voices in %d%s" %
              (c, len(fs), snr, w[0], w[1], w[2], w[1] / w[0] if w[0] else 0, w[2] / w[0] if w[0] else 0, k,
               sum(1 for f in fs if f[7]), "" if c in decoded_auto else " (auto not decoded)"))
    return rows


def main():
    out, builtin, b_steady, b_spread = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    conds = sys.argv[5:]
    dev, _, dev_auto = load(out, "dev", conds)
    ho, cpu, ho_auto = load(out, "ho", conds)

    every = [f for c in conds for f in dev[c]]
    cands = [0.0] + [x / 2.0 for x in range(10, 81)] + [61.0]
    best = min(cands, key=lambda t: (errors(every, rule(t))[2], t))
    print("== development set: the SNR threshold alone with the fewest errors")
    for t in sorted(set([0.0, best, builtin, 20.0, 61.0])):
        off, on, auto, n, _ = errors(every, rule(t))
        print("  threshold %4.1f dB: %.2f%% (off %.2f%%, on %.2f%%)%s%s" %
              (t, 100.0 * auto / n, 100.0 * off / n, 100.0 * on / n,
               "  <- best" if t == best else "", "  <- built in" if t == builtin else ""))
    print("== development set: steady noise (spread under S dB) enhanced up to T dB")
    pairs = [(t, sp) for t in [x / 2.0 for x in range(36, 61)] for sp in [x / 2.0 for x in range(4, 21)]]
    best2 = min(pairs, key=lambda p: (errors(every, rule(builtin, p[0], p[1]))[2], p[0], p[1]))
    for t, sp in sorted(set([best2, (b_steady, b_spread)])):
        _, _, auto, n, _ = errors(every, rule(builtin, t, sp))
        print("  T %4.1f dB, S %4.1f dB: %.2f%%%s%s" %
              (t, sp, 100.0 * auto / n, "  <- best (lowest T, S among equals)" if (t, sp) == best2 else "",
               "  <- built in" if (t, sp) == (b_steady, b_spread) else ""))
    table("== development set", dev, conds, binary, dev_auto)
    rows = table("== held-out set", ho, conds, binary, ho_auto)

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
