/* Unit tests for the streaming multipart/form-data parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "http/multipart.h"

#define CT "multipart/form-data; boundary=XyZ-b0undary"

/* Records every event as text so two parses can be compared exactly. */
struct rec {
    char log[64 * 1024];
    size_t len;
    size_t data_calls;
    int fail_on_data; /* return this from file_data when non-zero */
};

static void rec_add(struct rec *r, const char *s, size_t n)
{
    assert_true(r->len + n < sizeof(r->log));
    memcpy(r->log + r->len, s, n);
    r->len += n;
    r->log[r->len] = '\0';
}

static void rec_str(struct rec *r, const char *s)
{
    rec_add(r, s, strlen(s));
}

static int on_file_begin(void *ctx, const struct multipart_part *p)
{
    struct rec *r = ctx;
    rec_str(r, "[file ");
    rec_str(r, p->name);
    rec_str(r, " fn=");
    rec_str(r, p->filename);
    rec_str(r, " ct=");
    rec_str(r, p->content_type ? p->content_type : "-");
    rec_str(r, "]");
    return 0;
}

static int on_file_data(void *ctx, const uint8_t *d, size_t n)
{
    struct rec *r = ctx;
    assert_true(n > 0);
    r->data_calls++;
    if (r->fail_on_data)
        return r->fail_on_data;
    rec_add(r, (const char *)d, n);
    return 0;
}

static int on_file_end(void *ctx, const struct multipart_part *p)
{
    rec_str(ctx, "[end]");
    return 0;
}

static int on_field(void *ctx, const struct multipart_part *p, const char *v, size_t n)
{
    struct rec *r = ctx;
    assert_int_equal(v[n], '\0');
    rec_str(r, "[field ");
    rec_str(r, p->name);
    rec_str(r, "=");
    rec_add(r, v, n);
    rec_str(r, "]");
    return 0;
}

static const struct multipart_callbacks cbs = {
    .file_begin = on_file_begin, .file_data = on_file_data, .file_end = on_file_end, .field = on_field};

/* Parses body fed in the given chunk sizes pattern: split1/split2 are cut
 * points (0 = none); step > 0 feeds that many bytes at a time. */
static int parse(const char *ct, const char *body, size_t len, size_t cut, size_t step,
                 const struct multipart_limits *lim, struct rec *r)
{
    struct multipart *mp = NULL;
    int rc = multipart_new(ct, lim, &cbs, r, &mp);
    if (rc < 0)
        return rc;
    if (step) {
        for (size_t i = 0; i < len && rc == 0; i += step)
            rc = multipart_feed(mp, body + i, len - i < step ? len - i : step);
    } else {
        rc = multipart_feed(mp, body, cut);
        if (rc == 0)
            rc = multipart_feed(mp, body + cut, len - cut);
    }
    if (rc == 0)
        rc = multipart_finish(mp);
    const char *e = multipart_error(mp);
    assert_non_null(e);
    if (rc < 0)
        assert_true(strlen(e) > 0);
    multipart_free(mp);
    return rc;
}

/* Parses body whole, then split at every byte position, then byte by byte,
 * and checks every way gives the same result and the same events. */
static int parse_all_ways(const char *ct, const char *body, size_t len,
                          const struct multipart_limits *lim, struct rec *whole)
{
    memset(whole, 0, sizeof(*whole));
    int rc = parse(ct, body, len, len, 0, lim, whole);
    static struct rec r;
    for (size_t cut = 0; cut <= len; cut++) {
        memset(&r, 0, sizeof(r));
        int rc2 = parse(ct, body, len, cut, 0, lim, &r);
        assert_int_equal(rc2, rc);
        if (rc == 0)
            assert_string_equal(r.log, whole->log);
    }
    for (size_t step = 1; step <= 3; step++) {
        memset(&r, 0, sizeof(r));
        assert_int_equal(parse(ct, body, len, 0, step, lim, &r), rc);
        if (rc == 0)
            assert_string_equal(r.log, whole->log);
    }
    return rc;
}

#define PARSE(body, rec) parse_all_ways(CT, body, sizeof(body) - 1, NULL, rec)

static void test_basic(void **state)
{
    static const char body[] =
        "--XyZ-b0undary\r\n"
        "Content-Disposition: form-data; name=\"model\"\r\n"
        "\r\n"
        "whisper-1\r\n"
        "--XyZ-b0undary\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"a b.wav\"\r\n"
        "Content-Type: audio/wav\r\n"
        "\r\n"
        "RIFF\x01\x02\r\n\r\ndata\r\n"
        "--XyZ-b0undary--\r\n";
    static struct rec r;
    assert_int_equal(PARSE(body, &r), 0);
    assert_string_equal(r.log, "[field model=whisper-1][file file fn=a b.wav ct=audio/wav]"
                               "RIFF\x01\x02\r\n\r\ndata[end]");
}

