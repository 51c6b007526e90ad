#!/usr/bin/env python3
"""Raw TLS client probes for test_http_tls.sh: slow clients and connection caps.

usage: http_probe.py PORT CAFILE MODE [ARGS]
  idle SECS          send half a request line, then nothing; print seconds until the server closes
  drip-headers SECS  send one header byte per second; print seconds until the server closes
  drip-body SECS     send headers (Content-Length 100000) then one body byte per second; same
  hold N SECS        open N TLS connections, keep them SECS seconds; print how many were usable
Each mode gives up after SECS seconds and prints -1 if the server never closed.
"""
import socket, ssl, sys, time

port, cafile, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)


def connect():
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
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
else:
    sys.exit("unknown mode " + mode)
