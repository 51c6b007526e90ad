/* mp4: the audio of an MP4 / M4A file (ISO base media file format, the
 * QuickTime family) coded with AAC (decoded with libfaad2) or Opus
 * (libopus), to interleaved float samples, streaming.
 *
 * What phones and browsers write: an iPhone voice memo or dictation app
 * (M4A, AAC-LC, the moov before or after the mdat), ffmpeg, Safari's
 * MediaRecorder (fragmented: an empty sample table in the moov, then
 * moof + mdat pairs, defaults in mvex/trex and tfhd), Chromium's
 * MediaRecorder audio/mp4 (fragmented, Opus). The first audio track
 * ('soun' handler) is read; video and other tracks are skipped, and so is
 * every box not named here, by its size. AAC-LC, HE-AAC (SBR) and HE-AAC
 * v2 (PS), mono or stereo or more, as libfaad2 decodes them (a mono
 * stream, which it decodes as two equal channels, handed out as one);
 * Opus with its dOps (pre-skip dropped, gain applied). Other codecs in an
 * MP4 (ALAC, AC-3, MP3, FLAC, ...) are refused naming them.
 * The encoder's priming samples (the edit list) are not dropped: a few
 * tens of milliseconds of silence at the start.
 *
 * Nothing is loaded whole: the sample tables are read from the source a
 * window at a time, so memory is the decoder, one sample and a few small
 * windows whatever the file's length. Bounds on what a file may say:
 * 32-bit, 64-bit and to-the-end (0) box sizes all within their parent and
 * the file; the boxes read nest at most 9 deep by construction (no
 * recursion); a table's entries within its box; a sample at most
 * MP4_MAX_SAMPLE bytes and within the file; the AudioSpecificConfig at
 * most 64 bytes.
 *
 * A file cut short: every top-level box is checked to end within the file
 * when the file is opened, so a cut inside a box (the mdat of a plain
 * file, a fragment of a fragmented one, the moov) is PHS_ETRUNCATED
 * there; only a fragmented file cut exactly between two fragments cannot
 * be told and reads to its cut, as a WebM of unknown sizes does. */
#ifndef PHS_MP4_H
#define PHS_MP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/audio.h"

#define MP4_MAX_SAMPLE (1 << 16) /* bytes of one sample (an AAC frame: 6144 bits a channel) */

typedef struct mp4_reader mp4_reader;

/* True when head (the file's first n bytes) starts an ISO-BMFF file: a
 * top-level ftyp, moov, mdat, free, skip or wide box. */
bool mp4_sniff(const unsigned char *head, size_t n);

/* What mp4_open found: the decoder's output rate and channels, the track's
 * duration (mdhd, else the sum of its stts; 0, unknown, for a fragmented
 * file), and a format name ("mp4/aac", "mp4/he-aac", "mp4/opus"; an ADTS
 * stream's "adts/aac", "adts/he-aac"). */
typedef struct mp4_info {
    int rate;
    int channels;
    double duration;
    char format[16];
} mp4_info;

/* Opens src (size bytes) and decodes its first audio frame. On failure
 * NULL with *err PHS_ENOTAUDIO (no audio track), PHS_EUNSUPPORTED (audio
 * in another codec than AAC or Opus, named; a configuration the decoder
 * refuses), PHS_ETRUNCATED (a box runs past its parent or the file, a
 * table past its box, a sample past the file; no moov, no esds or dOps; a
 * damaged first frame), PHS_EEMPTY (no audio sample), PHS_EIO or
 * PHS_ENOMEM, and a one-line reason in msg (never the file's bytes). */
mp4_reader *mp4_open(const audio_source *src, int64_t size, mp4_info *info, int *err, char *msg,
                     size_t msg_len);

/* True when src (size bytes) is a raw AAC stream in ADTS frames (a .aac
 * file: Android's recorder, ffmpeg), after an ID3v2 tag or not: a frame
 * header, and a second one alike where the first ends (or the file ends
 * there). Layer 0 is MPEG audio's reserved layer, so no MP3 passes. */
bool mp4_adts_sniff(const audio_source *src, int64_t size);

/* Opens src as an ADTS stream and decodes its first frame. Every frame
 * header is read at open: the duration is theirs (1024 samples a frame at
 * the core's rate), and a stream cut inside a frame or with other bytes
 * where a frame should begin is PHS_ETRUNCATED there (an ID3v1 tag at the
 * end is allowed); a stream that changes its rate, channels or profile,
 * or frames of several raw data blocks, PHS_EUNSUPPORTED. Implicit SBR is
 * decoded at the core's rate. Its format: "adts/aac", or "adts/he-aac"
 * when the first frame carries SBR or PS. Otherwise as mp4_open. */
mp4_reader *mp4_open_adts(const audio_source *src, int64_t size, mp4_info *info, int *err,
                          char *msg, size_t msg_len);

/* Up to max frames (max * channels floats) into out; 0 at the end. < 0 on
 * failure (PHS_ETRUNCATED for a damaged or cut file or frame, PHS_EIO,
 * PHS_ENOMEM), msg saying why. */
int64_t mp4_read_float(mp4_reader *r, float *out, size_t max, char *msg, size_t msg_len);

void mp4_close(mp4_reader *r); /* NULL-safe */

#endif
