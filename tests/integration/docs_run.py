#!/usr/bin/env python3
"""Runs the shell commands of the docs (for test_docs.sh), so they cannot drift.

usage: docs_run.py --top CHECKOUT --work DIR --port PORT --key ADMIN_KEY FILE.md...

What is run: every fenced block whose info string is `sh`, one command at a
time, in order, in one bash session per Markdown file (so `export`, `alias`
and files made by an earlier command carry over within a file, as they do
for a reader following that page). Each file starts in its own copy of the
working directory DIR/<file>/, which looks like a checkout after `make run`:
build/phiscribe, phiscribe on PATH, samples/, tools/, scripts/,
phiscribe-dev-tls/ (the server's CA), phiscribe-data/ (the running
server's data directory, tenant `demo`) and the sample inputs the docs name
(visit.wav, notes.txt, ...).

The conventions a doc writer follows:
  - A command is a line (with `\\` continuations and here-documents). Lines
    starting with `#` directly under a command (no blank line between)
    describe its output; a comment after the command on its own line is
    free text, except `# exit N`, which says the command exits N.
  - `# NNN ...` (an HTTP status, first on the comment line under a curl
    command) is the status the request must get; without it every curl
    request must get a status below 400.
  - `# => TEXT` lines under a command are its exact standard output (use
    this only where the output is deterministic).
  - Placeholders, replaced at run time with values from earlier output of
    the same page: `phs_...` (the key the last `keys create` printed, at
    first the `demo` admin key that make run prints), `KEY_ID` and `Ab3...`
    (that key's id), `tr_...`/`tr_6fQ...` (the last transcript id printed;
    the test waits until that job has finished before using it), `cert_...`
    (the last certificate id printed). `localhost:8443` becomes the test
    server's port, `/srv/` and `/etc/phiscribe/` are moved under the working
    directory. Any other `...` left in a command is an error.
  - A block that cannot run in a test is fenced ```sh no-test: REASON; the
    reason is required, and there may be at most MAX_NO_TEST of them.
  - A block without a language that holds commands is an error: fence it
    as sh (or sh no-test: REASON).
Every failure names the file, line and command. Exit 1 if any failed.
"""
import argparse, json, os, re, select, shlex, ssl, subprocess, sys, time, urllib.request

MAX_NO_TEST = 4
COMMAND_TIMEOUT_S = 900  # a hang guard only: nothing here depends on speed
CMD_WORD = re.compile(r"^\s*(\$ )?((build/)?phiscribe\s|phcurl\s|curl\s|make\s|(tools|scripts)/[\w-]+)")


class Command:
    def __init__(self, path, line, text, heredoc_body):
        self.path, self.line, self.text, self.heredoc_body = path, line, text, heredoc_body
        self.after = []  # comment lines right under it

    def where(self):
        return "%s:%d" % (self.path, self.line)

    def shown(self):
        first = self.text.split("\n")[0]
        return first if "\n" not in self.text else first + " ..."


def strip_comment(line):
    """(code, comment): splits at an unquoted '#' that starts a word."""
    quote, i = None, 0
    while i < len(line):
        c = line[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
        i += 1
    return line.rstrip(), ""


HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_]\w*)\1")


def parse_block(path, lines, errors):
    """lines: [(lineno, text)] of one sh block -> [Command]."""
    cmds, cur, i = [], None, 0
    while i < len(lines):
        no, text = lines[i]
        s = text.strip()
        i += 1
        if not s:
            cur = None
            continue
        if s.startswith("#"):
            if cur:
                cur.after.append(s[1:].strip())
            continue
        parts = [text]
        while parts[-1].rstrip().endswith("\\") and i < len(lines):
            parts.append(lines[i][1])
            i += 1
        body = []
        m = HEREDOC.search(strip_comment(parts[0])[0])
        if m:
            end = m.group(2)
            while i < len(lines) and lines[i][1].strip() != end:
                body.append(lines[i][1])
                i += 1
            if i == len(lines):
                errors.append("%s:%d: here-document without its %s line" % (path, no, end))
            else:
                i += 1
        cur = Command(path, no, "\n".join(parts), body + [end] if m else [])
        cmds.append(cur)
    return cmds


