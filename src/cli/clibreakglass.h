/* clibreakglass: `phiscribe break-glass open` and `phiscribe audit report
 * --break-glass` (service/breakglass.h). */
#ifndef PHS_CLIBREAKGLASS_H
#define PHS_CLIBREAKGLASS_H

int cli_break_glass(int argc, char **argv);
/* The report of every break-glass session (of tenant, or all), as JSON. */
int cli_break_glass_report(const char *data, const char *store_url, const char *tenant);

#endif
