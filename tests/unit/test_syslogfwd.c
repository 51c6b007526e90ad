/* Unit tests for syslogfwd: the RFC 5424 line of a known record (priority,
 * structured data, escaping, only audit fields), and forwarding to real
 * loopback sockets the test opens: UDP datagrams, TCP with RFC 6587 octet
 * counting, and what happens while the collector is gone (nothing is
 * marked sent; the next forwarder resumes with exactly the missed records). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "crypto/crypto.h"
#include "records/audit.h"
#include "records/syslogfwd.h"
#include "store/store.h"
#include "fixture.h"

#define MAX_MSGS 64

struct fx {
    struct fx_store st;
    char host[256];
};

/* What a collector received: messages split out of datagrams or frames. */
struct inbox {
    char *msg[MAX_MSGS];
    int n;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || fx_store_open(&f->st, "syslog", NULL) < 0)
        return -1;
    /* The forwarder's hostname rule: printable, no spaces. */
    if (gethostname(f->host, sizeof(f->host)) != 0)
        f->host[0] = '\0';
    f->host[sizeof(f->host) - 1] = '\0';
    for (char *p = f->host; *p; p++)
        if (*p <= ' ' || *p > '~')
            *p = '-';
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int rc = fx_store_close(&f->st);
    free(f);
    return rc;
}

static void inbox_free(struct inbox *in)
{
    for (int i = 0; i < in->n; i++)
        free(in->msg[i]);
    in->n = 0;
}

/* A socket bound to 127.0.0.1 on port (0: any); *port gets the port. */
static int collector_open(int type, uint16_t *port)
{
    int fd = socket(AF_INET, type, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(*port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(fd, 4), 0);
    return fd;
}

static void keep(struct inbox *in, const char *p, size_t n)
{
    assert_true(in->n < MAX_MSGS);
    in->msg[in->n] = strndup(p, n);
    assert_non_null(in->msg[in->n]);
    assert_int_equal(strlen(in->msg[in->n]), n); /* no NUL inside a message */
    in->n++;
}

/* Every datagram already queued on fd, one message each. */
static void udp_drain(int fd, struct inbox *in)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        keep(in, buf, (size_t)n);
}

/* Accepts the one connection the (stopped) forwarder made and splits its
 * stream into octet-counted frames "LEN SP MSG"; fails on a bad frame. */
static void tcp_drain(int lfd, struct inbox *in)
{
    int c = accept(lfd, NULL, NULL);
    assert_true(c >= 0);
    static char buf[1 << 16];
    size_t len = 0;
    ssize_t n;
    while ((n = recv(c, buf + len, sizeof(buf) - len, 0)) > 0)
        len += (size_t)n;
    close(c);
    size_t pos = 0;
    while (pos < len) {
        size_t frame = 0, digits = 0;
        while (pos + digits < len && buf[pos + digits] >= '0' && buf[pos + digits] <= '9')
            frame = frame * 10 + (size_t)(buf[pos + digits++] - '0');
        assert_true(digits > 0 && buf[pos] != '0');
        assert_true(pos + digits < len && buf[pos + digits] == ' ');
        pos += digits + 1;
        assert_true(frame > 0 && pos + frame <= len);
        keep(in, buf + pos, frame);
        pos += frame;
    }
}

static int64_t append(struct fx *f, const char *action, const char *outcome, const char *reason)
{
    const struct audit_event ev = {.request_id = "req_0123",
                                   .tenant = "clinic",
                                   .actor = "key_abc",
                                   .roles = "transcribe",
                                   .action = action,
                                   .resource_type = "transcript",
                                   .resource_id = "tr_1",
                                   .outcome = outcome,
                                   .http_status = 200,
                                   .source = "127.0.0.1",
                                   .reason = reason};
    store_tx *tx;
    int64_t seq = 0;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(audit_append(tx, &ev, &seq), 0);
    assert_int_equal(store_commit(tx), 0);
    return seq;
}

static int64_t forwarded_setting(struct fx *f)
{
    store_tx *tx;
    int64_t v = 0;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_setting_get_int(tx, "syslog.forwarded_seq", -1, &v), 0);
    store_rollback(tx);
    return v;
}

