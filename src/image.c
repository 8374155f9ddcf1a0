/* image.c -- stb_image decoding with header guards, and the documented bilinear resize. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>

typedef struct axis_tap {
    size_t i0, i1;
    double f;
} axis_tap;

static void axis_taps(size_t src_len, size_t dst_len, axis_tap *taps)
{
    double scale = (double)src_len / (double)dst_len;
    for (size_t d = 0; d < dst_len; d++) {
        double s = ((double)d + 0.5) * scale - 0.5;
        if (s < 0.0)
            s = 0.0;
        if (s > (double)(src_len - 1))
            s = (double)(src_len - 1);
        size_t i0 = (size_t)floor(s);
        taps[d].i0 = i0;
        taps[d].i1 = i0 + 1 < src_len ? i0 + 1 : src_len - 1;
        taps[d].f = s - (double)i0;
    }
}

void orc_image_resize_bilinear(const uint8_t *src, size_t src_w, size_t src_h, uint8_t *dst,
                               size_t dst_w, size_t dst_h)
{
    axis_tap xs[4096], ys[4096]; /* dst sides are model input sizes (<= 4096) */
    if (dst_w > 4096 || dst_h > 4096 || src_w == 0 || src_h == 0)
        return;
    axis_taps(src_w, dst_w, xs);
    axis_taps(src_h, dst_h, ys);
    for (size_t y = 0; y < dst_h; y++) {
        const uint8_t *r0 = src + ys[y].i0 * src_w * 3, *r1 = src + ys[y].i1 * src_w * 3;
        double fy = ys[y].f;
        for (size_t x = 0; x < dst_w; x++) {
            size_t a = xs[x].i0 * 3, b = xs[x].i1 * 3;
            double fx = xs[x].f;
            for (size_t c = 0; c < 3; c++) {
                double top = (1.0 - fx) * r0[a + c] + fx * r0[b + c];
                double bot = (1.0 - fx) * r1[a + c] + fx * r1[b + c];
                double v = (1.0 - fy) * top + fy * bot;
                dst[(y * dst_w + x) * 3 + c] = (uint8_t)floor(v + 0.5);
            }
        }
    }
}

/* A JPEG's entropy-coded data never contains FF D9 (0xFF is followed by 0x00 or RSTn), so the
 * end-of-image marker must appear after the first start-of-scan of the main image. Marker
 * segments before the scan (APPn with an EXIF thumbnail, DQT, SOF, DHT) are skipped by length. */
static int jpeg_has_end(const uint8_t *p, size_t n)
{
    size_t i = 2; /* after SOI */
    while (i + 4 <= n) {
        if (p[i] != 0xFF)
            return 0;
        uint8_t marker = p[i + 1];
        if (marker == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (marker == 0xD9)
            return 1;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            i += 2;
            continue;
        }
        size_t len = ((size_t)p[i + 2] << 8) | p[i + 3];
        if (marker == 0xDA) {
            for (size_t j = i + 2 + len; j + 1 < n; j++)
                if (p[j] == 0xFF && p[j + 1] == 0xD9)
                    return 1;
            return 0;
        }
        i += 2 + len;
    }
    return 0;
}

/* Width and height read straight from a PNG, GIF, BMP or JPEG header, so that the pixel
 * limit can be enforced even where stb refuses the header with a vaguer reason. */
static int sniff_dimensions(const uint8_t *p, size_t n, uint64_t *w, uint64_t *h)
{
    if (n >= 24 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(p + 12, "IHDR", 4) == 0) {
        *w = (uint64_t)p[16] << 24 | (uint64_t)p[17] << 16 | (uint64_t)p[18] << 8 | p[19];
        *h = (uint64_t)p[20] << 24 | (uint64_t)p[21] << 16 | (uint64_t)p[22] << 8 | p[23];
        return 1;
    }
    if (n >= 10 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) {
        *w = (uint64_t)p[6] | (uint64_t)p[7] << 8;
        *h = (uint64_t)p[8] | (uint64_t)p[9] << 8;
        return 1;
    }
    if (n >= 26 && p[0] == 'B' && p[1] == 'M') {
        int32_t bw = (int32_t)((uint32_t)p[18] | (uint32_t)p[19] << 8 | (uint32_t)p[20] << 16 |
                               (uint32_t)p[21] << 24);
        int32_t bh = (int32_t)((uint32_t)p[22] | (uint32_t)p[23] << 8 | (uint32_t)p[24] << 16 |
                               (uint32_t)p[25] << 24);
        *w = bw < 0 ? (uint64_t)(-(int64_t)bw) : (uint64_t)bw;
        *h = bh < 0 ? (uint64_t)(-(int64_t)bh) : (uint64_t)bh; /* negative: top-down rows */
        return 1;
    }
    if (n >= 4 && p[0] == 0xFF && p[1] == 0xD8) {
        size_t i = 2;
        while (i + 9 <= n && p[i] == 0xFF) {
            uint8_t m = p[i + 1];
            if (m == 0xFF) {
                i++;
                continue;
            }
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) { /* SOFn */
                *h = (uint64_t)p[i + 5] << 8 | p[i + 6];
                *w = (uint64_t)p[i + 7] << 8 | p[i + 8];
                return 1;
            }
            if (m == 0xDA || m == 0xD9)
                return 0;
            i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
        }
    }
    return 0;
}

