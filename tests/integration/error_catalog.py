#!/usr/bin/env python3
"""The error codes and messages the server can send, read from its source.

Usage: error_catalog.py SRC_DIR [--json]

Finds every call of the functions that answer an error (http_reply_error and
the wrappers listed in EMITTERS) in the .c files under SRC_DIR and prints, one a line,
"code<TAB>file:line" for each code, then "message<TAB>file:line<TAB>field<TAB>text"
for each literal message (field: the param it names, "*" when chosen at run
time, "" for none). A call whose code is not a string literal must be
inside a wrapper listed here (its codes come from its callers or from the
table in its own body); any other is reported as "unknown<TAB>..." so that a
new way of answering errors cannot slip past the check.
"""
import json
import os
import re
import sys

# function -> (index of the code argument, index of the message argument,
# index of the param argument); None: fixed or not an argument.
EMITTERS = {
    "http_reply_error": (4, 5, 3),
    "bad_request": (None, 2, 1),  # api_admin.c: code invalid_value
    "profile_refuse": (6, 7, 5),  # api_profiles.c
    "voice_refuse": (6, 7, 5),  # api_voices.c
    "upload_fail": (None, 3, 2),  # api_transcribe.c: code from the rc (http_reply_err)
    "http_reply_err": (None, 3, 2),  # http.c: code from the rc (http_err_reply_of)
    "http_refuse_and_close": (2, 3, None),  # http.c: no param
    "known_fail": (2, 3, 1),  # upload_options.c: known speakers' checks
    "server_refuse": (7, 8, 6),  # server.c
    # server.c: not_found with the first message (param "name"), the rc's
    # code (http_reply_err) with the second
    "server_sealed_delete": (None, (6, 7), ("name", None)),
}
FIXED_CODES = {"bad_request": ["invalid_value"], "server_sealed_delete": ["not_found"]}
# Functions whose own body holds the codes they can send, as `code = "x"`,
# `err->code = "x"`, json_error_set(err, "x", ...) or `return "x";`.
TABLES = {"http_err_reply_of", "server_json_object", "server_unknown_argument",
          "http_request_line_fault", "rt_secret_error_code"}
# Functions that send a code held in a variable, and the table it comes from.
CODE_FROM = {"http_check_request_line": "http_request_line_fault",
             "rt_secret_session": "rt_secret_error_code"}  # api_realtime.c
# Wrappers that pass a caller's code or message through (checked at their callers).
PASS_THROUGH = {"http_reply_error", "http_reply_err", "bad_request", "profile_refuse", "voice_refuse",
                "server_refuse", "server_sealed_delete",
                "upload_fail", "server_reply_json_refused", "http_refuse_and_close",
                "known_fail"}

STRING = r'"(?:[^"\\\n]|\\.)*"'