static syslogfwd *start(struct fx *f, const char *proto, uint16_t port)
{
    char target[64], why[256] = "";
    int err = 0;
    snprintf(target, sizeof(target), "%s://127.0.0.1:%u", proto, port);
    syslogfwd *fw = syslogfwd_start(f->st.s, target, 50, &err, why, sizeof(why));
    if (!fw)
        fprintf(stderr, "syslogfwd_start: %s\n", why);
    assert_non_null(fw);
    assert_int_equal(err, 0);
    return fw;
}

/* The seq of an audit-record message ("... audit record N"), or -1 for a
 * checkpoint. Checks the shape every record message has. */
static int64_t record_seq(const char *m)
{
    if (strstr(m, " phiscribe - audit.checkpoint [phiscribe@32473 n=\""))
        return -1;
    assert_true(!strncmp(m, "<109>1 ", 7) || !strncmp(m, "<108>1 ", 7));
    const char *tail = strstr(m, "] audit record ");
    assert_non_null(tail);
    char *end;
    long long seq = strtoll(tail + 15, &end, 10);
    assert_true(*end == '\0' && seq > 0);
    char want[48];
    snprintf(want, sizeof(want), "[phiscribe@32473 seq=\"%lld\"", seq);
    assert_non_null(strstr(m, want));
    for (const char *p = m; *p; p++)
        assert_true(*p >= ' ' && *p <= '~');
    return seq;
}

/* The record seqs of in, in order (checkpoints left out). */
static int record_seqs(const struct inbox *in, int64_t *seqs, int max)
{
    int n = 0;
    for (int i = 0; i < in->n; i++) {
        int64_t s = record_seq(in->msg[i]);
        if (s > 0) {
            assert_true(n < max);
            seqs[n++] = s;
        }
    }
    return n;
}