static void test_boundary_like_content(void **state)
{
    /* Near-misses of the delimiter inside file data must come through intact. */
    static const char body[] =
        "--XyZ-b0undary\r\n"
        "Content-Disposition: form-data; name=f; filename=x\r\n"
        "\r\n"
        "--XyZ-b0undary\r\n"     /* no CRLF before: data */
        "\r\n--XyZ-b0undar\r\n"   /* one char short */
        "\r\r\n--XyZ-b0undarX"   /* CR CR LF, then a wrong last char */
        "\r\n-XyZ-b0undary\r"    /* one dash */
        "\r\n--XyZ-b0undary";    /* the real delimiter, then the close */
    static const char tail[] = "--\r\n";
    char full[512];
    size_t n = sizeof(body) - 1;
    memcpy(full, body, n);
    memcpy(full + n, tail, sizeof(tail));
    static struct rec r;
    assert_int_equal(parse_all_ways(CT, full, n + sizeof(tail) - 1, NULL, &r), 0);
    assert_string_equal(r.log, "[file f fn=x ct=-]"
                               "--XyZ-b0undary\r\n"
                               "\r\n--XyZ-b0undar\r\n"
                               "\r\r\n--XyZ-b0undarX"
                               "\r\n-XyZ-b0undary\r[end]");
}

static void test_crlf_edges(void **state)
{
    static struct rec r;
    /* Empty file; a field that is only CRLF; a file ending in CR. */
    static const char body[] =
        "--XyZ-b0undary\r\n"
        "Content-Disposition: form-data; name=\"e\"; filename=\"\"\r\n"
        "\r\n"
        "\r\n--XyZ-b0undary\r\n"
        "Content-Disposition: form-data; name=\"crlf\"\r\n"
        "\r\n"
        "\r\n"
        "\r\n--XyZ-b0undary\r\n"
        "content-disposition: FORM-DATA; NAME=c; filename=\"q\\\"uote\"\r\n"
        "\r\n"
        "\r\r\n--XyZ-b0undary--";
    assert_int_equal(PARSE(body, &r), 0);
    assert_string_equal(r.log, "[file e fn= ct=-][end][field crlf=\r\n]"
                               "[file c fn=q\"uote ct=-]\r[end]");
}

static void test_preamble_padding_epilogue(void **state)
{
    static struct rec r;
    static const char body[] =
        "this is a preamble\r\n"
        "--XyZ-b0undary \t\r\n"
        "Content-Disposition: form-data; name=a\r\n"
        "\r\n"
        "1\r\n"
        "--XyZ-b0undary--\r\n"
        "epilogue, ignored\r\n--XyZ-b0undary\r\ngarbage";
    assert_int_equal(PARSE(body, &r), 0);
    assert_string_equal(r.log, "[field a=1]");
}

static void test_quoted_boundary(void **state)
{
    static struct rec r;
    static const char body[] =
        "--a b'()+_,-./:=?\r\n"
        "Content-Disposition: form-data; name=a\r\n"
        "\r\n"
        "v\r\n"
        "--a b'()+_,-./:=?--";
    assert_int_equal(parse_all_ways("Multipart/Form-Data ; charset=x; boundary=\"a b'()+_,-./:=?\"",
                                    body, sizeof(body) - 1, NULL, &r),
                     0);
    assert_string_equal(r.log, "[field a=v]");
}

static void test_content_type_errors(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    assert_int_equal(multipart_boundary("multipart/form-data", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"\"", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"abc", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=a; boundary=b", b),
                     PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"a\r\nb\"", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"ends \"", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"a<b\"", b), PHS_EINVAL);
    assert_int_equal(multipart_boundary(
                         "multipart/form-data; boundary="
                         "12345678901234567890123456789012345678901234567890123456789012345678901",
                         b),
                     PHS_EINVAL);
    assert_int_equal(multipart_boundary("multipart/mixed; boundary=a", b), PHS_EUNSUPPORTED);
    assert_int_equal(multipart_boundary("multipart/form-datax; boundary=a", b), PHS_EUNSUPPORTED);
    assert_int_equal(multipart_boundary("application/json", b), PHS_EUNSUPPORTED);
    assert_int_equal(multipart_boundary("multipart/form-data;boundary=ok", b), 0);
    assert_string_equal(b, "ok");
}

#define HDR "--XyZ-b0undary\r\n"
#define CD_A "Content-Disposition: form-data; name=a\r\n"

static void expect_error(const char *body, int want, const struct multipart_limits *lim)
{
    static struct rec r;
    assert_int_equal(parse_all_ways(CT, body, strlen(body), lim, &r), want);
}

