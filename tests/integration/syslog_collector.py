#!/usr/bin/env python3
"""A minimal syslog collector: UDP datagrams or RFC 6587 octet-counted TCP.

usage: syslog_collector.py udp|tcp OUT: prints the port it listens on, writes
each message received to OUT, one a line (test_syslog.sh, test_break_glass.sh)."""
import socket, sys, threading
proto, out = sys.argv[1], open(sys.argv[2], "w", buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
if proto == "udp":
    while True:
        out.write(s.recv(65535).decode() + "\n")
s.listen(4)
def serve(c):
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            return
        buf += d
        while b" " in buf:
            n, rest = buf.split(b" ", 1)
            if len(rest) < int(n):
                break
            out.write(rest[: int(n)].decode() + "\n"); buf = rest[int(n):]
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