static void format_of_a_known_record(void **state)
{
    (void)state;
    struct store_audit_record r;
    memset(&r, 0, sizeof(r));
    r.seq = 42;
    snprintf(r.time, sizeof(r.time), "2026-12-02T01:02:03.000004Z");
    snprintf(r.node, sizeof(r.node), "0123456789abcdef");
    snprintf(r.tenant, sizeof(r.tenant), "clinic");
    snprintf(r.actor, sizeof(r.actor), "key_abc");
    snprintf(r.action, sizeof(r.action), "transcript.read");
    snprintf(r.resource_type, sizeof(r.resource_type), "transcript");
    snprintf(r.resource_id, sizeof(r.resource_id), "tr_1");
    snprintf(r.outcome, sizeof(r.outcome), "success");
    r.http_status = 200;
    snprintf(r.source, sizeof(r.source), "10.0.0.7");
    snprintf(r.reason, sizeof(r.reason), "a \"quoted\" \\ [x] reason");
    r.audio_bytes = -1;
    r.audio_duration_ms = 0;
    char out[4096];
    int n = syslogfwd_format(&r, "host-1", out, sizeof(out));
    const char *want =
        "<109>1 2026-12-02T01:02:03.000004Z host-1 phiscribe - transcript.read "
        "[phiscribe@32473 seq=\"42\" time=\"2026-12-02T01:02:03.000004Z\" "
        "node=\"0123456789abcdef\" tenant=\"clinic\" actor=\"key_abc\" "
        "action=\"transcript.read\" resource_type=\"transcript\" resource_id=\"tr_1\" "
        "outcome=\"success\" http_status=\"200\" source=\"10.0.0.7\" "
        "reason=\"a \\\"quoted\\\" \\\\ [x\\] reason\"] audit record 42";
    assert_string_equal(out, want);
    assert_int_equal(n, (int)strlen(want));

    /* Refusals and failures are warnings (severity 4); no hostname is "-". */
    snprintf(r.outcome, sizeof(r.outcome), "denied");
    assert_true(syslogfwd_format(&r, "", out, sizeof(out)) > 0);
    const char *denied = "<108>1 2026-12-02T01:02:03.000004Z - phiscribe - transcript.read [";
    assert_int_equal(strncmp(out, denied, strlen(denied)), 0);
    snprintf(r.outcome, sizeof(r.outcome), "failure");
    assert_true(syslogfwd_format(&r, "h", out, sizeof(out)) > 0);
    assert_int_equal(strncmp(out, "<108>1 ", 7), 0);
    /* The audio fields appear when present. */
    r.audio_bytes = 320044;
    r.audio_duration_ms = 10000;
    snprintf(r.audio_sha256, sizeof(r.audio_sha256), "%064d", 7);
    assert_true(syslogfwd_format(&r, "h", out, sizeof(out)) > 0);
    assert_non_null(strstr(out, " audio_bytes=\"320044\" audio_duration_ms=\"10000\" "));
    assert_non_null(strstr(out, " audio_sha256=\"0000"));
    /* Too small: an error, never a cut message. */
    assert_int_equal(syslogfwd_format(&r, "h", out, 40), PHS_ETOOBIG);
    assert_int_equal(syslogfwd_format(&r, "h", out, (size_t)n - 10), PHS_ETOOBIG);

    struct store_audit_checkpoint c;
    memset(&c, 0, sizeof(c));
    c.n = 3;
    c.seq = 99;
    snprintf(c.time, sizeof(c.time), "2026-12-02T01:02:03.000004Z");
    snprintf(c.node, sizeof(c.node), "0123456789abcdef");
    memset(c.chain_hash, 0xab, sizeof(c.chain_hash));
    memset(c.signature, 0x01, sizeof(c.signature));
    assert_true(syslogfwd_format_checkpoint(&c, "h", out, sizeof(out)) > 0);
    const char *cp_head = "<109>1 2026-12-02T01:02:03.000004Z h phiscribe - audit.checkpoint "
                          "[phiscribe@32473 n=\"3\" seq=\"99\" chain_hash=\"abababab";
    assert_int_equal(strncmp(out, cp_head, strlen(cp_head)), 0);
    assert_non_null(
        strstr(out, " time=\"2026-12-02T01:02:03.000004Z\" node=\"0123456789abcdef\" "));
    assert_non_null(strstr(out, " signature=\"0101010101"));
    assert_non_null(strstr(out, " prev=\"0000000000000000000000000000000000000000000000000000"));
    assert_non_null(strstr(out, "\"] audit checkpoint 3"));
    assert_int_equal(syslogfwd_format_checkpoint(&c, "h", out, 100), PHS_ETOOBIG);
}