static orc_status too_many_pixels(orc_error *err, const char *name, uint64_t w, uint64_t h)
{
    return orc_error_set(err, ORC_ERR_FORMAT,
                         "%s: image header claims %llux%llu = %.1f Mpixel, more than the %u "
                         "Mpixel limit (refused before decoding: possible decompression bomb)",
                         name, (unsigned long long)w, (unsigned long long)h,
                         (double)w * (double)h / 1048576.0, ORC_IMAGE_MAX_PIXELS / (1024u * 1024u));
}

orc_status orc_image_decode(const void *data, size_t size, const char *name, size_t out_size,
                            uint8_t *out, orc_image_info *info, orc_error *err)
{
    return orc_image_decode_sizes(data, size, name, 1, &out_size, &out, info, err);
}

orc_status orc_image_decode_sizes(const void *data, size_t size, const char *name, size_t n,
                                  const size_t *out_sizes, uint8_t *const *outs,
                                  orc_image_info *info, orc_error *err)
{
    if (name == NULL)
        name = "(image)";
    int bad_args = data == NULL || n < 1 || out_sizes == NULL || outs == NULL;
    for (size_t i = 0; !bad_args && i < n; i++)
        bad_args = outs[i] == NULL || out_sizes[i] < 1 || out_sizes[i] > 4096;
    if (bad_args)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "%s: invalid decode arguments",
                             name);
    if (size == 0)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: empty file (0 bytes)", name);
    if (size > (size_t)ORC_IMAGE_MAX_FILE_BYTES || size > (size_t)INT32_MAX)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: file of %zu bytes is larger than the "
                             "%u-byte limit for an image", name, size, ORC_IMAGE_MAX_FILE_BYTES);
    const uint8_t *bytes = data;
    uint64_t sw = 0, sh = 0;
    if (sniff_dimensions(bytes, size, &sw, &sh) && sw * sh > ORC_IMAGE_MAX_PIXELS)
        return too_many_pixels(err, name, sw, sh);
    int w = 0, h = 0, ch = 0;
    if (!stbi_info_from_memory(bytes, (int)size, &w, &h, &ch))
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: not a supported image (%s)", name,
                             stbi_failure_reason() ? stbi_failure_reason() : "unknown format");
    if (w < 1 || h < 1)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: image header gives %dx%d pixels", name, w,
                             h);
    if ((uint64_t)w * (uint64_t)h > ORC_IMAGE_MAX_PIXELS)
        return too_many_pixels(err, name, (uint64_t)w, (uint64_t)h);
    if (size >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8 && !jpeg_has_end(bytes, size))
        return orc_error_set(err, ORC_ERR_FORMAT,
                             "%s: truncated JPEG (no end-of-image marker after the image data)",
                             name);
    int dw = 0, dh = 0, dch = 0;
    uint8_t *pix = stbi_load_from_memory(bytes, (int)size, &dw, &dh, &dch, 3);
    if (pix == NULL)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: cannot decode (%s)", name,
                             stbi_failure_reason() ? stbi_failure_reason() : "unknown reason");
    if (dw != w || dh != h) {
        stbi_image_free(pix);
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: decoded %dx%d but the header said %dx%d",
                             name, dw, dh, w, h);
    }
    for (size_t i = 0; i < n; i++) {
        if ((size_t)w == out_sizes[i] && (size_t)h == out_sizes[i])
            memcpy(outs[i], pix, out_sizes[i] * out_sizes[i] * 3);
        else
            orc_image_resize_bilinear(pix, (size_t)w, (size_t)h, outs[i], out_sizes[i],
                                      out_sizes[i]);
    }
    stbi_image_free(pix);
    if (info != NULL) {
        info->width = (size_t)w;
        info->height = (size_t)h;
        info->channels = dch;
    }
    return ORC_OK;
}

orc_status orc_image_load(const char *path, size_t out_size, uint8_t *out, orc_image_info *info,
                          orc_error *err)
{
    return orc_image_load_sizes(path, 1, &out_size, &out, info, err);
}

orc_status orc_image_load_sizes(const char *path, size_t n, const size_t *out_sizes,
                                uint8_t *const *outs, orc_image_info *info, orc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return orc_error_set(err, ORC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return orc_error_set(err, ORC_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > ORC_IMAGE_MAX_FILE_BYTES) {
        close(fd);
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: file of %lld bytes is larger than the "
                             "%u-byte limit for an image", path, (long long)st.st_size,
                             ORC_IMAGE_MAX_FILE_BYTES);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) {
        close(fd);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory for %zu bytes", path,
                             size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            orc_status s = orc_error_set(err, ORC_ERR_IO, "%s: read failed: %s", path,
                                         r < 0 ? strerror(errno) : "file shrank while reading");
            free(buf);
            close(fd);
            return s;
        }
        got += (size_t)r;
    }
    close(fd);
    orc_status s = orc_image_decode_sizes(buf, size, path, n, out_sizes, outs, info, err);
    free(buf);
    return s;
}
