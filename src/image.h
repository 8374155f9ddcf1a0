/* image.h -- decode an image (file or memory) to a square uint8 RGB input for the model.
 *
 * Formats: whatever stb_image decodes (JPEG baseline/progressive, PNG incl. 16-bit, BMP, GIF
 * first frame, TGA, PNM, PSD composite). Grayscale is replicated to RGB, alpha is dropped
 * (not composited), 16-bit samples are reduced to 8 bits by stb.
 *
 * Guards, checked BEFORE decoding from the header (stbi_info_from_memory): the image must be
 * recognised, both sides >= 1, and width * height <= ORC_IMAGE_MAX_PIXELS (decompression bomb
 * guard). A JPEG must also contain its end-of-image marker after the first scan (stb silently
 * fills truncated JPEGs with gray). Every error message starts with the image's name.
 *
 * Resize (when the image is not already size x size): bilinear with half-pixel centres, the
 * same for both axes, computed in double precision, exactly:
 *     s   = (d + 0.5) * (src_len / (double)dst_len) - 0.5,  clamped to [0, src_len - 1]
 *     i0  = floor(s),  i1 = min(i0 + 1, src_len - 1),  f = s - i0
 *     top = (1 - fx) * P[y0][x0] + fx * P[y0][x1]
 *     bot = (1 - fx) * P[y1][x0] + fx * P[y1][x1]
 *     v   = (1 - fy) * top + fy * bot
 *     out = (uint8) floor(v + 0.5)          (v is always within [0, 255])
 * per channel, no antialiasing (downscaling aliases; Fruits-360 is 100x100, upscaled).
 * tests/reference_mobilenet.py implements the same formula and compares it byte for byte.
 *
 * Thread-safe (stb's failure reason is thread-local in Debian's build); decoding allocates.
 */
#ifndef ORC_IMAGE_H
#define ORC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "orchard.h"

#define ORC_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)  /* 64 Mpixel */
#define ORC_IMAGE_MAX_FILE_BYTES (512u * 1024u * 1024u)

typedef struct orc_image_info {
    size_t width, height;   /* as stored in the file */
    int channels;           /* as stored: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
} orc_image_info;

/* Decode `size` bytes at `data` (`name` only labels messages) and write
 * out[out_size][out_size][3]. info may be NULL. out is untouched on failure. */
orc_status orc_image_decode(const void *data, size_t size, const char *name, size_t out_size,
                            uint8_t *out, orc_image_info *info, orc_error *err);
/* Read the file at path and decode it as above. */
orc_status orc_image_load(const char *path, size_t out_size, uint8_t *out, orc_image_info *info,
                          orc_error *err);
/* The same for n >= 1 sizes from one read and one decode: outs[i] gets
 * [out_sizes[i]][out_sizes[i]][3], byte for byte what orc_image_decode / orc_image_load give for
 * that size (orchard predict --input-size 224,288). */
orc_status orc_image_decode_sizes(const void *data, size_t size, const char *name, size_t n,
                                  const size_t *out_sizes, uint8_t *const *outs,
                                  orc_image_info *info, orc_error *err);
orc_status orc_image_load_sizes(const char *path, size_t n, const size_t *out_sizes,
                                uint8_t *const *outs, orc_image_info *info, orc_error *err);
/* The resize above on an RGB image src[src_h][src_w][3] to dst[dst_h][dst_w][3]. */
void orc_image_resize_bilinear(const uint8_t *src, size_t src_w, size_t src_h, uint8_t *dst,
                               size_t dst_w, size_t dst_h);

#endif
