/* syslogfwd: forwards committed audit records to a syslog collector (a
 * SIEM) as RFC 5424 messages, as they happen.
 *
 * A thread reads records newer than the last one forwarded (kept in the
 * database, so a restart resumes without gaps: delivery is at least once),
 * and then the signed checkpoints made since (an outside witness of each),
 * formats each as one RFC 5424 message whose structured data carries the
 * record's fields (never PHI or secrets: audit records have none), and sends
 * it over UDP (RFC 5426) or TCP with octet counting (RFC 6587). Only
 * records already committed are ever sent. The operator configures the
 * target; nothing is sent otherwise.
 */
#ifndef PHS_SYSLOGFWD_H
#define PHS_SYSLOGFWD_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define SYSLOGFWD_TARGET_MAX 256

typedef struct syslogfwd syslogfwd;

/* Validates "udp://HOST:PORT" or "tcp://HOST:PORT" (HOST a numeric address
 * or localhost). PHS_EINVAL with a reason otherwise. */
int syslogfwd_parse_target(const char *target, char *why, size_t why_len);

/* Starts forwarding from s every interval_ms (>= 50). NULL on failure with
 * a reason in why. The store must outlive the forwarder. */
syslogfwd *syslogfwd_start(store *s, const char *target, int interval_ms, int *err, char *why,
                           size_t why_len);

/* Sends what is left, stops and frees. NULL-safe. */
void syslogfwd_stop(syslogfwd *f);

/* The syslog severity of a record (RFC 5424: 0 emergency ... 7 debug):
 * break_glass.open 0, any other break_glass.* 1 (alert), a failure or
 * denial 4 (warning), the rest 5 (notice). */
int syslogfwd_severity(const char *action, const char *outcome);

/* Formats record r as an RFC 5424 message into out (no framing); returns
 * its length or a negative error if it does not fit. Exposed for tests. */
int syslogfwd_format(const struct store_audit_record *r, const char *hostname, char *out,
                     size_t len);
/* Formats checkpoint c likewise: MSGID "audit.checkpoint", its fields
 * (n, seq, chain_hash, time, node, prev, signature: nothing else, no PHI)
 * as structured data, enough to check its signature and to compare with
 * `phiscribe audit verify --high-water`. Exposed for tests. */
int syslogfwd_format_checkpoint(const struct store_audit_checkpoint *c, const char *hostname,
                                char *out, size_t len);

#endif
