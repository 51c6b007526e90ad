/* checklist: the doctor's checks as a JSON list (checklist.h). */
#include "service/checklist.h"

#include <stdio.h>

static const char *const level_name[] = {"pass", "warn", "FAIL"};

void checklist_vadd(struct checklist *l, enum checklist_level lv, const char *safeguard,
                    const char *check, const char *fmt, va_list ap)
{
    char detail[CHECKLIST_DETAIL_MAX + 1];
    vsnprintf(detail, sizeof(detail), fmt, ap);
    l->fails += lv == CHECKLIST_FAIL;
    l->warns += lv == CHECKLIST_WARN;
    json_array_append_new(l->checks,
                          json_pack("{s:s, s:s, s:s, s:s}", "status", level_name[lv], "safeguard",
                                    safeguard, "check", check, "detail", detail));
}

void checklist_add(struct checklist *l, enum checklist_level lv, const char *safeguard,
                   const char *check, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    checklist_vadd(l, lv, safeguard, check, fmt, ap);
    va_end(ap);
}
