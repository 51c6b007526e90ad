#!/usr/bin/env python3
"""Renders two-speaker conversations for the diarization bench.

Each conversation alternates two flite voices (slt, a female voice, and
rms, a male one) in turns of 2-15 s built from clinical sentences, with
pauses of 0.2-1.2 s and short back-channel turns ("yes", "okay"...).
With --hard, each conversation takes its pair from HARD_PAIRS instead:
voices of flite and of espeak-ng (another synthesiser than the one the
constants were tuned on), same-gender pairs among them, a third of the
turns back-channels ("mm-hm", "okay"...). It writes, per conversation
NAME in OUT:
  NAME.wav         mono 16 kHz (the two voices in one channel)
  NAME-stereo.wav  the same turns, speaker A on channel 1, B on channel 2
  NAME.rttm        the reference: one SPEAKER line per turn (speech only:
                   each clip's leading and trailing silence trimmed)
  NAME.words       one line per reference word: start end speaker word
With --dev, the pair comes from DEV_PAIRS (a tuning set like --hard's).
With --hard or --dev, known speakers' clips too: NAME-clipA.wav and
NAME-clipB.wav (a sentence of tests/data/dictation-heldout, which the
conversations never use, by voice A and by voice B) and NAME-clipX.wav (by
a voice not in the conversation); --clips-only writes just those.
Usage: render.py [--hard | --dev] [--clips-only] OUT SEED [SEED...]   (a seed makes one conversation)
"""
import array
import os
import random
import subprocess
import sys
import tempfile
import wave

RATE = 16000
VOICES = ("slt", "rms")
BACKCHANNELS = ("yes", "okay", "right", "i see", "mm hmm", "sure", "no")
# --hard: (voice A, voice B, what the pair is); "es:" voices are espeak-ng's.
HARD_PAIRS = (
    ("rms", "awb", "flite male / flite male"),
    ("es:en-us+f3", "es:en-us+m3", "espeak female / espeak male"),
    ("slt", "es:en-us+f2", "flite female / espeak female"),
    ("es:en+m1", "es:en-us+m7", "espeak male / espeak male"),
    ("awb", "es:en-us+f4", "flite male / espeak female"),
    ("kal16", "rms", "flite male / flite male"),
    ("es:en-us+f1", "es:en-us+f5", "espeak female / espeak female"),
    ("slt", "es:en-gb+m2", "flite female / espeak male"),
)
# --dev: pairs made like HARD_PAIRS but none of them, for tuning the method
# on hard conversations without looking at the held-out ones.
DEV_PAIRS = (
    ("awb", "kal16", "flite male / flite male"),
    ("es:en-us+m2", "es:en-us+m4", "espeak male / espeak male"),
    ("es:en+f2", "es:en-us+f5", "espeak female / espeak female"),
    ("rms", "es:en-us+m5", "flite male / espeak male"),
)
CLIP_VOICES = ("slt", "rms", "awb", "kal16", "es:en-us+f3", "es:en-us+m3", "es:en+m6")
HARD_BACKCHANNELS = ("mm-hm", "okay", "uh-huh", "yes", "right", "i see", "sure", "no")


def synthesise(voice, text, path):
    if voice.startswith("es:"):
        raw = path + ".raw.wav"
        subprocess.run(["espeak-ng", "-v", voice[3:], "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", path], check=True)
    else:
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", path], check=True)


def render(voice, text, tmp):
    path = os.path.join(tmp, "clip.wav")
    synthesise(voice, text, path)
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        pcm = array.array("h", w.readframes(w.getnframes()))
    # trim silence (|x| < 300 over 10 ms) at both ends
    frame = RATE // 100
    loud = [max(abs(x) for x in pcm[i:i + frame]) >= 300 for i in range(0, len(pcm), frame)]
    if not any(loud):
        return array.array("h")
    a = loud.index(True) * frame
    b = (len(loud) - loud[::-1].index(True)) * frame
    return pcm[a:b]


def turn_text(rng, sentences, seconds):
    """Words adding up to about seconds of speech (flite speaks ~2.7 words/s)."""
    want = max(4, int(seconds * 2.7))
    words = []
    while len(words) < want:
        words += rng.choice(sentences).split()
    return " ".join(words[:want])