def strip_comments(text):
    """Blanks comments, keeping line numbers and string literals."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(text, start):
    """Arguments of the call whose '(' is at start: (list of texts, end)."""
    depth, i, args, cur = 0, start, [], start + 1
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append(text[cur:i])
                return args, i
        elif c == "," and depth == 1:
            args.append(text[cur:i])
            cur = i + 1
        i += 1
    return args, i


def literals(arg):
    """The string literals of an argument, adjacent ones joined."""
    out = []
    for m in re.finditer(r"(?:%s\s*)+" % STRING, arg):
        parts = re.findall(STRING, m.group(0))
        out.append("".join(json.loads(p) for p in parts))
    return out


def only_literals(arg):
    """Whether arg is string literals, possibly chosen by a ?: expression."""
    rest = re.sub(STRING, "", arg)
    return not re.search(r"[A-Za-z_]\w*\s*(?:\(|->|\.|$)", rest.split("?")[-1]) and literals(arg)


def functions(text):
    """(name, body start, body end) of each function definition."""
    for m in re.finditer(r"^[A-Za-z_][^;{}()]*?\b(\w+)\s*\([^;{}]*\)\s*\{", text, re.M):
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] in "\"'":
                j = i + 1
                while text[j] != text[i]:
                    j += 2 if text[j] == "\\" else 1
                i = j
            elif text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        yield m.group(1), m.start(), i


def scan(src):
    codes, messages, unknown = {}, [], []
    names = sorted(os.path.relpath(os.path.join(d, f), src)
                   for d, _, files in os.walk(src) for f in files if f.endswith(".c"))
    for name in names:
        text = strip_comments(open(os.path.join(src, name), encoding="utf-8").read())
        funcs = list(functions(text))

        def where(pos):
            return "%s:%d" % (name, text.count("\n", 0, pos) + 1)

        def enclosing(pos):
            for f, a, b in funcs:
                if a <= pos <= b:
                    return f
            return None

        for f, a, b in funcs:
            if f in TABLES:
                body = text[a:b]
                for m in re.finditer(r"\bcode\s*=\s*(%s)" % STRING, body):
                    codes.setdefault(json.loads(m.group(1)), []).append(where(a + m.start()))
                for m in re.finditer(r"\breturn\s+(%s)\s*;" % STRING, body):
                    codes.setdefault(json.loads(m.group(1)), []).append(where(a + m.start()))
                for m in re.finditer(r"json_error_set\(\s*\w+\s*,\s*(%s)" % STRING, body):
                    codes.setdefault(json.loads(m.group(1)), []).append(where(a + m.start()))
        for fn, (ci, mi, pi) in EMITTERS.items():
            for m in re.finditer(r"\b%s\s*\(" % fn, text):
                if text[:m.start()].rstrip().endswith(("int", "void")) or \
                        re.match(r"\s*(static\s+)?int\s*$", text[text.rfind("\n", 0, m.start()) + 1:m.start()]):
                    continue  # the definition itself
                args, _ = split_args(text, m.end() - 1)
                inside = enclosing(m.start())
                if ci is not None and len(args) > ci:
                    if only_literals(args[ci]):
                        for c in literals(args[ci]):
                            codes.setdefault(c, []).append(where(m.start()))
                    elif re.fullmatch(r"\s*\w+(\.|->)code\s*", args[ci]):
                        pass  # a struct server_json_error: server_json_object's table
                    elif inside in CODE_FROM and CODE_FROM[inside] in TABLES:
                        pass  # its codes are read from that table
                    elif inside not in PASS_THROUGH:
                        unknown.append((where(m.start()), "code", args[ci].strip()))
                for c in FIXED_CODES.get(fn, []):
                    codes.setdefault(c, []).append(where(m.start()))
                for mi, pi in (zip(mi, pi) if isinstance(mi, tuple) else ((mi, pi),)):
                    if mi is None or len(args) <= mi:
                        continue
                    msg_lits = literals(args[mi])
                    fmt = msg_lits[0] if msg_lits else None
                    if fmt == "%s" and len(args) > mi + 1:
                        msg_lits = literals(args[mi + 1])  # a message passed through "%s"
                    elif fmt is not None:
                        msg_lits = literals(args[mi])
                    if isinstance(pi, str):  # a param the wrapper names itself
                        param = '"%s"' % pi
                    else:
                        param = args[pi].strip() if pi is not None and len(args) > pi else "NULL"
                    plits = literals(param)
                    # the field as written, "*" when chosen at run time, "" for none
                    field = plits[0] if plits and only_literals(param) else \
                        "" if param == "NULL" else "*"
                    for t in msg_lits:
                        if t != "%s":
                            messages.append((where(m.start()), field, t))
    return codes, messages, unknown


def main():
    codes, messages, unknown = scan(sys.argv[1])
    if "--json" in sys.argv:
        json.dump({"codes": codes, "messages": messages, "unknown": unknown}, sys.stdout, indent=1)
        return
    for c in sorted(codes):
        print("code\t%s\t%s" % (c, " ".join(codes[c])))
    for w, field, t in messages:
        print("message\t%s\t%s\t%s" % (w, field, t))
    for w, what, arg in unknown:
        print("unknown\t%s\t%s %s" % (w, what, arg))


if __name__ == "__main__":
    main()
