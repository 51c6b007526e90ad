/* webm: the audio of a WebM (or Matroska) file coded with Opus, decoded to
 * interleaved float samples at 48 kHz, streaming.
 *
 * What a browser's MediaRecorder writes (audio/webm;codecs=opus: Chrome,
 * Firefox, Edge; a video call's recording with its audio track too):
 * EBML header, one Segment (its size often unknown: written live), the
 * Tracks, then Clusters (sizes often unknown) of SimpleBlocks or
 * BlockGroups, any lacing. The first audio track is read; other tracks'
 * blocks are skipped. Opus's pre-skip is dropped and its output gain
 * applied (libopus). Everything else (Cues, Tags, SeekHead, Void, ...)
 * is skipped by its size. Nothing is written anywhere; memory is the
 * decoder and one block.
 *
 * The elements a file may give are bounded: IDs of 1 to 4 bytes, sizes of
 * 1 to 8, an unknown size only for the Segment and a Cluster, a block at
 * most WEBM_MAX_BLOCK bytes, at most 256 frames a block. */
#ifndef PHS_WEBM_H
#define PHS_WEBM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/audio.h"

#define WEBM_RATE      48000     /* the decoded rate (Opus's own) */
#define WEBM_MAX_FRAME 5760      /* samples a channel of Opus's longest packet (120 ms) */
#define WEBM_MAX_BLOCK (1 << 20) /* bytes of one block */

typedef struct webm_reader webm_reader;

/* True when head (the file's first n bytes) starts an EBML document. */
bool webm_sniff(const unsigned char *head, size_t n);

/* Opens src (size bytes) up to its first audio block. On failure NULL with
 * *err PHS_ENOTAUDIO (no audio track, not WebM/Matroska), PHS_EUNSUPPORTED
 * (audio in another codec than Opus, or an Opus mapping libopus cannot
 * decode), PHS_ETRUNCATED (the file ends inside an element, or an element
 * is malformed), PHS_EEMPTY (no audio block), PHS_EIO or PHS_ENOMEM, and a
 * one-line reason in msg (never the file's bytes). *channels the track's,
 * *duration its Segment's Duration in seconds, 0 when not given. */
webm_reader *webm_open(const audio_source *src, int64_t size, int *channels, double *duration,
                       int *err, char *msg, size_t msg_len);

/* Up to max frames (max * channels floats) into out; 0 at the end. < 0 on
 * failure (PHS_ETRUNCATED for a damaged or cut file or packet, PHS_EIO,
 * PHS_ENOMEM), msg saying why. */
int64_t webm_read_float(webm_reader *w, float *out, size_t max, char *msg, size_t msg_len);

void webm_close(webm_reader *w); /* NULL-safe */

/* A libopus decoder at WEBM_RATE for an Opus identification header (the
 * OpusHead of RFC 7845 5.1, len bytes at p: a WebM track's CodecPrivate,
 * or an MP4's dOps rewritten so), its output gain applied; *channels and
 * *pre_skip (samples a channel to drop) from it. NULL on failure with
 * *err PHS_ETRUNCATED (malformed), PHS_EUNSUPPORTED (a mapping or gain
 * libopus refuses) or PHS_ENOMEM, msg saying why. The caller frees it
 * with opus_multistream_decoder_destroy. */
struct OpusMSDecoder;
struct OpusMSDecoder *webm_opus_open(const unsigned char *p, size_t len, int *channels,
                                     int *pre_skip, int *err, char *msg, size_t msg_len);

/* One Opus packet (len bytes) decoded by dec into pcm (WEBM_MAX_FRAME *
 * channels floats), handed to f less the first *skip frames (*skip
 * lessened by those). 0, or PHS_ETRUNCATED for a damaged packet. */
int webm_opus_decode(struct OpusMSDecoder *dec, const unsigned char *pkt, size_t len, float *pcm,
                     int *skip, audio_frames *f);

#endif
