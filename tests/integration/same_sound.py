#!/usr/bin/env python3
"""Whether a capture is a recording's sound (for test_console.sh's dictation).

usage: same_sound.py RECORDING.wav CAPTURE.wav

CAPTURE is what a client sent of RECORDING played into a (fake) microphone:
at another sample rate, louder or softer, with silence around it, and with
the small skips a loaded machine's audio capture makes, and its first
moments may be missing (a capture starts when the page has wired its
microphone up, the fake one plays from when it was opened). What must hold is
the loudness contour: each 10 ms frame's log energy (frames of 10 ms at
each file's own rate, so a capture at a rate other than the one it claims
is stretched or squeezed and fails). The recording is found in the capture
at the offset where the whole contour correlates best (it may begin up to
LEAD before the capture does); then every half second of it that holds
speech and lies within the capture must be found within 0.1 s of where it
belongs (a skip shifts what follows it a little) with a correlation of at
least MIN_PIECE (one in ten may fall to MIN_ANY: a skip inside it), the
pieces on average MIN_MEAN, and at least MIN_PIECES of them. Silence,
noise, other speech, a wrong rate or a capture missing a piece fail. Prints the figures; exits 1
when they are not met.
"""
import math, struct, sys, wave

FRAME_S = 0.01
PIECE = 50       # frames: half a second
SLACK = 10       # frames a piece may sit off its place
LEAD = 100       # frames of the recording that may precede the capture
MIN_PIECES = 3
MIN_PIECE = 0.6
MIN_ANY = 0.3    # the one piece in ten allowed below MIN_PIECE
MIN_MEAN = 0.8


def contour(path):
    w = wave.open(path)
    if w.getsampwidth() != 2 or w.getnchannels() != 1:
        sys.exit("%s: want mono 16-bit PCM" % path)
    n, f = w.getnframes(), int(w.getframerate() * FRAME_S)
    x = struct.unpack("<%dh" % n, w.readframes(n))
    return [math.log10(1 + sum(v * v for v in x[i:i + f]) / f) for i in range(0, n - f + 1, f)]


def corr(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    if va == 0 or vb == 0:
        return 0.0
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / math.sqrt(va * vb)


ref, got = contour(sys.argv[1]), contour(sys.argv[2])


def overlap(lag):  # the recording's frames against the capture's, lag frames on
    i0, i1 = max(0, -lag), min(len(ref), len(got) - lag)
    return corr(ref[i0:i1], got[i0 + lag:i1 + lag]) if i1 - i0 >= len(ref) // 2 else -1.0


best = max(range(-LEAD, len(got)), key=overlap)
whole = overlap(best)
quiet = min(ref) + 0.25 * (max(ref) - min(ref))
pieces, speech = [], 0
for k in range(0, len(ref) - PIECE + 1, PIECE):
    r = ref[k:k + PIECE]
    if sum(v > quiet for v in r) < PIECE // 5:
        continue  # a pause: nothing to find
    speech += 1
    if best + k < 0:
        continue  # before the capture began
    lo, hi = max(0, best + k - SLACK), min(len(got) - PIECE, best + k + SLACK)
    pieces.append(max((corr(r, got[j:j + PIECE]) for j in range(lo, hi + 1)), default=0.0))
mean = sum(pieces) / len(pieces) if pieces else 0.0
print("capture vs recording: whole %.2f at %.2f s; %d of %d speech pieces in it, worst %.2f, mean %.2f" % (
    whole, best * FRAME_S, len(pieces), speech, min(pieces, default=0.0), mean))
# One piece in ten may fall below MIN_PIECE (not below MIN_ANY): a skip of
# a loaded capture inside a half second spoils that piece alone (0.40 in
# one of 14 in a CI run, the rest 0.89 and up); lost chunks, noise or a
# wrong rate spoil many, and the mean with them.
low = sum(p < MIN_PIECE for p in pieces)
sys.exit(0 if len(pieces) >= MIN_PIECES and low <= len(pieces) // 10 and
         min(pieces, default=0.0) >= MIN_ANY and mean >= MIN_MEAN else 1)
