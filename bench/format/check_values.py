#!/usr/bin/python3
"""Wrong values: numbers in the formatted text that the spoken words do not
say (docs/FORMATTING.md, "Wrong values"; docs/BENCHMARKS.md, "Session 60").

check_values.py FORMAT_BENCH FILE... [--corpus] [--pairs] [--quiet]

Each FILE is a format set (bench/format/*.tsv: spoken words in the first
column) or, with --corpus, plain text (one spoken line a line, as
build/medical-corpus.txt). The spoken words are formatted
(`FORMAT_BENCH text FILE 1`) and each line is checked:

* every number of the output (a run of digits, with its decimal part)
  must be the value of a stretch of the spoken number words read one of
  the ways docs/FORMATTING.md states: a cardinal ("three hundred and
  twelve", "twelve hundred"), a value said in pairs ("one twenty",
  "nineteen eighty four", "one oh five"), digits said one by one ("six one
  seven", "oh", "double five"), a decimal ("two point five", "point oh
  four", a digit's homophone right after "point" at the decimal's end), an
  ordinal or a decade ("twenty first", "one fifties"), "and a half" and its
  kin, "N out of M". A stretch starts and ends only where a number may:
  never between "hundred" or a tens word and the units said after it
  ("one hundred | twenty", "twenty | five"), nor beside "point". A number
  no stretch gives is flagged "glued" (two numbers written as one:
  `2.525` for "two point five to five") or "unsaid".
* a clock (H:MM) whose hour and minutes were said with no time cue near
  them (at, by, around, until, from, since, before, after, o'clock, a m,
  p m, time, ...) is flagged "clock": a value said in pairs written as a
  time (`1:42` for "one forty two").
* "o two" or "oh two" said before "sat" with no O2 written is flagged
  "o2": oxygen's words read as a number's digits (`97.302 sat`).
* a number other than 1 before a singular count noun ("time", "tablet",
  "capsule", "puff", "drop", "dose", ...) is flagged "singular": a "one"
  said before the noun glued into the number before it (`501 time daily`
  for "five hundred one time daily").

With --pairs, each line is joined to the next with a space (two dictated
sentences with no pause between, as bench/format/joins.py makes them):
a number at one's end and one at the other's start must not glue.

Prints each flagged line (file:line, kind, the number, spoken, output)
and, per file, the count: "FILE: N lines, F flagged".
"""
import os
import re
import subprocess
import sys
import tempfile

UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
ORD_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
}
ORD_TEENS = {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
    "eighteenth": 18, "nineteenth": 19,
}
ORD_TENS = {
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}
DECADES = {w + "s": v for w, v in TENS.items()}
DECADES.update({"twenties": 20, "thirties": 30, "forties": 40,
                "fifties": 50, "sixties": 60, "seventies": 70,
                "eighties": 80, "nineties": 90, "teens": 10, "tens": 10})
SCALE = {"hundred": 100, "thousand": 1000, "million": 1000000}
HOMOPHONE = {"to": 2, "too": 2, "for": 4, "won": 1, "ate": 8}
FRACTION = {"half": (1, 2), "halves": (1, 2), "quarter": (1, 4),
            "quarters": (3, 4), "third": (1, 3), "thirds": (2, 3)}
NUMWORD = set(UNITS) | set(TEENS) | set(TENS) | set(SCALE) | \
    set(ORD_UNITS) | set(ORD_TEENS) | set(ORD_TENS) | set(DECADES) | \
    {"point", "double", "triple", "hundreds", "thousands"}

TIME_CUE = {
    "at", "by", "around", "about", "until", "till", "til", "from", "since",
    "before", "after", "o'clock", "oclock", "am", "pm", "a", "p", "time",
    "clock", "morning", "evening", "night", "tonight", "noon", "midnight",
    "between", "and", "to", "through", "past", "hours", "o", "approximately",
    "roughly", "started", "starting", "ended", "ending", "effective",
    "scheduled", "arrived", "arrival", "seen", "timed", "called", "given",
    "woke", "wakes", "bed", "bedtime", "sunrise", "onset", "last",
}
VALUE_WORDS = [
    "glucose", "sugar", "sugars", "pressure", "level", "levels", "rate", "sat", "sats",
    "saturation", "weight", "count", "hemoglobin", "potassium", "sodium", "creatinine",
    "platelets", "temp", "temperature", "pulse", "a1c", "came back", "running", "reading",
    "readings", "sitting", "value",
]
STRONG_TIME = {"o'clock", "oclock", "am", "pm", "morning", "evening", "night", "tonight",
               "noon", "midnight", "clock", "time", "appointment", "scheduled"}
