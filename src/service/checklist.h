/* checklist: the list of pass/warn/fail checks that `phiscribe doctor`
 * prints and GET /v1/doctor returns, one JSON object a check:
 * {"status","safeguard","check","detail"}. */
#ifndef PHS_CHECKLIST_H
#define PHS_CHECKLIST_H

#include <stdarg.h>

#include <jansson.h>

enum checklist_level { CHECKLIST_PASS, CHECKLIST_WARN, CHECKLIST_FAIL };

/* checks: a JSON array the caller made (and frees); fails and warns count
 * what was added. */
struct checklist {
    json_t *checks;
    int fails, warns;
};

#define CHECKLIST_DETAIL_MAX 511 /* a longer detail is cut */

/* Appends one check; detail is printf-style (never request content). A
 * check that cannot be appended (no memory) is still counted. */
void checklist_add(struct checklist *l, enum checklist_level lv, const char *safeguard,
                   const char *check, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void checklist_vadd(struct checklist *l, enum checklist_level lv, const char *safeguard,
                    const char *check, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

#endif