static void test_malformed(void **state)
{
    /* no Content-Disposition */
    expect_error(HDR "Content-Type: text/plain\r\n\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    /* no headers at all */
    expect_error(HDR "\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    /* header line without a colon */
    expect_error(HDR CD_A "Bogus header\r\n\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    /* obsolete folding */
    expect_error(HDR CD_A " folded\r\n\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    /* bare LF inside the header block */
    expect_error(HDR "Content-Disposition: form-data; name=a\nX: y\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    /* not form-data, missing name, empty name, duplicate name, bad quoting */
    expect_error(HDR "Content-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    expect_error(HDR "Content-Disposition: form-data\r\n\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    expect_error(HDR "Content-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    expect_error(HDR "Content-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    expect_error(HDR "Content-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    expect_error(HDR "Content-Disposition: form-data; name=a; junk\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    /* two Content-Disposition or Content-Type headers */
    expect_error(HDR CD_A CD_A "\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    expect_error(HDR CD_A "Content-Type: a/b\r\nContent-Type: a/b\r\n\r\nx\r\n--XyZ-b0undary--",
                 PHS_EINVAL, NULL);
    /* junk after a delimiter */
    expect_error(HDR CD_A "\r\nx\r\n--XyZ-b0undaryX\r\n", PHS_EINVAL, NULL);
    expect_error(HDR CD_A "\r\nx\r\n--XyZ-b0undary-x", PHS_EINVAL, NULL);
    expect_error("--XyZ-b0undary\n" CD_A "\r\nx\r\n--XyZ-b0undary--", PHS_EINVAL, NULL);
    /* unterminated: body ends inside data, inside headers, before any part */
    expect_error(HDR CD_A "\r\nx", PHS_ETRUNCATED, NULL);
    expect_error(HDR CD_A "\r\nx\r\n--XyZ-b0undary", PHS_ETRUNCATED, NULL);
    expect_error(HDR CD_A "\r\nx\r\n--XyZ-b0undary-", PHS_ETRUNCATED, NULL);
    expect_error(HDR "Content-Disposition: form-da", PHS_ETRUNCATED, NULL);
    expect_error("", PHS_ETRUNCATED, NULL);
    expect_error("no delimiter at all", PHS_ETRUNCATED, NULL);
}

static void test_limits(void **state)
{
    struct multipart_limits lim = {.max_parts = 2, .max_header_bytes = 64, .max_field_bytes = 4};
    /* at the limits: fine */
    expect_error(HDR CD_A "\r\n1234\r\n" HDR CD_A "\r\n\r\n--XyZ-b0undary--", 0, &lim);
    /* too many parts */
    expect_error(HDR CD_A "\r\n1\r\n" HDR CD_A "\r\n2\r\n" HDR CD_A "\r\n3\r\n--XyZ-b0undary--",
                 PHS_ETOOBIG, &lim);
    /* oversize field */
    expect_error(HDR CD_A "\r\n12345\r\n--XyZ-b0undary--", PHS_ETOOBIG, &lim);
    /* oversize header block */
    expect_error(HDR CD_A "X-Long: 0123456789012345678901234567890\r\n\r\n1\r\n--XyZ-b0undary--",
                 PHS_ETOOBIG, &lim);
    /* a boundary that never comes within the preamble limit: the body is
     * malformed (400), not too large */
    char body[256];
    memset(body, 'p', 100);
    snprintf(body + 100, sizeof(body) - 100, "\r\n" HDR CD_A "\r\n1\r\n--XyZ-b0undary--");
    expect_error(body, PHS_EINVAL, &lim);
}

struct digest {
    uint64_t sum;
    size_t bytes, calls;
};

static int digest_data(void *ctx, const uint8_t *d, size_t n)
{
    struct digest *g = ctx;
    for (size_t i = 0; i < n; i++)
        g->sum = g->sum * 31 + d[i];
    g->bytes += n;
    g->calls++;
    return 0;
}

static void test_file_data_streams_in_chunks(void **state)
{
    /* A large file part: the parser must not buffer it (several data calls
     * when fed in pieces) and the payload must come through unchanged. */
    size_t payload = 256 * 1024;
    const char *head = HDR "Content-Disposition: form-data; name=file; filename=f.bin\r\n\r\n";
    const char *tail = "\r\n--XyZ-b0undary--\r\n";
    size_t len = strlen(head) + payload + strlen(tail);
    char *body = malloc(len);
    assert_non_null(body);
    memcpy(body, head, strlen(head));
    uint32_t x = 12345;
    for (size_t i = 0; i < payload; i++) {
        x = x * 1103515245u + 12345u;
        /* plenty of CR, LF and '-' to exercise near-matches */
        static const char alphabet[] = "\r\n-XyZb0undary";
        body[strlen(head) + i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
    }
    memcpy(body + strlen(head) + payload, tail, strlen(tail));

    uint64_t want = 0;
    for (size_t i = 0; i < payload; i++)
        want = want * 31 + (uint8_t)body[strlen(head) + i];
    size_t chunk_sizes[] = {1, 7, 1000, 65536};
    for (size_t k = 0; k < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); k++) {
        struct digest d = {0, 0, 0};
        struct multipart_callbacks cb = {.file_data = digest_data};
        struct multipart *mp;
        assert_int_equal(multipart_new(CT, NULL, &cb, &d, &mp), 0);
        size_t step = chunk_sizes[k];
        int rc = 0;
        for (size_t i = 0; i < len && rc == 0; i += step)
            rc = multipart_feed(mp, body + i, len - i < step ? len - i : step);
        assert_int_equal(rc, 0);
        assert_int_equal(multipart_finish(mp), 0);
        assert_int_equal(d.bytes, payload);
        assert_true(d.sum == want);
        assert_true(d.calls > 1);
        multipart_free(mp);
    }
    free(body);
}

static void test_callback_error_stops(void **state)
{
    static struct rec r;
    memset(&r, 0, sizeof(r));
    r.fail_on_data = PHS_ETOOBIG;
    struct multipart *mp;
    assert_int_equal(multipart_new(CT, NULL, &cbs, &r, &mp), 0);
    const char *body = HDR "Content-Disposition: form-data; name=f; filename=a\r\n\r\ndata";
    assert_int_equal(multipart_feed(mp, body, strlen(body)), PHS_ETOOBIG);
    assert_int_equal(multipart_feed(mp, "more", 4), PHS_ETOOBIG);
    assert_int_equal(multipart_finish(mp), PHS_ETOOBIG);
    assert_string_equal(multipart_error(mp), "multipart file data rejected by handler");
    multipart_free(mp);
    multipart_free(NULL);
}

static int refuse_field_named_f(void *ctx, const struct multipart_part *p)
{
    (*(int *)ctx)++;
    assert_null(p->filename);
    return strcmp(p->name, "f") == 0 ? PHS_EINVAL : 0;
}

/* field_begin sees a non-file part before its value, so a part refused by
 * name is refused with the callback's error even when its value is over
 * max_field_bytes (it was the limit's PHS_ETOOBIG: a 413 for a 400). */
static void test_field_begin_refuses_before_the_value(void **state)
{
    struct multipart_limits lim = {.max_field_bytes = 4};
    struct multipart_callbacks cb = {.field_begin = refuse_field_named_f};
    int begun = 0;
    struct multipart *mp;
    assert_int_equal(multipart_new(CT, &lim, &cb, &begun, &mp), 0);
    const char *body = HDR CD_A "\r\n1234\r\n" HDR
                           "Content-Disposition: form-data; name=f\r\n\r\n0123456789\r\n";
    assert_int_equal(multipart_feed(mp, body, strlen(body)), PHS_EINVAL);
    assert_int_equal(begun, 2);
    assert_string_equal(multipart_error(mp), "multipart part rejected by handler");
    multipart_free(mp);
    /* a file part does not call it */
    begun = 0;
    assert_int_equal(multipart_new(CT, &lim, &cb, &begun, &mp), 0);
    body = HDR "Content-Disposition: form-data; name=f; filename=a\r\n\r\n0123456789\r\n";
    assert_int_equal(multipart_feed(mp, body, strlen(body)), 0);
    assert_int_equal(begun, 0);
    multipart_free(mp);
}

static void test_error_text_has_no_content(void **state)
{
    /* The error sentence must not carry names or data from the body. */
    struct multipart *mp;
    assert_int_equal(multipart_new(CT, NULL, &cbs, NULL, &mp), 0);
    const char *body = HDR "Content-Disposition: form-data; name=SECRETNAME; junk\r\n\r\n";
    assert_int_equal(multipart_feed(mp, body, strlen(body)), PHS_EINVAL);
    assert_null(strstr(multipart_error(mp), "SECRET"));
    multipart_free(mp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_boundary_like_content),
        cmocka_unit_test(test_crlf_edges),
        cmocka_unit_test(test_preamble_padding_epilogue),
        cmocka_unit_test(test_quoted_boundary),
        cmocka_unit_test(test_content_type_errors),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_file_data_streams_in_chunks),
        cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_field_begin_refuses_before_the_value),
        cmocka_unit_test(test_error_text_has_no_content),
    };
    return cmocka_run_group_tests_name("multipart", tests, NULL, NULL);
}