COUNT_NOUN = {
    "time", "tablet", "capsule", "pill", "puff", "drop", "dose", "patch",
    "injection", "spray", "vial", "ampule", "suppository", "lozenge",
    "packet", "scoop", "gummy", "chew", "caplet", "softgel",
}


def words_of(line):
    line = line.lower().replace("-", " ")
    return re.findall(r"[a-z']+|\d+(?:\.\d+)?", line)


def is_num(w, nxt=None):
    if w == "point":
        return nxt is not None and (nxt in UNITS or nxt in TEENS or nxt in TENS or
                                    nxt in HOMOPHONE or nxt == "o")
    return w in NUMWORD


def cardinal(ws):
    """The value of ws read as one cardinal number, or None."""
    if not ws:
        return None
    total, cur, last = 0, 0, None  # last: kind of the previous word
    for i, w in enumerate(ws):
        if w in ("and", "a") and last == "scale" and i + 1 < len(ws):
            continue
        if w == "a" and i == 0 and len(ws) > 1 and ws[1] in SCALE:
            cur, last = 1, "unit"
            continue
        if w in UNITS and w not in ("oh",) or w in ORD_UNITS:
            v = UNITS.get(w, ORD_UNITS.get(w))
            if last in ("unit", "teen"):
                return None
            if w == "zero" and (last or len(ws) > 1):
                return None
            cur, last = cur + v, "unit"
        elif w in TEENS or w in ORD_TEENS:
            if last in ("unit", "teen", "tens"):
                return None
            cur, last = cur + TEENS.get(w, ORD_TEENS.get(w, 0)), "teen"
        elif w in TENS or w in ORD_TENS or w in DECADES:
            if last in ("unit", "teen", "tens"):
                return None
            cur, last = cur + TENS.get(w, ORD_TENS.get(w, DECADES.get(w, 0))), "tens"
        elif w in ("hundred", "hundreds"):
            if cur == 0 and i == 0 and len(ws) > 1:
                cur = 1
            if cur == 0 or cur % 100 == 0 and cur >= 100 or last == "scale":
                return None
            cur, last = cur * 100, "scale"
        elif w in ("thousand", "thousands", "million"):
            if cur == 0 and total == 0:
                return None
            total, cur, last = total + cur * SCALE[w.rstrip("s")], 0, "scale"
        else:
            return None
    return total + cur


def small(ws):
    """A cardinal said without a scale word (1..99), or None."""
    if any(w in SCALE or w in ("hundreds", "thousands") for w in ws):
        return None
    if len(ws) > 2:
        return None
    return cardinal(ws)


def digits(ws):
    """Digits said one by one ("six one seven", "oh", "double five")."""
    out, i = "", 0
    while i < len(ws):
        w = ws[i]
        if w in ("double", "triple") and i + 1 < len(ws) and ws[i + 1] in UNITS:
            out += str(UNITS[ws[i + 1]]) * (2 if w == "double" else 3)
            i += 2
            continue
        if w not in UNITS:
            return None
        out += str(UNITS[w])
        i += 1
    return out


def values(ws):
    """The written values a stretch of number words may take."""
    out = set()
    c = cardinal(ws)
    if c is not None:
        out.add(str(c))
    if ws in (["oh"], ["zero"]):
        out.add("0")
    if ws[-1] == "thousand" and len(ws) > 1:
        for v in values_plain(ws[:-1]):
            out.add(str(int(v) * 1000))
    # a value said without its point: "ninety eight six", "three six",
    # "seven twenty nine" (a pH), "eleven six"
    for k in (1, 2):
        if len(ws) > k:
            a, rest = small(ws[:k]), ws[k:]
            if a is None:
                continue
            fd = digits(rest)
            if fd is not None and len(rest) == 1:
                out.add("%d.%s" % (a, fd))
            b = small(rest)
            if b is not None and 10 <= b <= 99 and k == 1:
                out.add("%d.%02d" % (a, b))
    d = digits(ws)
    if d is not None and len(ws) > 1:
        out.add(d)
        out.add(d.lstrip("0") or "0")
    # a value said in pairs: "one twenty", "nineteen eighty four", "one oh five"
    for k in (1, 2):
        if len(ws) > k:
            a, rest = small(ws[:k]), ws[k:]
            if a is None or a == 0:
                continue
            if rest[0] == "oh" and len(rest) == 2 and rest[1] in UNITS:
                out.add("%d0%d" % (a, UNITS[rest[1]]))
            b = small(rest)
            if b is not None and 10 <= b <= 99:
                out.add("%d%02d" % (a, b))
            if rest == ["hundred"]:
                out.add("%d00" % a)
            # a phone's groups said as numbers: "six seventeen", "oh one twenty two"
    # a decimal: "two point five", "point oh four"
    if "point" in ws:
        i = ws.index("point")
        whole = ws[:i]
        frac = ws[i + 1:]
        frac = ["oh" if w == "o" else w for w in frac]
        if frac and frac[-1] in HOMOPHONE and len(frac) == 1:
            frac = ["two"] if HOMOPHONE[frac[-1]] == 2 else \
                [k for k, v in UNITS.items() if v == HOMOPHONE[frac[-1]] and k != "oh"][:1]
        fd = digits(frac) if frac else None
        if fd is None and frac:
            fv = small(frac)
            fd = str(fv) if fv is not None else None
        if fd is not None:
            if not whole:
                out.add("0." + fd)
                out.add("." + fd)
            else:
                wv = cardinal(whole)
                for w in ([str(wv)] if wv is not None else []) + list(values_plain(whole)):
                    out.add(w + "." + fd)
    return out