static void targets(void **state)
{
    (void)state;
    char why[128];
    assert_int_equal(syslogfwd_parse_target("udp://127.0.0.1:514", why, sizeof(why)), 0);
    assert_int_equal(syslogfwd_parse_target("tcp://localhost:6514", why, sizeof(why)), 0);
    assert_int_equal(syslogfwd_parse_target("tcp://[::1]:6514", why, sizeof(why)), 0);
    const char *bad[] = {"127.0.0.1:514",       "http://127.0.0.1:514",
                         "udp://127.0.0.1",     "udp://:514",
                         "udp://127.0.0.1:0",   "udp://127.0.0.1:65536",
                         "udp://127.0.0.1:51x", "udp://siem.example.org:514"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(syslogfwd_parse_target(bad[i], why, sizeof(why)), PHS_EINVAL);
        assert_true(why[0] != '\0');
    }
    int err = 0;
    assert_null(syslogfwd_start(NULL, "udp://nowhere:1", 50, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EINVAL);
}

/* UDP: one datagram a record, in order; records committed before the first
 * start are not sent (forwarding starts with what is committed from then). */
static void udp_one_datagram_a_record(void **state)
{
    struct fx *f = *state;
    uint16_t port = 0;
    int fd = collector_open(SOCK_DGRAM, &port);
    int64_t before = append(f, "key.create", "success", NULL);
    syslogfwd *fw = start(f, "udp", port);
    int64_t seq[3];
    seq[0] = append(f, "transcript.read", "success", NULL);
    seq[1] = append(f, "transcript.read", "denied", "role");
    seq[2] = append(f, "transcript.delete", "failure", "a \"why\"");
    syslogfwd_stop(fw); /* sends what is left before it returns */
    struct inbox in = {0};
    udp_drain(fd, &in);
    close(fd);
    int64_t got[MAX_MSGS];
    assert_int_equal(record_seqs(&in, got, MAX_MSGS), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(got[i], seq[i]);
    assert_true(before < seq[0]);
    /* the message of seq[1]: a warning, its fields, nothing else */
    const char *m = NULL;
    for (int i = 0; i < in.n; i++)
        if (record_seq(in.msg[i]) == seq[1])
            m = in.msg[i];
    assert_non_null(m);
    char head[320];
    snprintf(head, sizeof(head), "<108>1 ");
    assert_int_equal(strncmp(m, head, strlen(head)), 0);
    snprintf(head, sizeof(head), " %s phiscribe - transcript.read [phiscribe@32473 seq=", f->host);
    assert_non_null(strstr(m, head));
    assert_non_null(strstr(m, " tenant=\"clinic\" actor=\"key_abc\" roles=\"transcribe\" "));
    assert_non_null(strstr(m, " outcome=\"denied\" http_status=\"200\" source=\"127.0.0.1\" "
                              "reason=\"role\"]"));
    /* Every SD-PARAM is one of the audit record's fields. */
    for (const char *p = strchr(m, '['); (p = strchr(p, ' ')) && p < strrchr(m, ']'); p++) {
        const char *eq = strchr(p, '=');
        if (!eq || eq[1] != '"')
            continue;
        bool known = false;
        for (size_t k = 0; k < store_audit_field_count; k++)
            known |= strlen(store_audit_fields[k].name) == (size_t)(eq - p - 1) &&
                     !strncmp(store_audit_fields[k].name, p + 1, (size_t)(eq - p - 1));
        assert_true(known);
    }
    assert_int_equal(forwarded_setting(f), seq[2]);
    inbox_free(&in);
}

/* TCP with octet counting; then the collector goes away: records made
 * meanwhile are not marked sent, and a forwarder started after it is back
 * sends exactly those, once. */
static void tcp_frames_and_collector_outage(void **state)
{
    struct fx *f = *state;
    uint16_t port = 0;
    int lfd = collector_open(SOCK_STREAM, &port);
    syslogfwd *fw = start(f, "tcp", port);
    int64_t a = append(f, "transcript.read", "success", NULL);
    int64_t b = append(f, "transcript.read", "success", "x]y");
    syslogfwd_stop(fw);
    struct inbox in = {0};
    tcp_drain(lfd, &in);
    int64_t got[MAX_MSGS];
    assert_int_equal(record_seqs(&in, got, MAX_MSGS), 2);
    assert_int_equal(got[0], a);
    assert_int_equal(got[1], b);
    assert_int_equal(forwarded_setting(f), b);
    inbox_free(&in);

    /* Collector gone: connect is refused, nothing is marked sent. */
    close(lfd);
    fw = start(f, "tcp", port);
    int64_t c = append(f, "transcript.delete", "success", NULL);
    int64_t d = append(f, "key.revoke", "success", NULL);
    syslogfwd_stop(fw);
    assert_int_equal(forwarded_setting(f), b);

    /* Back on the same port: the missed records, in order, and no repeat. */
    lfd = collector_open(SOCK_STREAM, &port);
    fw = start(f, "tcp", port);
    syslogfwd_stop(fw);
    tcp_drain(lfd, &in);
    close(lfd);
    assert_int_equal(record_seqs(&in, got, MAX_MSGS), 2);
    assert_int_equal(got[0], c);
    assert_int_equal(got[1], d);
    assert_int_equal(forwarded_setting(f), d);
    inbox_free(&in);
}

int main(void)
{
    crypto_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_of_a_known_record),
        cmocka_unit_test(targets),
        cmocka_unit_test_setup_teardown(udp_one_datagram_a_record, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tcp_frames_and_collector_outage, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
