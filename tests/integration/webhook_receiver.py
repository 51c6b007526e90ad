#!/usr/bin/env python3
"""A webhook receiver for test_webhooks.sh: HTTPS on a random loopback port
with its own certificate, checking each delivery's Standard Webhooks
signature with the webhook's secret.

usage: webhook_receiver.py CERT KEY DIR
Prints the port. Answers 503 until DIR/accept exists, then 204. Each
request is appended to DIR/received.jsonl: headers, body, whether the
signature verified with the secret in DIR/secret (read at each request)."""
import base64, hashlib, hmac, http.server, json, os, ssl, sys

cert, key, d = sys.argv[1:]


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mid, ts = self.headers.get("webhook-id", ""), self.headers.get("webhook-timestamp", "")
        sigs = self.headers.get("webhook-signature", "").split()
        ok = False
        if os.path.exists(os.path.join(d, "secret")):
            secret = open(os.path.join(d, "secret")).read().strip()
            k = base64.b64decode(secret.split("_", 1)[1])
            want = base64.b64encode(hmac.new(k, b"%s.%s.%s" % (mid.encode(), ts.encode(), body),
                                             hashlib.sha256).digest()).decode()
            ok = any(s == "v1," + want for s in sigs)
        accepted = os.path.exists(os.path.join(d, "accept"))
        with open(os.path.join(d, "received.jsonl"), "a") as f:
            f.write(json.dumps({"path": self.path, "id": mid, "timestamp": ts, "sig_ok": ok,
                                "content_type": self.headers.get("Content-Type"),
                                "accepted": accepted, "body": body.decode()}) + "\n")
        self.send_response(204 if accepted else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