def parse_file(path, text, errors, skipped):
    """Commands of the sh blocks of one Markdown file."""
    cmds, block, info, start, indent = [], None, None, 0, ""
    for no, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^(\s*)```(.*)$", line)
        if m and block is None:
            block, info, start, indent = [], m.group(2).strip(), no, m.group(1)
            continue
        if m and block is not None and m.group(2).strip() == "":
            lang = info.split()[0] if info else ""
            rest = info[len(lang) :].strip()
            if lang == "sh" and rest.startswith("no-test"):
                reason = rest[len("no-test") :].lstrip(":").strip()
                if not reason:
                    errors.append("%s:%d: ```sh no-test needs a reason (```sh no-test: why)" % (path, start))
                skipped.append("%s:%d (%s)" % (path, start, reason))
            elif lang == "sh":
                if rest:
                    errors.append("%s:%d: unknown fence info '%s' (sh, or sh no-test: REASON)" % (path, start, info))
                cmds += parse_block(path, block, errors)
            elif lang in ("bash", "shell", "console", "zsh"):
                errors.append("%s:%d: shell block fenced as %s: use ```sh so the docs test runs it" % (path, start, lang))
            elif not lang:
                for bno, bl in block:
                    if CMD_WORD.match(bl):
                        errors.append("%s:%d: a block without a language holds commands (line %d: %s): "
                                      "fence it ```sh (or ```sh no-test: REASON)" % (path, start, bno, bl.strip()))
                        break
            block = None
            continue
        if block is not None:
            block.append((no, line[len(indent) :] if line.startswith(indent) else line))
    if block is not None:
        errors.append("%s:%d: code block never closed" % (path, start))
    return cmds


def expectations(cmd):
    """(exit status, HTTP status or None, exact stdout or None)."""
    want_exit, want_http, want_out = 0, None, None
    for part in cmd.text.split("\n"):
        m = re.search(r"\bexit (\d+)\b", strip_comment(part)[1])
        if m:
            want_exit = int(m.group(1))
    outs = [a[2:].strip() if a.startswith("=>") else None for a in cmd.after]
    if any(o is not None for o in outs):
        want_out = "\n".join(o for o in outs if o is not None)
    if cmd.after:
        m = re.match(r"^(\d{3})\b", cmd.after[0])
        if m:
            want_http = int(m.group(1))
            if want_http >= 400:
                want_exit = 22  # the curl wrapper's code for an HTTP error, as curl -f
    return want_exit, want_http, want_out


class Session:
    """One bash per Markdown file; commands are sourced so state carries over."""

    def __init__(self, cwd, env):
        self.cwd = cwd
        self.p = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                  text=True, bufsize=1)
        self.p.stdin.write("shopt -s expand_aliases; set -o pipefail\n")

    def run(self, script, out, err):
        q = shlex.quote
        self.p.stdin.write(". %s >%s 2>%s </dev/null; echo \"@@docs-rc $?\"\n" % (q(script), q(out), q(err)))
        self.p.stdin.flush()
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                self.close()
                return None
            line = self.p.stdout.readline()
            if not line:
                return None
            if line.startswith("@@docs-rc "):
                return int(line.split()[1])

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


