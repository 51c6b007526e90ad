#!/usr/bin/env python3
"""System calls a process used that a systemd unit's SystemCallFilter= would
refuse (for test_packaging.sh).

usage: unit_syscalls.py UNIT STRACE_SUMMARY

UNIT's SystemCallFilter= lines are read in order as systemd reads them: the
first without `~` makes an allow list, later ones add to it, `~` lines take
out of it; groups (@name) are expanded with `systemd-analyze syscall-filter`.
STRACE_SUMMARY is the table `strace -f -c -o FILE` writes. Prints the used
calls the filter refuses, one a line, and exits 1 if there is any; prints
how many were checked otherwise.
"""
import subprocess, sys

def members(group, memo={}):
    if group not in memo:
        out = subprocess.run(["systemd-analyze", "syscall-filter", group],
                             capture_output=True, text=True, check=True).stdout
        names = set()
        for line in out.splitlines():
            name = line.strip()
            if not line.startswith("    ") or not name or name.startswith("#"):
                continue
            names |= members(name) if name.startswith("@") else {name}
        memo[group] = names
    return memo[group]

def expand(words):
    names = set()
    for w in words:
        names |= members(w) if w.startswith("@") else {w}
    return names

def allowed(unit):
    allow = None
    for line in open(unit):
        line = line.strip()
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        deny = value.startswith("~")
        names = expand(value.lstrip("~").split())
        if allow is None:
            if deny:
                sys.exit("the unit's first SystemCallFilter= is a deny list: not handled here")
            allow = names
        elif deny:
            allow -= names
        else:
            allow |= names
    if allow is None:
        sys.exit("the unit has no SystemCallFilter=")
    return allow

def used(summary):
    names = set()
    for line in open(summary):
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
            names.add(parts[-1])
    return names

ok = allowed(sys.argv[1])
calls = used(sys.argv[2])
if not calls:
    sys.exit("no system calls in " + sys.argv[2])
refused = sorted(calls - ok)
for name in refused:
    print(name)
if not refused:
    print("%d system calls used, all allowed" % len(calls))
sys.exit(1 if refused else 0)
