/* bandmap: telephone-band audio's cepstra mapped toward wide-band speech's.
 *
 * The acoustic model was trained on 16 kHz speech: its mel filters reach
 * 6.8 kHz. Audio recorded at 8 kHz (telephone lines, G.711, call recorders)
 * has nothing above 4 kHz once resampled, so the upper filters sit at the
 * floor and every cepstrum moves. The map is a least-squares estimate of the
 * wide-band cepstra of a frame from the narrow-band cepstra of that frame
 * and its two neighbours, fitted on synthetic speech by scripts/fit-bandmap
 * (tools/bandmap_fit.c) into bandmap_table.inc. It is linear, so the
 * decoder's batch mean normalisation, applied after it, removes the same
 * mean it would remove from the wide-band cepstra (docs/ENGINE.md,
 * "Telephone-band audio").
 */
#ifndef PHS_BANDMAP_H
#define PHS_BANDMAP_H

#include <stdbool.h>
#include <stddef.h>

#define BANDMAP_DIM     13 /* cepstra a frame (the model's front end) */
#define BANDMAP_CONTEXT 3  /* frames t-1, t, t+1 */

/* Whether audio recorded at rate Hz is telephone band: at most 8 kHz, so
 * nothing above 4 kHz. */
bool bandmap_narrow_rate(int rate);

/* Maps cep[0..nfr) (ncep each, before mean normalisation) in place; frames
 * past either end count as the end frame. Nothing for ncep other than
 * BANDMAP_DIM (PHS_EINVAL) or no frames. O(nfr * 39 * 13). */
int bandmap_apply(float *const *cep, size_t nfr, int ncep);

#endif
