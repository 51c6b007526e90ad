#!/usr/bin/env python3
"""Slow-client attacks on a TLS server, for test_transport_hardening.sh.

usage: slow_clients.py PORT CAFILE SOURCE MODE [ARGS]
  flood N STOPFILE   open N connections from SOURCE one after another; each
                     that completes its TLS handshake sends a request line
                     and then one header line a second (never the blank line
                     that ends the head). Prints, once all N are tried:
                       {"opened": K, "refused": R, "first_refused": I}
                     (I = the 1-based number of the first connection refused,
                     0 if none), keeps trickling until STOPFILE exists, then
                     prints {"alive_at_stop": A} and exits.
  head               one connection trickling header lines; prints "closed"
                     once the server closes it ("held" after 300 s)
  body KEY FILE      one upload of FILE (POST /v1/transcripts, audio/wav)
                     trickling one byte every 0.2 s; prints "closed" or "held"
                     the same way
A connection counts as refused when the server closes it before or during
the TLS handshake (the per-address cap, the connection limit).
"""
import json, os, socket, ssl, sys, time

port, cafile, source, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)


def connect():
    raw = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))
    return ctx.wrap_socket(raw, server_hostname="localhost")


def closed(s):
    """True once the server has closed s (reads end of stream or an error)."""
    s.settimeout(0.01)
    try:
        return s.recv(4096) == b""
    except (socket.timeout, ssl.SSLWantReadError):
        return False
    except (ConnectionError, ssl.SSLError, OSError):
        return True


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
    """Sends head, then the next of pieces every `every` seconds (pieces: bytes
    to repeat, or an iterator)."""
    s = connect()
    send(s, head)
    start = time.time()
    while time.time() - start < 300:
        piece = pieces if isinstance(pieces, bytes) else next(pieces, b"")
        if closed(s) or not send(s, piece):
            print("closed", flush=True)
            return
        time.sleep(every)
    print("held", flush=True)


if mode == "flood":
    flood(int(sys.argv[5]), sys.argv[6])
elif mode == "head":
    trickle(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n", b"X-Slow: 1\r\n", 0.5)
elif mode == "body":
    audio = open(sys.argv[6], "rb").read()
    trickle(("POST /v1/transcripts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: audio/wav\r\nContent-Length: %d\r\n\r\n"
             % (sys.argv[5], len(audio))).encode(), iter(audio[i:i + 1] for i in range(len(audio))), 0.2)
else:
    sys.exit("unknown mode " + mode)