def values_plain(ws):
    out = set()
    if "point" in ws:
        return out
    d = digits(ws)
    if d is not None:
        out.add(d.lstrip("0") or "0")
    if len(ws) == 3 and ws[1] == "oh" and ws[2] in UNITS:
        a = small(ws[:1])
        if a:
            out.add("%d0%d" % (a, UNITS[ws[2]]))
    c = cardinal(ws)
    if c is not None:
        out.add(str(c))
    for k in (1, 2):
        if len(ws) > k:
            a, b = small(ws[:k]), small(ws[k:])
            if a and b is not None and 10 <= b <= 99:
                out.add("%d%02d" % (a, b))
    return out


def may_cut(ws, i):
    """May a number start at ws[i] (and the one before end at ws[i-1])?"""
    if i == 0 or i == len(ws):
        return True
    a, b = ws[i - 1], ws[i]
    if b == "point" and i + 1 < len(ws) and ws[i + 1] in HOMOPHONE:
        return True
    if a == "point" or b == "point":
        return False
    if a in ("double", "triple"):
        return False
    return True


def runs(words):
    """Stretches of number words: (start, end) indexes into words."""
    out, i = [], 0
    n = len(words)
    while i < n:
        if not is_num(words[i], words[i + 1] if i + 1 < n else None) and not (words[i] == "a" and i + 1 < n and
                                         words[i + 1] in ("hundred", "thousand")):
            i += 1
            continue
        j = i
        while j < n:
            w = words[j]
            if is_num(w, words[j + 1] if j + 1 < n else None) or w == "a" and j + 1 < n and words[j + 1] in ("hundred", "thousand"):
                j += 1
            elif w == "and" and j > i and words[j - 1] in ("hundred", "thousand") and \
                    j + 1 < n and is_num(words[j + 1]):
                j += 1
            elif w in HOMOPHONE and j > i and words[j - 1] == "point" or \
                    w == "o" and j > i and words[j - 1] in ("point", "o", "oh") or \
                    w == "o" and j > i and words[j - 1] == "point":
                j += 1
            else:
                break
        out.append((i, j))
        i = j
    return out