def conversation(rng, sentences, tmp, turns, voices=VOICES, backchannels=BACKCHANNELS,
                 backchannel_share=0.2):
    mono = array.array("h")
    chans = (array.array("h"), array.array("h"))
    rttm, words = [], []
    speaker = 0
    pos = int(rng.uniform(0.3, 1.0) * RATE)
    for i in range(turns):
        if i and rng.random() < backchannel_share:
            text = rng.choice(backchannels)
        else:
            text = turn_text(rng, sentences, rng.uniform(2, 15))
        clip = render(voices[speaker], text, tmp)
        if not clip:
            continue
        gap = pos - len(mono)
        mono.extend([0] * gap)
        for c in range(2):
            chans[c].extend([0] * (pos - len(chans[c])))
        mono.extend(clip)
        chans[speaker].extend(clip)
        start, dur = pos / RATE, len(clip) / RATE
        rttm.append((start, dur, "AB"[speaker]))
        toks = text.split()
        for k, t in enumerate(toks):  # words spread evenly over the turn
            words.append((start + dur * k / len(toks), start + dur * (k + 1) / len(toks),
                          "AB"[speaker], t))
        pos = len(mono) + int(rng.uniform(0.2, 1.2) * RATE)
        speaker = 1 - speaker
    tail = int(0.5 * RATE)
    mono.extend([0] * tail)
    for c in range(2):
        chans[c].extend([0] * (len(mono) - len(chans[c])))
    return mono, chans, rttm, words


def clips(out, name, pair, seed, tmp):
    """Known speakers' clips of the pair's voices and of a third one."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "../../tests/data/dictation-heldout/sentences.txt")) as f:
        lines = [l.strip() for l in f if 8 <= len(l.split()) <= 16]
    rng = random.Random(seed * 7919)
    other = rng.choice([v for v in CLIP_VOICES if v not in pair])
    for tag, voice in (("A", pair[0]), ("B", pair[1]), ("X", other)):
        write_wav(os.path.join(out, "%s-clip%s.wav" % (name, tag)), [render(voice, rng.choice(lines), tmp)])


def write_wav(path, channels):
    with wave.open(path, "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(RATE)
        if len(channels) == 1:
            w.writeframes(channels[0].tobytes())
        else:
            inter = array.array("h", [0] * (len(channels[0]) * len(channels)))
            for c, ch in enumerate(channels):
                inter[c::len(channels)] = ch
            w.writeframes(inter.tobytes())


def main():
    args = sys.argv[1:]
    pairs = {"--hard": HARD_PAIRS, "--dev": DEV_PAIRS}.get(args[0] if args else "")
    if pairs:
        args = args[1:]
    clips_only = bool(args) and args[0] == "--clips-only"
    if clips_only:
        args = args[1:]
    out, seeds = args[0], [int(s) for s in args[1:]]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "../../tests/data/dictation/sentences.txt")) as f:
        sentences = [l.strip() for l in f if l.strip()]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            rng = random.Random(seed)
            name = "conv%03d" % seed
            if pairs:
                clips(out, name, pairs[seed % len(pairs)][:2], seed, tmp)
            if clips_only:
                continue
            if pairs:
                a, b, what = pairs[seed % len(pairs)]
                mono, chans, rttm, words = conversation(rng, sentences, tmp, rng.randint(12, 18),
                                                        (a, b), HARD_BACKCHANNELS, 1 / 3)
            else:
                what = "flite female / flite male"
                mono, chans, rttm, words = conversation(rng, sentences, tmp, rng.randint(10, 16))
            write_wav(os.path.join(out, name + ".wav"), [mono])
            write_wav(os.path.join(out, name + "-stereo.wav"), list(chans))
            with open(os.path.join(out, name + ".rttm"), "w") as f:
                for start, dur, spk in rttm:
                    f.write("SPEAKER %s 1 %.3f %.3f <NA> <NA> %s <NA> <NA>\n" % (name, start, dur, spk))
            with open(os.path.join(out, name + ".words"), "w") as f:
                for a, b, spk, t in words:
                    f.write("%.3f %.3f %s %s\n" % (a, b, spk, t))
            print(name, "%.1f s" % (len(mono) / RATE), len(rttm), "turns,", what)


if __name__ == "__main__":
    main()
