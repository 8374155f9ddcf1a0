/* test_image.c -- decoding of each format (PNG RGB/gray/gray+alpha/RGBA/16-bit, BMP, JPEG, GIF
 * first frame, a real Fruits-360 JPEG, also at several sizes from one decode), hostile inputs
 * with their exact errors, and the bilinear resize against its documented formula. Test images are made here in memory. */
#include "check_main.h"
#include "image.h"

#include <math.h>
#include <stb_image_write.h>

typedef struct membuf {
    uint8_t *data;
    size_t size, cap;
} membuf;

static void put(membuf *b, const void *p, size_t n)
{
    if (b->size + n > b->cap) {
        b->cap = (b->size + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
        ck_assert_ptr_nonnull(b->data);
    }
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

static void stb_sink(void *ctx, void *data, int size)
{
    put(ctx, data, (size_t)size);
}

static void put_be32(membuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void png_chunk(membuf *b, const char *type, const uint8_t *data, size_t n)
{
    membuf t = {0};
    put(&t, type, 4);
    if (n)
        put(&t, data, n);
    put_be32(b, (uint32_t)n);
    put(b, t.data, t.size);
    put_be32(b, crc32_of(t.data, t.size));
    free(t.data);
}

/* a PNG written by hand: 8 or 16 bits, color type 2 (RGB), zlib "stored" blocks */
static membuf png_by_hand(uint32_t w, uint32_t h, int depth, const uint16_t *rgb)
{
    membuf b = {0}, raw = {0}, z = {0};
    put(&b, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
                        (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
                        (uint8_t)depth, 2, 0, 0, 0};
    png_chunk(&b, "IHDR", ihdr, 13);
    if (rgb != NULL) {
        for (uint32_t y = 0; y < h; y++) {
            uint8_t filter = 0;
            put(&raw, &filter, 1);
            for (uint32_t i = 0; i < w * 3; i++) {
                uint16_t v = rgb[y * w * 3 + i];
                uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
                if (depth == 16)
                    put(&raw, x, 2);
                else
                    put(&raw, &x[1], 1);
            }
        }
        uint8_t zh[2] = {0x78, 0x01};
        put(&z, zh, 2);
        uint8_t blk[5] = {1, (uint8_t)raw.size, (uint8_t)(raw.size >> 8), (uint8_t)~raw.size,
                          (uint8_t)(~raw.size >> 8)};
        ck_assert_uint_lt(raw.size, 65536);
        put(&z, blk, 5);
        put(&z, raw.data, raw.size);
        uint32_t a = 1, s2 = 0;
        for (size_t i = 0; i < raw.size; i++) {
            a = (a + raw.data[i]) % 65521;
            s2 = (s2 + a) % 65521;
        }
        put_be32(&z, (s2 << 16) | a);
        png_chunk(&b, "IDAT", z.data, z.size);
        png_chunk(&b, "IEND", NULL, 0);
    }
    free(raw.data);
    free(z.data);
    return b;
}

/* a two-frame 4x2 GIF with a 4-colour palette; LZW with a clear code every two pixels, so
 * every code is 3 bits wide */
static membuf gif_by_hand(const uint8_t frame1[8], const uint8_t frame2[8],
                          const uint8_t palette[12])
{
    membuf b = {0};
    const uint8_t head[] = {'G', 'I', 'F', '8', '9', 'a', 4, 0, 2, 0, 0xF1, 0, 0};
    put(&b, head, sizeof head);
    put(&b, palette, 12);
    const uint8_t *frames[2] = {frame1, frame2};
    for (int f = 0; f < 2; f++) {
        const uint8_t desc[] = {0x2C, 0, 0, 0, 0, 4, 0, 2, 0, 0x00, 2 /* LZW min code size */};
        put(&b, desc, sizeof desc);
        uint8_t codes[16], data[16] = {0};
        size_t nc = 0, bit = 0;
        for (int i = 0; i < 8; i += 2) {
            codes[nc++] = 4; /* clear */
            codes[nc++] = frames[f][i];
            codes[nc++] = frames[f][i + 1];
        }
        codes[nc++] = 5; /* end of information */
        for (size_t i = 0; i < nc; i++)
            for (int k = 0; k < 3; k++, bit++)
                if (codes[i] >> k & 1)
                    data[bit / 8] |= (uint8_t)(1u << (bit % 8));
        uint8_t len = (uint8_t)((bit + 7) / 8), zero = 0;
        put(&b, &len, 1);
        put(&b, data, len);
        put(&b, &zero, 1);
    }
    uint8_t trailer = 0x3B;
    put(&b, &trailer, 1);
    return b;
}

static void expect_error(const void *data, size_t size, const char *name, const char *words)
{
    uint8_t out[8 * 8 * 3];
    memset(out, 0xAB, sizeof out);
    orc_error err = {0};
    orc_status st = orc_image_decode(data, size, name, 8, out, NULL, &err);
    ck_assert_msg(st == ORC_ERR_FORMAT, "%s: expected a format error, got %d (%s)", name, st,
                  err.msg);
    ck_assert_msg(strncmp(err.msg, name, strlen(name)) == 0, "message does not start with the "
                  "name: %s", err.msg);
    ck_assert_msg(strstr(err.msg, words) != NULL, "message '%s' lacks '%s'", err.msg, words);
    for (size_t i = 0; i < sizeof out; i++)
        ck_assert_msg(out[i] == 0xAB, "output touched on failure");
}

/* ---- formats ------------------------------------------------------------------------------ */

START_TEST(test_png_variants_as_is)
{
    enum { S = 16 };
    uint8_t src[S * S * 4], out[S * S * 3];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 37 + 11);
    for (int comp = 1; comp <= 4; comp++) {
        membuf b = {0};
        ck_assert(stbi_write_png_to_func(stb_sink, &b, S, S, comp, src, S * comp));
        orc_image_info info;
        orc_error err;
        ck_assert_int_eq(orc_image_decode(b.data, b.size, "x.png", S, out, &info, &err), ORC_OK);
        ck_assert_int_eq(info.channels, comp);
        ck_assert_uint_eq(info.width, S);
        for (size_t p = 0; p < S * S; p++)
            for (int c = 0; c < 3; c++) {
                /* gray (+alpha) replicated; alpha dropped, not composited */
                uint8_t want = comp <= 2 ? src[p * comp] : src[p * comp + c];
                ck_assert_uint_eq(out[p * 3 + c], want);
            }
        free(b.data);
    }
}
END_TEST

START_TEST(test_png_16bit)
{
    uint16_t rgb[3 * 2 * 3];
    for (int i = 0; i < 18; i++)
        rgb[i] = (uint16_t)(i * 3607 + 255);
    membuf b = png_by_hand(3, 2, 16, rgb);
    uint8_t out[3 * 2 * 3];
    orc_error err;
    /* an output size of 0 is refused */
    ck_assert_int_eq(orc_image_decode(b.data, b.size, "deep.png", 0, out, NULL, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    /* 16-bit samples keep their high byte (a square image, so it is used as is) */
    uint8_t sq[9 * 3];
    uint16_t rgb3[27];
    for (int i = 0; i < 27; i++)
        rgb3[i] = (uint16_t)(i * 2411 + 7);
    free(b.data);
    b = png_by_hand(3, 3, 16, rgb3);
    orc_image_info info;
    ck_assert_int_eq(orc_image_decode(b.data, b.size, "deep.png", 3, sq, &info, &err), ORC_OK);
    for (int i = 0; i < 27; i++)
        ck_assert_uint_eq(sq[i], rgb3[i] >> 8);
    free(b.data);
}
END_TEST

START_TEST(test_bmp_jpeg)
{
    enum { S = 8 };
    uint8_t src[S * S * 3], out[S * S * 3];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 13);
    membuf b = {0};
    orc_error err;
    ck_assert(stbi_write_bmp_to_func(stb_sink, &b, S, S, 3, src));
    ck_assert_int_eq(orc_image_decode(b.data, b.size, "x.bmp", S, out, NULL, &err), ORC_OK);
    ck_assert(memcmp(out, src, sizeof src) == 0);
    free(b.data);
    /* a flat colour survives JPEG almost exactly */
    memset(&b, 0, sizeof b);
    for (size_t p = 0; p < S * S; p++) {
        src[p * 3] = 200;
        src[p * 3 + 1] = 120;
        src[p * 3 + 2] = 40;
    }
    ck_assert(stbi_write_jpg_to_func(stb_sink, &b, S, S, 3, src, 100));
    ck_assert_int_eq(orc_image_decode(b.data, b.size, "x.jpg", S, out, NULL, &err), ORC_OK);
    for (size_t i = 0; i < sizeof src; i++)
        ck_assert_int_le(abs((int)out[i] - (int)src[i]), 3);
    free(b.data);
}
END_TEST

START_TEST(test_gif_first_frame)
{
    const uint8_t f1[8] = {0, 1, 2, 3, 3, 2, 1, 0}, f2[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t pal[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    membuf b = gif_by_hand(f1, f2, pal);
    orc_image_info info;
    orc_error err;
    uint8_t out[4 * 4 * 3];
    ck_assert_msg(orc_image_decode(b.data, b.size, "x.gif", 4, out, &info, &err) == ORC_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(info.width, 4);
    ck_assert_uint_eq(info.height, 2);
    /* 4x2 -> 4x4: columns map 1:1, rows 0,0,1,1 by the formula (s = -0.25, 0.25, 0.75, 1.25) */
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
            double fy = y == 0 ? 0 : (y == 1 ? 0.25 : (y == 2 ? 0.75 : 1.0));
            for (int c = 0; c < 3; c++) {
                double v = (1 - fy) * pal[f1[x] * 3 + c] + fy * pal[f1[4 + x] * 3 + c];
                ck_assert_uint_eq(out[(y * 4 + x) * 3 + c], (uint8_t)floor(v + 0.5));
            }
        }
    free(b.data);
}
END_TEST

START_TEST(test_real_fruit_jpeg)
{
    const char *path = orc_test_shared("data/fruits-360/Test/Apple Braeburn/321_100.jpg");
    uint8_t *out = malloc(224 * 224 * 3);
    orc_image_info info;
    orc_error err;
    ck_assert_msg(orc_image_load(path, 224, out, &info, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_eq(info.width, 100);
    ck_assert_uint_eq(info.height, 100);
    ck_assert_int_eq(info.channels, 3);
    /* the corners of Fruits-360 images are white background */
    ck_assert_uint_ge(out[0], 200);
    /* several sizes from one decode: byte for byte the single-size results (100: no resize) */
    const size_t sizes[3] = {224, 288, 100};
    uint8_t *one = malloc(288 * 288 * 3), *many[3];
    for (int i = 0; i < 3; i++)
        many[i] = malloc(sizes[i] * sizes[i] * 3);
    ck_assert_msg(orc_image_load_sizes(path, 3, sizes, many, &info, &err) == ORC_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(info.width, 100);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(orc_image_load(path, sizes[i], one, NULL, &err), ORC_OK);
        ck_assert_msg(memcmp(one, many[i], sizes[i] * sizes[i] * 3) == 0,
                      "size %zu differs from a decode at that size alone", sizes[i]);
    }
    ck_assert_int_eq(memcmp(many[0], out, 224 * 224 * 3), 0);
    /* bad arguments: no sizes, a NULL output, a size 0 */
    ck_assert_int_eq(orc_image_load_sizes(path, 0, sizes, many, NULL, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    uint8_t *holey[2] = {many[0], NULL};
    ck_assert_int_eq(orc_image_load_sizes(path, 2, sizes, holey, NULL, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    const size_t zero[2] = {224, 0};
    ck_assert_int_eq(orc_image_load_sizes(path, 2, zero, many, NULL, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "invalid decode arguments"));
    for (int i = 0; i < 3; i++)
        free(many[i]);
    free(one);
    free(out);
}
END_TEST

/* ---- hostile inputs ------------------------------------------------------------------------ */

START_TEST(test_hostile)
{
    orc_error err;
    uint8_t out[8 * 8 * 3];
    /* zero-byte and missing files, through the file loader */
    const char *dir = orc_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/empty.jpg", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(orc_image_load(path, 8, out, NULL, &err), ORC_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "empty.jpg: empty file (0 bytes)") != NULL, "%s", err.msg);
    remove(path);
    snprintf(path, sizeof path, "%s/missing.png", dir);
    ck_assert_int_eq(orc_image_load(path, 8, out, NULL, &err), ORC_ERR_IO);
    ck_assert_msg(strstr(err.msg, "missing.png: cannot open: No such file") != NULL, "%s",
                  err.msg);
    ck_assert_int_eq(orc_image_load(dir, 8, out, NULL, &err), ORC_ERR_IO);
    ck_assert_msg(strstr(err.msg, "not a regular file") != NULL, "%s", err.msg);
    rmdir(dir);

    const char text[] = "this is not an image, just text saved as .jpg\n";
    expect_error(text, sizeof text - 1, "notes.jpg", "not a supported image");

    /* a PNG header claiming 30000x30000: refused from the header, before any decoding */
    membuf bomb = png_by_hand(30000, 30000, 8, NULL);
    expect_error(bomb.data, bomb.size, "bomb.png", "30000x30000");
    expect_error(bomb.data, bomb.size, "bomb.png", "decompression bomb");
    free(bomb.data);
    bomb = png_by_hand(10000, 9000, 8, NULL); /* within stb's own limit, beyond ours */
    expect_error(bomb.data, bomb.size, "big.png", "10000x9000 = 85.8 Mpixel");
    free(bomb.data);
    const uint8_t gif_bomb[] = {'G', 'I', 'F', '8', '9', 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0};
    expect_error(gif_bomb, sizeof gif_bomb, "big.gif", "65535x65535");

    /* a real JPEG cut in half, and cut just before its end marker */
    const char *jpg = orc_test_shared("data/fruits-360/Test/Apple Braeburn/321_100.jpg");
    f = fopen(jpg, "rb");
    ck_assert_msg(f != NULL, "missing test data %s", jpg);
    uint8_t buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_uint_gt(n, 1000);
    ck_assert_int_eq(orc_image_decode(buf, n, "whole.jpg", 8, out, NULL, &err), ORC_OK);
    expect_error(buf, n / 2, "half.jpg", "truncated JPEG");
    expect_error(buf, n - 2, "almost.jpg", "truncated JPEG");
    expect_error(buf, 20, "head.jpg", "head.jpg: ");

    /* a PNG cut inside its image data */
    uint16_t rgb[16 * 16 * 3];
    for (int i = 0; i < 16 * 16 * 3; i++)
        rgb[i] = (uint16_t)(i & 255);
    membuf png = png_by_hand(16, 16, 8, rgb);
    expect_error(png.data, png.size / 2, "cut.png", "cannot decode");
    expect_error(png.data, 0, "zero.png", "empty file");
    free(png.data);
}
END_TEST

/* ---- resize -------------------------------------------------------------------------------- */

START_TEST(test_resize_formula)
{
    /* 1-D by hand: [0, 100] to 4 -> s = -0.25, 0.25, 0.75, 1.25 -> 0, 25, 75, 100 */
    uint8_t src[2 * 3] = {0, 0, 0, 100, 100, 100}, dst[4 * 3];
    orc_image_resize_bilinear(src, 2, 1, dst, 4, 1);
    const uint8_t want[4] = {0, 25, 75, 100};
    for (int x = 0; x < 4; x++)
        ck_assert_uint_eq(dst[x * 3 + 1], want[x]);
    /* downscale 4 -> 2 (s = 0.5, 2.5): averages of neighbours, halves rounded up */
    uint8_t s4[4 * 3] = {10, 0, 0, 21, 0, 0, 100, 0, 0, 200, 0, 0}, d2[2 * 3];
    orc_image_resize_bilinear(s4, 4, 1, d2, 2, 1);
    ck_assert_uint_eq(d2[0], 16); /* 15.5 -> 16 */
    ck_assert_uint_eq(d2[3], 150);
    /* a 100x100 pattern to 224x224 and a 300x250 one to 224x224 against the formula */
    static const size_t sizes[][2] = {{100, 100}, {300, 250}, {224, 1}, {1, 1}};
    for (size_t k = 0; k < 4; k++) {
        size_t sw = sizes[k][0], sh = sizes[k][1];
        uint8_t *s = malloc(sw * sh * 3), *d = malloc(224 * 224 * 3);
        for (size_t i = 0; i < sw * sh * 3; i++)
            s[i] = (uint8_t)((i * 7919) >> 3);
        orc_image_resize_bilinear(s, sw, sh, d, 224, 224);
        for (size_t y = 0; y < 224; y++)
            for (size_t x = 0; x < 224; x++) {
                double sx = (x + 0.5) * ((double)sw / 224) - 0.5;
                double sy = (y + 0.5) * ((double)sh / 224) - 0.5;
                sx = fmin(fmax(sx, 0), (double)sw - 1);
                sy = fmin(fmax(sy, 0), (double)sh - 1);
                size_t x0 = (size_t)sx, y0 = (size_t)sy;
                size_t x1 = x0 + 1 < sw ? x0 + 1 : sw - 1, y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
                double fx = sx - x0, fy = sy - y0;
                for (size_t c = 0; c < 3; c++) {
                    double top = (1 - fx) * s[(y0 * sw + x0) * 3 + c] + fx * s[(y0 * sw + x1) * 3 + c];
                    double bot = (1 - fx) * s[(y1 * sw + x0) * 3 + c] + fx * s[(y1 * sw + x1) * 3 + c];
                    double v = (1 - fy) * top + fy * bot;
                    ck_assert_uint_eq(d[(y * 224 + x) * 3 + c], (uint8_t)floor(v + 0.5));
                }
            }
        free(s);
        free(d);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_png_variants_as_is);
    tcase_add_test(tc, test_png_16bit);
    tcase_add_test(tc, test_bmp_jpeg);
    tcase_add_test(tc, test_gif_first_frame);
    tcase_add_test(tc, test_real_fruit_jpeg);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_resize_formula);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
