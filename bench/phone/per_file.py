"""Word edits per recording of bench/phone's decodes: one row a recording,
one column a version and binary (edits by Levenshtein over the normalised
words, as sclite counts errors).

usage: per_file.py OUTDIR SET VERSIONS N_BINARIES
"""
import sys


def words_of(trn):
    out = {}
    for line in open(trn):
        line = line.rstrip("\n")
        if not line.endswith(")"):
            continue
        text, _, utt = line[:-1].rpartition(" (")
        out[utt] = text.split()
    return out


def edits(hyp, ref):
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(hyp) + 1):
            d[j] = min(prev[j - 1] + (hyp[j - 1] != ref[i - 1]), prev[j] + 1, d[j - 1] + 1)
    return d[len(hyp)]


def main():
    out, name, versions, nbin = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4])
    ref = words_of("%s/%s.ref.trn" % (out, name))
    cols = [(v, b) for v in versions for b in range(1, nbin + 1)]
    hyps = {c: words_of("%s/%s.%s.%d.trn" % (out, name, c[0], c[1])) for c in cols}
    print("%-42s %5s %s" % ("recording", "words", " ".join("%9s" % ("%s.%d" % c) for c in cols)))
    for utt, r in ref.items():
        row = " ".join("%9d" % edits(hyps[c].get(utt, []), r) for c in cols)
        print("%-42s %5d %s" % (utt, len(r), row))


if __name__ == "__main__":
    main()
