#!/usr/bin/env python3
"""Raw TLS client probes for test_http_tls.sh and test_transport_hardening.sh:
slow clients and connection caps.

usage: http_probe.py [--source ADDR] PORT CAFILE MODE [ARGS]
  idle SECS          send half a request line, then nothing; print seconds until the server closes
  drip-headers SECS  send one header byte per second; print seconds until the server closes
  drip-body SECS     send headers (Content-Length 100000) then one body byte per second; same
  hold N SECS        open N TLS connections, keep them SECS seconds; print how many were usable
Each mode above gives up after SECS seconds and prints -1 if the server never closed.
  flood N STOPFILE   open N connections one after another; each that completes its TLS
                     handshake sends a request line, then one header line a second (never
                     the blank line that ends the head). Prints, once all N are tried,
                       {"opened": K, "refused": R, "first_refused": I}
                     (I: the 1-based number of the first connection refused, 0 if none),
                     keeps trickling until STOPFILE exists, then prints
                     {"alive_at_stop": A}. Refused: closed before or during the handshake.
  slow-head          one connection trickling a header line every 0.5 s: prints "closed" once
                     the server closes it, "held" after 300 s
  slow-upload KEY FILE  POST /v1/transcripts of FILE (audio/wav), one byte every 0.2 s;
                     prints "closed" or "held" the same way
--source binds the client side to ADDR (any 127/8 address reaches a loopback listener).
"""
import json, os, socket, ssl, sys, time

source = None
if sys.argv[1] == "--source":
    source = sys.argv[2]
    del sys.argv[1:3]
port, cafile, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)


def connect():
    raw = socket.create_connection(("127.0.0.1", port), timeout=30,
                                   source_address=(source, 0) if source else None)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def closed(s):
    """True once the server has closed the connection (reads EOF or reset)."""
    s.settimeout(0.05)
    try:
        return s.recv(4096) == b""
    except (socket.timeout, ssl.SSLWantReadError):
        return False
    except (ConnectionError, ssl.SSLError, OSError):
        return True


def drip(s, data, limit):
    start = time.time()
    i = 0
    while time.time() - start < limit:
        if closed(s):
            return time.time() - start
        if data is not None and i < len(data):
            try:
                s.sendall(data[i:i + 1])
            except (ConnectionError, ssl.SSLError, OSError):
                return time.time() - start
            i += 1
        time.sleep(1 if data is not None else 0.1)
    return -1


def send(s, data):
    try:
        s.sendall(data)
        return True
    except (ConnectionError, ssl.SSLError, OSError):
        return False


def flood(n, stopfile):
    conns, refused, first = [], 0, 0
    for i in range(1, n + 1):
        try:
            s = connect()
        except (ConnectionError, ssl.SSLError, OSError):
            refused += 1
            first = first or i
            continue
        if send(s, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n"):
            conns.append(s)
    print(json.dumps({"opened": len(conns), "refused": refused, "first_refused": first}),
          flush=True)
    while not os.path.exists(stopfile):
        conns = [s for s in conns if not closed(s) and send(s, b"X-Slow: 1\r\n")]
        time.sleep(1)
    print(json.dumps({"alive_at_stop": len([s for s in conns if not closed(s)])}), flush=True)


def trickle(head, pieces, every):
    """Sends head, then the next piece every `every` seconds until the server
    closes the connection (pieces: bytes to repeat, or an iterator)."""
    s = connect()
    send(s, head)
    start = time.time()
    while time.time() - start < 300:
        piece = pieces if isinstance(pieces, bytes) else next(pieces, b"")
        if closed(s) or not send(s, piece):
            return "closed"
        time.sleep(every)
    return "held"


if mode == "idle":
    s = connect()
    s.sendall(b"GET /echo/x HT")
    print("%.1f" % drip(s, None, float(sys.argv[4])))
elif mode == "drip-headers":
    s = connect()
    print("%.1f" % drip(s, b"GET /echo/x HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200, float(sys.argv[4])))
elif mode == "drip-body":
    s = connect()
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=b\r\n"
              b"Content-Length: 100000\r\n\r\n")
    print("%.1f" % drip(s, b"x" * 100000, float(sys.argv[4])))
elif mode == "hold":
    n, secs = int(sys.argv[4]), float(sys.argv[5])
    conns = []
    for _ in range(n):
        try:
            c = connect()
            conns.append(c)
        except (ConnectionError, ssl.SSLError, OSError):
            pass
    time.sleep(0.3)
    usable = [c for c in conns if not closed(c)]
    print(len(usable), flush=True)
    time.sleep(secs)
    for c in conns:
        c.close()
elif mode == "flood":
    flood(int(sys.argv[4]), sys.argv[5])
elif mode == "slow-head":
    print(trickle(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n", b"X-Slow: 1\r\n", 0.5))
elif mode == "slow-upload":
    audio = open(sys.argv[5], "rb").read()
    head = ("POST /v1/transcripts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: audio/wav\r\nContent-Length: %d\r\n\r\n" % (sys.argv[4], len(audio)))
    print(trickle(head.encode(), iter(audio[i:i + 1] for i in range(len(audio))), 0.2))
else:
    sys.exit("unknown mode " + mode)