def allowed(words):
    """Every written number the spoken words may give."""
    ok = set()
    for s, e in runs(words):
        ws = words[s:e]
        cuts = [k for k in range(len(ws) + 1) if may_cut(ws, k)]
        for x in cuts:
            for y in cuts:
                if y > x:
                    ok |= values(ws[x:y])
        # and a half, and three quarters: 2.5, 1.75, 2 1/2
        if e + 2 < len(words) + 1 and e + 1 < len(words) and words[e] == "and" and \
                words[e + 1] in ("a", "one", "three", "two") and e + 2 < len(words) and \
                words[e + 2] in FRACTION:
            w = cardinal(ws) if cardinal(ws) is not None else None
            num, den = FRACTION[words[e + 2]]
            if words[e + 1] == "three":
                num = 3
            if words[e + 1] == "two":
                num = 2
            if w is not None:
                dec = ("%.3f" % (w + num / den)).rstrip("0").rstrip(".")
                ok.add(dec)
    for i, w in enumerate(words):
        if w in FRACTION or w in ("halves", "quarters"):
            num, den = FRACTION.get(w, (1, 2))
            ok |= {str(num), str(den), str(den - num), "3"}
            ok |= {"0." + ("%.3f" % (num / den)).split(".")[1].rstrip("0")}
        if w in ("half", "halves"):
            ok |= {"0.5", ".5", "5", "50"}
        if w in ("quarter", "quarters"):
            ok |= {"0.25", "0.75", "25", "75"}
        if w == "percent":
            ok.add("100")
        if re.fullmatch(r"\d+(\.\d+)?", w):
            ok.add(w)
    low = " ".join(words)
    hours = dict(UNITS, **TEENS)
    mins = {"quarter": 15, "half": 30, "five": 5, "ten": 10, "twenty": 20,
            "twenty five": 25}
    # a clock said "a quarter to nine", "half past two", "twenty to four"
    for m in re.finditer(r"\b(quarter|half|five|ten|twenty five|twenty) "
                         r"(to|til|till|of|past|after) ([a-z]+)", low):
        h = hours.get(m.group(3))
        if h is None:
            continue
        mm = mins[m.group(1)]
        if m.group(2) in ("to", "til", "till", "of"):
            ok |= {str(h - 1 if h > 1 else 12), "%02d" % (60 - mm)}
        else:
            ok |= {str(h), "%02d" % mm}
    # "and a half" after a noun said with "a": "a week and a half" 1.5
    if re.search(r"\band a half\b", low):
        ok |= {"1.5"}
    # dollars and cents
    for m in re.finditer(r"(\S+(?: \S+)?) dollars and (\S+(?: \S+)?) cents", low):
        a, b = cardinal(m.group(1).split()[-2:]) or cardinal(m.group(1).split()[-1:]), \
            cardinal(m.group(2).split())
        if a is not None and b is not None:
            ok.add("%d.%02d" % (a, b))
    # a range whose scale is said once: "four to six hundred" 400-600
    rs = runs(words)
    for (s1, e1), (s2, e2) in zip(rs, rs[1:]):
        if s2 == e1 + 1 and words[e1] in ("to", "through", "or") and \
                words[e2 - 1] in ("hundred", "thousand"):
            a = cardinal(words[s1:e1])
            if a is not None:
                ok.add(str(a * SCALE[words[e2 - 1]]))
    ok.add("1")  # a count of one: `1 tablet`, q.1h, `x1`
    return ok


def out_numbers(text):
    """Numbers of the output, with their text offsets."""
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return t, [(m.group(0), m.start(), m.end()) for m in
               re.finditer(r"(?<![\d.])\.?\d+(?:\.\d+)?", t)]


# Forms that write digits the spoken words do not say as numbers.
IMPLIED = [
    (r"\b(twice|two times)\b", {"2"}),
    (r"\b(thrice|three times)\b", {"3"}),
    (r"\b(once)\b", {"1"}),
    (r"\b(dozen)\b", {"12"}),
    (r"\b(weeks?)\b", {"7"}),  # 28 3/7
    (r"\b(days?)\b", {"7"}),
    (r"\b(b i d|bid)\b", {"2"}),
    (r"\b(t i d|tid)\b", {"3"}),
    (r"\b(q i d|qid)\b", {"4"}),
    (r"\b(o two|o2)\b", {"2"}),
    (r"\b(co two|c o two)\b", {"2"}),
    (r"\b(noon|midnight)\b", {"12", "00"}),
    (r"\bm r n for\b", {"4"}),
]


