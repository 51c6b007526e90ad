#!/usr/bin/env python3
"""Builds a long recording from short real-speech files, for the tests and
benchmarks of parallel decoding (test_parallel.sh, bench/parallel).

usage: long_recording.py OUT.wav SECONDS [--noise-at S --noise-seconds N]
                         [--refs OUT.txt] FILE[=REFERENCE]...

The files (any format sox reads, converted to 16 kHz mono) are laid end to
end, in turn, with 0.7 s of quiet hiss between them, until SECONDS; with
--noise-at, N seconds of hiss alone (no speech) start at the first gap after
S seconds. --refs writes the references of the files used, in order, one
line (for WER). Prints the noise span as "noise START END" (seconds).
Deterministic: the hiss comes from a fixed seed.
"""
import random
import struct
import subprocess
import sys
import wave

RATE = 16000


def pcm_of(path):
    return subprocess.run(["sox", path, "-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16",
                           "-e", "signed-integer", "-"], check=True, capture_output=True).stdout


def hiss(rng, seconds):
    n = int(seconds * RATE)
    return struct.pack("<%dh" % n, *(rng.randint(-150, 150) for _ in range(n)))


def main(argv):
    args, files, opts = [], [], {}
    i = 0
    while i < len(argv):
        if argv[i] in ("--noise-at", "--noise-seconds", "--refs"):
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    out, seconds, files = args[0], float(args[1]), args[2:]
    rng = random.Random(17)
    pcms = []
    for f in files:
        path, _, ref = f.partition("=")
        pcms.append((pcm_of(path), ref))
    noise_at = float(opts.get("--noise-at", -1))
    noise_len = float(opts.get("--noise-seconds", 0))
    body, refs, noise = bytearray(), [], None
    k = 0
    while len(body) < seconds * RATE * 2:
        pcm, ref = pcms[k % len(pcms)]
        body += pcm
        refs.append(ref)
        body += hiss(rng, 0.7)
        if noise is None and noise_at >= 0 and len(body) >= noise_at * RATE * 2:
            start = len(body) / 2 / RATE
            body += hiss(rng, noise_len)
            noise = (start, len(body) / 2 / RATE)
        k += 1
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(body))
    if "--refs" in opts:
        with open(opts["--refs"], "w") as f:
            f.write(" ".join(r for r in refs if r) + "\n")
    if noise:
        print("noise %.3f %.3f" % noise)


if __name__ == "__main__":
    main(sys.argv[1:])
