#!/usr/bin/python3
"""Sentence ends found where two dictated sentences meet with no pause
(docs/BENCHMARKS.md, "Session 57: sentences" and after).

joins.py FORMAT_BENCH [--against OLD_FORMAT_BENCH] [--all] [--out DIR]

The pairs: the spoken words of consecutive lines of one format set
(bench/format/*.tsv, comments and blank lines left out) joined with a
space, no pause said between (format_bench text, every word 0.3 s, so no
pause ends a sentence). By default the sets that existed when the measure
was first made (every set but blind20 and blind21: 2,227 pairs), so that
the figures compare across rounds; --all takes every set.

Each pair is formatted joined, and each of its lines alone. A sentence
end is ".", "?", "!" or ":" with a space and a word after it. A pair is
"found" when its text has exactly one end more than its two lines alone,
"missed" when it has as many, "other" otherwise. A found pair's end is
"at the join" when the text starts with the first line's own text (its
period included) and a space; otherwise the end was added somewhere
else, or the join changed the words around it (listed, to read).

With --against, the pairs whose counts differ between the two binaries
are listed with both texts: the ends the new rules add (at the join or
elsewhere) and the ends they lose.

--out DIR keeps pairs.tsv, singles.tsv and each binary's output there.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LATER = {"blind20.tsv", "blind21.tsv"}
END = re.compile(r"[.?!:] +\S")


def spoken_lines(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            out.append(line.rstrip("\n").split("\t")[0])
    return out


def make_pairs(every_set):
    pairs = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.tsv"))):
        if not every_set and os.path.basename(path) in LATER:
            continue
        lines = spoken_lines(path)
        pairs.extend((a, b) for a, b in zip(lines, lines[1:]))
    return pairs


def run(bench, path):
    r = subprocess.run([bench, "text", path, "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, check=True)
    return r.stdout.decode("utf-8").split("\n")[:-1]


def ends(text):
    return len(END.findall(text))


def measure(bench, pairs, singles, workdir, tag):
    joined = run(bench, os.path.join(workdir, "pairs.tsv"))
    alone_text = run(bench, os.path.join(workdir, "singles.tsv"))
    alone = dict(zip(singles, alone_text))
    for name, lines in (("pairs", joined), ("singles", alone_text)):
        with open(os.path.join(workdir, "%s.%s.out" % (tag, name)), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    rows = []
    for (a, b), text in zip(pairs, joined):
        d = ends(text) - ends(alone[a]) - ends(alone[b])
        kind = "found" if d == 1 else "missed" if d == 0 else "other"
        at_join = kind == "found" and text.startswith(alone[a] + " ")
        rows.append((kind, at_join, text))
    return rows


def summary(name, rows):
    found = sum(r[0] == "found" for r in rows)
    at_join = sum(r[1] for r in rows)
    missed = sum(r[0] == "missed" for r in rows)
    other = sum(r[0] == "other" for r in rows)
    print("%s: pairs %d found %d (at the join %d) missed %d other %d" %
          (name, len(rows), found, at_join, missed, other))


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    bench, old, every_set, keep = args[0], None, False, None
    i = 1
    while i < len(args):
        if args[i] == "--against" and i + 1 < len(args):
            old, i = args[i + 1], i + 2
        elif args[i] == "--all":
            every_set, i = True, i + 1
        elif args[i] == "--out" and i + 1 < len(args):
            keep, i = args[i + 1], i + 2
        else:
            print("joins.py: unknown argument %s" % args[i], file=sys.stderr)
            return 2
    workdir = keep or tempfile.mkdtemp(prefix="joins.")
    os.makedirs(workdir, exist_ok=True)
    pairs = make_pairs(every_set)
    singles = sorted({line for pair in pairs for line in pair})
    with open(os.path.join(workdir, "pairs.tsv"), "w", encoding="utf-8") as f:
        f.writelines("%s %s\n" % p for p in pairs)
    with open(os.path.join(workdir, "singles.tsv"), "w", encoding="utf-8") as f:
        f.writelines(s + "\n" for s in singles)
    new = measure(bench, pairs, singles, workdir, "new")
    if old:
        before = measure(old, pairs, singles, workdir, "old")
        summary("old", before)
    summary("new" if old else "joins", new)
    if old:
        for (a, b), o, n in zip(pairs, before, new):
            if o[0] == n[0] and o[2] == n[2]:
                continue
            change = "%s -> %s%s" % (o[0], n[0], " (at the join)" if n[1] else "")
            print("\n%s\n  said: %s | %s\n  old:  %s\n  new:  %s" % (change, a, b, o[2], n[2]))
    else:
        for (a, b), n in zip(pairs, new):
            if n[0] == "other" or (n[0] == "found" and not n[1]):
                print("\n%s%s\n  said: %s | %s\n  text: %s" %
                      (n[0], "" if n[0] == "other" else " (not at the join)", a, b, n[2]))
    if not keep:
        for name in os.listdir(workdir):
            os.unlink(os.path.join(workdir, name))
        os.rmdir(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