def check(spoken, out):
    """The flags of one line: a list of (kind, number)."""
    words = words_of(spoken)
    ok = allowed(words)
    low = " ".join(words)
    for pat, vals in IMPLIED:
        if re.search(pat, low):
            ok |= vals
    flags = []
    t, nums = out_numbers(out)
    # a trailing zero dropped, as a dose is written: "ten point zero" 10
    for m in re.finditer(r"(\S+(?: \S+)?) point (zero|oh|o)\b(?! (zero|oh|one|two|three|four|five|six|seven|eight|nine))", low):
        for k in (2, 1):
            c = cardinal(m.group(1).split()[-k:])
            if c is not None:
                ok.add(str(c))
                break
    for v, s, e in nums:
        cand = {v, v.lstrip("0") or "0"}
        if re.search(r"\bm r n for\b", low) and v.startswith("4"):
            cand.add(v[1:])
        if v.startswith("."):
            cand |= {"0" + v}
        if "." in v:
            a, b = v.split(".", 1)
            cand |= {a.lstrip("0") + "." + b}
        # a clock's or a date's parts, a ratio's, a range's: each alone
        if cand & ok:
            continue
        if v == "7" and re.match(r"\d+ \d/$", t[max(0, s - 5):s][-4:]) or \
                v == "7" and t[s - 1:s] == "/" and re.search(r"\d+ \d/$", t[:s]):
            continue
        # a number written out beside a letter (G2P1001, T2, L4-5) or a unit's
        # power (m2, O2) is the letters' own
        before = t[s - 1] if s > 0 else " "
        if before.isalpha() and v in ("2", "3") and (e >= len(t) or not t[e].isdigit()):
            continue
        kind = "unsaid"
        # glued: the number's digits are two said numbers one after another
        for k in range(1, len(v)):
            if v[:k].rstrip(".") in ok and v[k:].lstrip(".") in ok:
                kind = "glued"
                break
        flags.append((kind, v))
    # a clock not said as one
    for m in re.finditer(r"\b(\d{1,2}):(\d{2})\b", t):
        h, mm = m.group(1), m.group(2)
        if re.search(r"\b(quarter|half|five|ten|twenty) (to|til|till|of|past|after) ", " ".join(words)):
            continue
        if re.search(r"\b(o'clock|a\.?m\.?|p\.?m\.?|AM|PM)\b", t[m.end():m.end() + 8]):
            continue
        # a clock run on into more digits said with it: a phone's or a
        # value's digits cut as a time ("2:07 555-0121")
        if re.match(r" \d", t[m.end():m.end() + 2]) and not re.search(
                r"\b(and|to|or|through|until|till|then|from)\b", " ".join(words)):
            flags.append(("clock", m.group(0)))
            continue
        # a clock after "at" with a value's word before it and no other
        # time word: "glucose came back at one forty two" is 142, not 1:42
        before = t[max(0, m.start() - 60):m.start()].lower()
        # (the value's own number said before "at": "glucose was 212 at 12:30")
        if re.search(r"\bat $", before) and not re.search(r"\d[^a-z]* at $", before) and re.search(r"\b(%s)\b" % "|".join(VALUE_WORDS), before) \
                and not STRONG_TIME & set(words):
            flags.append(("clock", m.group(0)))
            continue
        # the spoken words before the clock's hour
        hour_words = [w for w, v in list(UNITS.items()) + list(TEENS.items()) if str(v) == str(int(h))]
        cue = False
        for i, w in enumerate(words):
            if w in hour_words:
                ctx = words[max(0, i - 3):i] + words[i + 1:i + 6]
                if TIME_CUE & set(ctx):
                    cue = True
        if not cue:
            flags.append(("clock", m.group(0)))
    # oxygen's "o two" before a saturation read as a number's digits
    if re.search(r"\b(o|oh) two (sat|sats|saturation|saturations)\b", low) and \
            not re.search(r"O2|SpO2|SaO2", t):
        flags.append(("o2", "O2"))
    # a number other than one before a singular count noun
    for m in re.finditer(r"(?<![\w.:/-])(\d+(?:\.\d+)?) (%s)\b" % "|".join(COUNT_NOUN), t):
        if m.group(1) not in ("1", "1.0") and not re.match(r"\d+(\.\d+)? time (to|in|of)\b", t[m.start():]):
            flags.append(("singular", m.group(0)))
    return flags


def spoken_lines(path, corpus, pairs=False):
    out = spoken_lines1(path, corpus)
    if pairs:
        out = [(a[0], a[1] + " " + b[1]) for a, b in zip(out, out[1:])
               if a[1].strip() and b[1].strip()]
    return out


def spoken_lines1(path, corpus):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not corpus and (line.startswith("#") or not line.strip()):
                continue
            out.append((n, line.rstrip("\n").split("\t")[0]))
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = "--corpus" in sys.argv
    quiet = "--quiet" in sys.argv
    pairs = "--pairs" in sys.argv
    if len(args) < 2:
        sys.exit(__doc__)
    bench = args[0]
    total = 0
    for path in args[1:]:
        lines = spoken_lines(path, corpus, pairs)
        res = []
        # format_bench reads a bounded number of lines: 4000 at a time
        for c in range(0, len(lines), 4000):
            with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as tf:
                for _, s in lines[c:c + 4000]:
                    tf.write("%s\t%s\n" % (s, s))
                name = tf.name
            try:
                out = subprocess.run([bench, "text", name, "1"], capture_output=True,
                                     text=True, check=True).stdout.split("\n")
            finally:
                os.unlink(name)
            res.extend(out[:len(lines[c:c + 4000])])
        flagged = 0
        for (n, s), o in zip(lines, res):
            fl = check(s, o)
            if fl:
                flagged += 1
                if not quiet:
                    print("%s:%d\t%s\t%s\t%s" % (os.path.basename(path), n,
                                                 " ".join("%s:%s" % f for f in fl), s, o))
        total += flagged
        print("%s: %d lines, %d flagged" % (os.path.basename(path), len(lines), flagged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
