#!/usr/bin/env python3
"""Sends raw requests over TLS, one connection each, and prints what came
back: for requests curl will not send (NUL bytes, Content-Length with
chunked, bad escapes).

usage: raw_request.py PORT CAFILE REQUEST...
Each REQUEST is the text of a Python bytes literal, e.g.
'GET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n' (escapes such as \\x00 and \\r\\n are
decoded). Prints one JSON object per request, one a line:
  {"status": 400, "headers": {"content-type": ...}, "body": "...", "closed": true}
"closed" says whether the server closed the connection after its answer
(read until the end of the stream; a read gives up after 60 s of silence).
"""
import ast, json, socket, ssl, sys

port, cafile = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=cafile)


def exchange(request):
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60),
                           server_hostname="localhost")
    try:
        sock.sendall(request)
    except OSError:
        pass  # the server may answer and close before taking everything
    data, closed = b"", False
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except (ssl.SSLError, OSError):
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return {"status": status, "headers": headers,
            "body": body.decode("utf-8", "replace"), "closed": closed}


for raw in sys.argv[3:]:
    request = ast.literal_eval("b'" + raw.replace("'", "\\'") + "'")
    print(json.dumps(exchange(request)), flush=True)
