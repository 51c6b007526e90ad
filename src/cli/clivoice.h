/* clivoice: `phiscribe voice` (voice profiles) and the --voice option of
 * transcribe. */
#ifndef PHS_CLIVOICE_H
#define PHS_CLIVOICE_H

#include <stddef.h>

int cli_voice(int argc, char **argv);

/* Checks the voice profile dir against the model in model_dir and writes
 * the engine parameters that load it: "-mean" means, "-var" vars (paths
 * into dir). 0, or CLI_USAGE after printing why (prefix me). */
int cli_voice_engine_params(const char *me, const char *dir, const char *model_dir, char *means,
                            char *vars, size_t len);

#endif