class Runner:
    def __init__(self, args):
        self.a = args
        self.ctx = ssl.create_default_context(cafile=os.path.join(args.work, "tls", "cert.pem"))
        self.failures, self.ran = [], 0

    # ---- state taken from earlier output ----
    def reset_state(self):
        self.key = self.a.key
        self.key_id = self.a.key[4:16]
        self.tr = self.cert = None

    def learn(self, out):
        keys = re.findall(r'"key"\s*:\s*"(phs_[A-Za-z0-9]+)"', out)
        if keys:
            self.key, self.key_id = keys[-1], keys[-1][4:16]
        trs = re.findall(r"\btr_[A-Za-z0-9]{6,}", out)
        if trs:
            self.tr = trs[-1]
        certs = re.findall(r"\bcert_[A-Za-z0-9]{6,}", out)
        if certs:
            self.cert = certs[-1]

    def wait_job(self, tr):
        """Until the job is completed or failed (or gone): reading it sooner
        would make the test depend on how fast the server is."""
        url = "https://localhost:%d/v1/transcripts?limit=100" % self.a.port
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while time.monotonic() < deadline:
            req = urllib.request.Request(url, headers={"Authorization": "Bearer " + self.a.key})
            try:
                with urllib.request.urlopen(req, context=self.ctx) as r:
                    jobs = {j["id"]: j["status"] for j in json.load(r)["data"]}
            except (OSError, ValueError, KeyError) as e:
                print("docs test: cannot list the jobs to wait for %s: %s" % (tr, e), flush=True)
                return False
            if jobs.get(tr) not in ("queued", "processing"):
                return True
            time.sleep(0.3)
        return False

    # ---- one command ----
    def substitute(self, cmd, work):
        """The command as bash runs it, or an error message."""
        lines = cmd.text.split("\n")
        code = "\n".join(strip_comment(l)[0] for l in lines)
        code = code.replace("localhost:8443", "localhost:%d" % self.a.port)
        code = re.sub(r"(?<![\w./])/srv/", work + "/srv/", code)
        code = re.sub(r"(?<![\w./])/etc/phiscribe/", work + "/etc/phiscribe/", code)
        code = code.replace("phs_...", self.key)
        code = re.sub(r"\bKEY_ID\b|\bAb3\.\.\.", self.key_id, code)
        if re.search(r"\btr_[A-Za-z0-9]*\.\.\.", code):
            if not self.tr:
                return None, "names a transcript (tr_...) but no earlier command of this page printed one"
            if not self.wait_job(self.tr):
                return None, "job %s did not finish" % self.tr
            code = re.sub(r"\btr_[A-Za-z0-9]*\.\.\.", self.tr, code)
        if re.search(r"\bcert_[A-Za-z0-9]*\.\.\.", code):
            if not self.cert:
                return None, "names a certificate (cert_...) but no earlier command of this page printed one"
            code = re.sub(r"\bcert_[A-Za-z0-9]*\.\.\.", self.cert, code)
        if "..." in code:
            return None, "a placeholder with '...' that the docs test does not know (see tests/integration/docs_run.py)"
        if cmd.heredoc_body:
            code += "\n" + "\n".join(cmd.heredoc_body)
        return code + "\n", None

    def fail(self, cmd, why, out="", err=""):
        msg = "%s: `%s`\n    %s" % (cmd.where(), cmd.shown(), why)
        for name, text in (("stdout", out), ("stderr", err)):
            text = text.strip()
            if text:
                cut = text[:600] + (" ..." if len(text) > 600 else "")
                msg += "\n    %s: %s" % (name, cut.replace("\n", "\n            "))
        self.failures.append(msg)
        print("FAIL %s: `%s` (details at the end)" % (cmd.where(), cmd.shown()), flush=True)

    def run_command(self, sess, cmd, work, tmp):
        code, why = self.substitute(cmd, work)
        if why:
            self.fail(cmd, why)
            return
        script, out_f, err_f = (os.path.join(tmp, n) for n in ("cmd.sh", "out", "err"))
        http_f = os.path.join(tmp, "http")
        with open(script, "w") as f:
            f.write(code)
        if os.path.exists(http_f):
            os.unlink(http_f)
        want_exit, want_http, want_out = expectations(cmd)
        t0 = time.monotonic()
        rc = sess.run(script, out_f, err_f)
        self.ran += 1
        out = open(out_f, errors="replace").read() if os.path.exists(out_f) else ""
        err = open(err_f, errors="replace").read() if os.path.exists(err_f) else ""
        http = open(http_f).read().split() if os.path.exists(http_f) else []
        got_http = int(http[-1]) if http and http[-1].isdigit() else None
        if rc is None:
            self.fail(cmd, "did not finish within %d s (or the shell died)" % COMMAND_TIMEOUT_S, out, err)
            return False
        self.learn(out)
        shown_http = " (HTTP %s)" % got_http if got_http is not None else ""
        if rc != want_exit:
            self.fail(cmd, "exit %d%s, want %d%s" % (rc, shown_http, want_exit,
                      " (HTTP %d)" % want_http if want_http else ""), out, err)
        elif want_http is not None and got_http != want_http:
            self.fail(cmd, "HTTP %s, the doc says %d" % (got_http, want_http), out, err)
        elif want_out is not None and out.rstrip("\n") != want_out:
            self.fail(cmd, "printed something else than the doc's `# =>` line(s):\n    want: %s\n    got:  %s"
                      % (want_out, out.rstrip("\n")))
        else:
            print("ok   %s (%.1fs) %s" % (cmd.where(), time.monotonic() - t0, cmd.shown()), flush=True)
        return True

    def run_file(self, path, cmds):
        name = re.sub(r"[^A-Za-z0-9.]", "_", path)
        work = os.path.join(self.a.work, name)
        subprocess.run(["cp", "-a", os.path.join(self.a.work, "template"), work], check=True)
        tmp = os.path.join(self.a.work, name + ".run")
        os.makedirs(tmp)
        env = dict(os.environ)
        env.pop("PHISCRIBE_DATA", None)
        env.update(PATH=os.path.join(work, "bin") + ":" + env["PATH"], HOME=os.path.join(work, "home"),
                   DOCS_HTTP_STATUS_FILE=os.path.join(tmp, "http"))
        self.reset_state()
        sess = Session(work, env)
        try:
            for cmd in cmds:
                if self.run_command(sess, cmd, work, tmp) is False:
                    sess.close()
                    sess = Session(work, env)  # the shell was lost: carry on in a new one
        finally:
            sess.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    errors, skipped, per_file = [], [], []
    for f in a.files:
        rel = os.path.relpath(f, a.top)
        per_file.append((rel, parse_file(rel, open(f).read(), errors, skipped)))
    if len(skipped) > MAX_NO_TEST:
        errors.append("%d blocks are marked no-test (at most %d): make some runnable: %s"
                      % (len(skipped), MAX_NO_TEST, ", ".join(skipped)))
    for e in errors:
        print("FAIL " + e, flush=True)
    r = Runner(a)
    for rel, cmds in per_file:
        r.run_file(rel, cmds)
    n = sum(len(c) for _, c in per_file)
    print("docs: %d commands from %d files run, %d failed; not run (no-test): %s"
          % (r.ran, len(per_file), len(r.failures), ", ".join(skipped) or "none"))
    if errors or r.failures or r.ran != n:
        print("\ndocs test failures (file:line: command):")
        for m in errors + r.failures:
            print("  " + m)
        sys.exit(1)


if __name__ == "__main__":
    main()
