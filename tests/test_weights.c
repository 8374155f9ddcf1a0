/* test_weights.c -- the .orw loader on the real converted file, on corrupted copies of it (each
 * must give the exact error code and a message naming the file and the problem), and the
 * writer/loader round trip on a small random model.
 *
 * The real file is ORCHARD_WEIGHTS or weights/mobilenet_v2_1.0_224.orw (`make weights`); its
 * absence is a failure. Corruptions that the checksums would otherwise catch first (bad
 * offsets, NaN, broken graph) re-seal the file (recompute the SHA-256s per weights/FORMAT.md)
 * so that the deeper check itself is exercised.
 */
#include "check_main.h"
#include "weights.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <sys/stat.h>

#define HDR 192u
#define REC 192u

static const char *weights_path(void)
{
    const char *p = getenv("ORCHARD_WEIGHTS");
    return p != NULL && p[0] != '\0' ? p : "weights/mobilenet_v2_1.0_224.orw";
}

static uint8_t *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s (run `make weights`)", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

static const char *save(const uint8_t *buf, size_t n, const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", orc_test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
    fclose(f);
    return path;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void sha(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    ck_assert_int_eq(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
    ck_assert_uint_eq(len, 32);
}

static void reseal_header(uint8_t *buf)
{
    sha(buf, 160, buf + 160);
}

/* recompute the table and header checksums after an edit, and the tensors' when asked */
static void reseal(uint8_t *buf, int tensors)
{
    uint32_t n = get32(buf + 24);
    for (uint32_t i = 0; i < n && tensors; i++) {
        uint8_t *r = buf + HDR + i * REC;
        sha(buf + get64(r + 80), get64(r + 88), r + 128);
        sha(buf + get64(r + 96), get64(r + 104), r + 160);
    }
    sha(buf + HDR, (size_t)n * REC, buf + 128);
    reseal_header(buf);
}

/* remove a file made in its own orc_test_tmpdir(), and that folder */
static void discard(const char *path)
{
    if (strncmp(path, "/tmp/orchard-test-", 18) != 0 || strchr(path + 18, '/') == NULL)
        return;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    unlink(path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
}

/* open path, expect failure with code and every word in the message (and the path) */
static void expect_error(const char *path, orc_status code, const char *w1, const char *w2)
{
    orc_weights *w = (orc_weights *)(uintptr_t)1;
    orc_error err = {ORC_OK, ""};
    orc_status st = orc_weights_open(path, &w, &err);
    ck_assert_msg(st == code, "%s: expected %s, got %s: %s", path, orc_status_name(code),
                  orc_status_name(st), err.msg);
    ck_assert_int_eq(err.code, code);
    ck_assert_ptr_eq(w, (orc_weights *)(uintptr_t)1); /* output untouched on failure */
    ck_assert_msg(strstr(err.msg, path) != NULL, "message does not name the file: %s", err.msg);
    ck_assert_msg(w1 == NULL || strstr(err.msg, w1) != NULL, "'%s' not in: %s", w1, err.msg);
    ck_assert_msg(w2 == NULL || strstr(err.msg, w2) != NULL, "'%s' not in: %s", w2, err.msg);
    discard(path);
}

static const uint32_t mnv2_cout[52] = {
    32, 32, 16, 96, 96, 24, 144, 144, 24, 144, 144, 32, 192, 192, 32, 192, 192, 32,
    192, 192, 64, 384, 384, 64, 384, 384, 64, 384, 384, 64, 384, 384, 96, 576, 576, 96,
    576, 576, 96, 576, 576, 160, 960, 960, 160, 960, 960, 160, 960, 960, 320, 1280};

START_TEST(test_real_file)
{
    orc_weights *w = NULL;
    orc_error err = {ORC_OK, ""};
    ck_assert_msg(orc_weights_open(weights_path(), &w, &err) == ORC_OK, "%s", err.msg);
    const orc_weights_info *info = orc_weights_get_info(w);
    ck_assert_uint_eq(info->layer_count, 52);
    ck_assert_float_eq(info->alpha, 1.0f);
    ck_assert_uint_eq(info->input_size, 224);
    ck_assert_uint_eq(info->input_channels, 3);
    ck_assert_uint_eq(info->feature_dim, 1280);
    ck_assert_float_eq(info->pre_scale, (float)(1.0 / 127.5));
    ck_assert_float_eq(info->pre_offset, -1.0f);
    /* info.sha256 is the SHA-256 of the whole file */
    size_t n;
    uint8_t *buf = load(weights_path(), &n), digest[32];
    sha(buf, n, digest);
    char hex[65];
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", digest[k]);
    ck_assert_str_eq(info->sha256, hex);
    free(buf);

    uint32_t cin = 3, params = 0, channels = 0;
    for (uint32_t i = 0; i < 52; i++) {
        const orc_layer *l = orc_weights_layer(w, i);
        ck_assert_ptr_nonnull(l);
        ck_assert_uint_eq(l->cin, cin);
        ck_assert_uint_eq(l->cout, mnv2_cout[i]);
        ck_assert_uint_eq((uintptr_t)l->weight % 64, 0);
        ck_assert_uint_eq((uintptr_t)l->bias % 64, 0);
        char want[48];
        uint32_t b = i < 3 ? 0 : (i - 3) / 3 + 1, pos = i < 3 ? i : (i - 3) % 3;
        if (i == 0) {
            ck_assert_str_eq(l->name, "Conv1");
            ck_assert_int_eq(l->kind, ORC_LAYER_CONV3X3);
            ck_assert_uint_eq(l->stride, 2);
            ck_assert_uint_eq(l->block, UINT32_MAX);
        } else if (i == 51) {
            ck_assert_str_eq(l->name, "Conv_1");
            ck_assert_int_eq(l->kind, ORC_LAYER_CONV1X1);
            ck_assert_uint_eq(l->relu6, 1);
            ck_assert_uint_eq(l->block, UINT32_MAX);
        } else if (i < 3) {
            ck_assert_str_eq(l->name, i == 1 ? "expanded_conv_depthwise" : "expanded_conv_project");
            ck_assert_uint_eq(l->block, 0);
            ck_assert_int_eq(l->residual_from, -1);
        } else {
            static const char *const role[3] = {"expand", "depthwise", "project"};
            snprintf(want, sizeof want, "block_%u_%s", b, role[pos]);
            ck_assert_str_eq(l->name, want);
            ck_assert_uint_eq(l->block, b);
            ck_assert_int_eq(l->kind, pos == 1 ? ORC_LAYER_DWCONV3X3 : ORC_LAYER_CONV1X1);
            ck_assert_uint_eq(l->relu6, pos != 2);
            int s2 = b == 1 || b == 3 || b == 6 || b == 13;
            ck_assert_uint_eq(l->stride, pos == 1 && s2 ? 2 : 1);
            int res = pos == 2 && (b == 2 || b == 4 || b == 5 || b == 7 || b == 8 || b == 9 ||
                                   b == 11 || b == 12 || b == 14 || b == 15);
            ck_assert_int_eq(l->residual_from, res ? (int32_t)(i - 2) : -1);
        }
        uint32_t nw = l->kind == ORC_LAYER_CONV3X3 ? 27 * l->cout
                      : l->kind == ORC_LAYER_DWCONV3X3 ? 9 * l->cout : l->cin * l->cout;
        for (uint32_t k = 0; k < nw; k++)
            ck_assert(isfinite(l->weight[k]));
        params += nw + l->cout;
        channels += l->cout;
        cin = l->cout;
    }
    /* Keras 2,257,984 parameters minus 3 of the 4 BN vectors per layer */
    ck_assert_uint_eq(params + 3 * channels, 2257984u);
    ck_assert_ptr_null(orc_weights_layer(w, 52));
    orc_weights_close(w);
    orc_weights_close(NULL);
}
END_TEST

START_TEST(test_truncated)
{
    size_t n;
    uint8_t *buf = load(weights_path(), &n);
    expect_error(save(buf, 0, "empty.orw"), ORC_ERR_FORMAT, "empty", "make weights");
    const size_t cuts[] = {5, 11, 12, 100, 191, 192, 1000, HDR + 52 * REC, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "cut%zu.orw", cuts[i]);
        expect_error(save(buf, cuts[i], name), ORC_ERR_FORMAT, "truncated", "make weights");
    }
    buf = realloc(buf, n + 64);
    memset(buf + n, 0, 64);
    expect_error(save(buf, n + 64, "trailing.orw"), ORC_ERR_FORMAT, "trailing", NULL);
    free(buf);
}
END_TEST

START_TEST(test_magic_and_version)
{
    size_t n;
    uint8_t *buf = load(weights_path(), &n);
    buf[3] ^= 0x20;
    expect_error(save(buf, n, "magic.orw"), ORC_ERR_FORMAT, "not an Orchard weight file",
                 "orchard-convert");
    expect_error(save(buf, 4, "magic-short.orw"), ORC_ERR_FORMAT, "bad magic", NULL);
    buf[3] ^= 0x20;
    put32(buf + 8, 2);
    expect_error(save(buf, n, "version.orw"), ORC_ERR_VERSION, "version 2", "make weights");
    put32(buf + 8, 0);
    expect_error(save(buf, 100, "version-short.orw"), ORC_ERR_VERSION, "version 0", NULL);
    free(buf);
}
END_TEST

START_TEST(test_bit_flips)
{
    size_t n;
    uint8_t *buf = load(weights_path(), &n);
    /* every field of the header after the version, one bit each */
    const size_t at[] = {12, 16, 24, 28, 40, 56, 60, 68, 72, 79, 100, 130, 191};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        buf[at[i]] ^= 0x04;
        expect_error(save(buf, n, "hdr.orw"), ORC_ERR_CHECKSUM, "header checksum", "damaged");
        buf[at[i]] ^= 0x04;
    }
    /* the layer table: a channel count, a name, an offset */
    const size_t tab[] = {HDR + 3 * REC + 56, HDR + 7 * REC + 2, HDR + 51 * REC + 80};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        buf[tab[i]] ^= 0x10;
        expect_error(save(buf, n, "table.orw"), ORC_ERR_CHECKSUM, "layer table checksum", NULL);
        buf[tab[i]] ^= 0x10;
    }
    /* a tensor: layer 9's weight (block_3_expand), and Conv_1's bias */
    uint8_t *r = buf + HDR + 9 * REC;
    size_t off = get64(r + 80) + get64(r + 88) / 2;
    buf[off] ^= 0x01;
    expect_error(save(buf, n, "tensor.orw"), ORC_ERR_CHECKSUM, "layer 9 (block_3_expand): weight",
                 "checksum mismatch");
    buf[off] ^= 0x01;
    r = buf + HDR + 51 * REC;
    off = get64(r + 96) + 4;
    buf[off] ^= 0x80;
    expect_error(save(buf, n, "bias.orw"), ORC_ERR_CHECKSUM, "layer 51 (Conv_1): bias", NULL);
    buf[off] ^= 0x80;
    /* padding between tensors (layer 5's bias is 24 floats, 96 bytes: padded to 128) */
    r = buf + HDR + 5 * REC;
    off = get64(r + 96) + get64(r + 104) + 3;
    ck_assert_uint_lt(off, get64(r + 192 + 80));
    buf[off] = 1;
    expect_error(save(buf, n, "pad.orw"), ORC_ERR_CHECKSUM, "padding", NULL);
    buf[off] = 0;
    orc_weights *w = NULL;
    const char *restored = save(buf, n, "restored.orw");
    ck_assert_int_eq(orc_weights_open(restored, &w, NULL), ORC_OK);
    orc_weights_close(w);
    discard(restored);
    free(buf);
}
END_TEST

/* FORMAT.md: every byte is covered by a checksum or a zero rule, so any one flipped bit is
 * refused. 96 flips at pseudo-random positions (half in the header and table), each on the
 * same file, restored after. */
START_TEST(test_random_bit_flips)
{
    size_t n;
    uint8_t *buf = load(weights_path(), &n);
    const char *path = save(buf, n, "flip.orw");
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    uint64_t s = 12345;
    for (int i = 0; i < 96; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t range = i % 2 == 0 ? HDR + 52 * REC : n;
        size_t at = (size_t)((s >> 20) % range);
        uint8_t bit = (uint8_t)(1u << ((s >> 8) & 7));
        uint8_t b = buf[at] ^ bit;
        ck_assert_int_eq(fseek(f, (long)at, SEEK_SET), 0);
        ck_assert_uint_eq(fwrite(&b, 1, 1, f), 1);
        fflush(f);
        orc_weights *w = NULL;
        orc_error err = {ORC_OK, ""};
        orc_status st = orc_weights_open(path, &w, &err);
        ck_assert_msg(st == ORC_ERR_CHECKSUM || st == ORC_ERR_FORMAT || st == ORC_ERR_VERSION,
                      "flip at byte %zu bit %u: %s (%s)", at, bit, orc_status_name(st), err.msg);
        ck_assert_ptr_null(w);
        ck_assert_int_eq(fseek(f, (long)at, SEEK_SET), 0);
        ck_assert_uint_eq(fwrite(&buf[at], 1, 1, f), 1);
        fflush(f);
    }
    fclose(f);
    orc_weights *w = NULL;
    ck_assert_int_eq(orc_weights_open(path, &w, NULL), ORC_OK);
    orc_weights_close(w);
    discard(path);
    free(buf);
}
END_TEST

START_TEST(test_bad_offsets)
{
    size_t n;
    uint8_t *buf = load(weights_path(), &n);
    uint8_t *r = buf + HDR + 5 * REC;
    uint64_t woff = get64(r + 80);
    put64(r + 80, n + 64); /* past the end */
    reseal(buf, 0);
    expect_error(save(buf, n, "off-end.orw"), ORC_ERR_FORMAT, "weight offset", "outside");
    put64(r + 80, UINT64_MAX - 63); /* overflow when adding the size */
    reseal(buf, 0);
    expect_error(save(buf, n, "off-wrap.orw"), ORC_ERR_FORMAT, "weight offset", "outside");
    put64(r + 80, woff + 4); /* misaligned */
    reseal(buf, 0);
    expect_error(save(buf, n, "off-align.orw"), ORC_ERR_FORMAT, "not 64-byte aligned", NULL);
    put64(r + 80, get64(buf + HDR + 4 * REC + 96)); /* overlaps the previous bias */
    reseal(buf, 0);
    expect_error(save(buf, n, "off-overlap.orw"), ORC_ERR_FORMAT, "layer 5", "outside");
    put64(r + 80, woff);
    put64(r + 88, get64(r + 88) - 4); /* size does not fit the shape */
    reseal(buf, 0);
    expect_error(save(buf, n, "size.orw"), ORC_ERR_FORMAT, "its shape needs", NULL);
    put64(r + 88, get64(r + 88) + 4);
    put64(buf + 40, get64(buf + 40) + 64); /* data offset does not follow the table */
    reseal(buf, 0);
    expect_error(save(buf, n, "data.orw"), ORC_ERR_FORMAT, "data offset", NULL);
    put64(buf + 40, get64(buf + 40) - 64);
    put32(buf + 24, 100000); /* layer count */
    reseal_header(buf);
    expect_error(save(buf, n, "count.orw"), ORC_ERR_FORMAT, "layer count", NULL);
    free(buf);
}
END_TEST

START_TEST(test_graph_and_numbers)
{
    size_t n;
    uint8_t *buf = load(weights_path(), &n);
    uint8_t *r = buf + HDR + 20 * REC;
    float nan = NAN;
    uint8_t saved[4];
    uint64_t off = get64(r + 80) + 40;
    memcpy(saved, buf + off, 4);
    memcpy(buf + off, &nan, 4);
    reseal(buf, 1);
    expect_error(save(buf, n, "nan.orw"), ORC_ERR_NUMERIC, "layer 20", "NaN");
    memcpy(buf + off, saved, 4);
    put32(r + 68, 25); /* residual from a later layer */
    reseal(buf, 0);
    expect_error(save(buf, n, "res.orw"), ORC_ERR_FORMAT, "residual", NULL);
    put32(r + 68, 19); /* residual whose channels do not match */
    reseal(buf, 0);
    expect_error(save(buf, n, "res2.orw"), ORC_ERR_FORMAT, "residual", "match");
    put32(r + 68, (uint32_t)-1);
    put32(r + 52, 2); /* stride 2 on a 1x1 layer */
    reseal(buf, 0);
    expect_error(save(buf, n, "stride.orw"), ORC_ERR_FORMAT, "stride 2", NULL);
    put32(r + 52, 1);
    put32(r + 48, 7); /* unknown kind */
    reseal(buf, 0);
    expect_error(save(buf, n, "kind.orw"), ORC_ERR_FORMAT, "unknown kind", NULL);
    put32(r + 48, ORC_LAYER_CONV1X1);
    reseal(buf, 1);
    orc_weights *w = NULL;
    const char *ok = save(buf, n, "ok.orw");
    ck_assert_int_eq(orc_weights_open(ok, &w, NULL), ORC_OK);
    orc_weights_close(w);
    discard(ok);
    free(buf);
}
END_TEST

START_TEST(test_not_a_file)
{
    expect_error("/nonexistent/w.orw", ORC_ERR_IO, "make weights", NULL);
    const char *dir = orc_test_tmpdir();
    expect_error(dir, ORC_ERR_IO, "not a regular file", NULL);
    rmdir(dir);
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/fifo.orw", orc_test_tmpdir());
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    expect_error(fifo, ORC_ERR_IO, "not a regular file", NULL); /* and does not hang */
    ck_assert_int_eq(orc_weights_open(NULL, NULL, NULL), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(orc_weights_get_info(NULL));
    ck_assert_ptr_null(orc_weights_layer(NULL, 0));
}
END_TEST

/* a tiny valid model: conv3x3 3->8 s2, dw 8, 1x1 8->8 (+residual), 1x1 8->16 */
static void tiny_model(orc_weights_info *info, orc_layer layers[4], float *storage)
{
    memset(info, 0, sizeof *info);
    info->alpha = 0.5f;
    info->input_size = 32;
    info->input_channels = 3;
    info->feature_dim = 16;
    info->pre_scale = 2.0f;
    info->pre_offset = 0.25f;
    info->layer_count = 4;
    const orc_layer_kind kinds[4] = {ORC_LAYER_CONV3X3, ORC_LAYER_DWCONV3X3, ORC_LAYER_CONV1X1,
                                     ORC_LAYER_CONV1X1};
    const uint32_t cin[4] = {3, 8, 8, 8}, cout[4] = {8, 8, 8, 16}, nw[4] = {216, 72, 64, 128};
    float *p = storage;
    for (int i = 0; i < 4; i++) {
        memset(&layers[i], 0, sizeof layers[i]);
        layers[i].kind = kinds[i];
        layers[i].stride = i == 0 ? 2 : 1;
        layers[i].cin = cin[i];
        layers[i].cout = cout[i];
        layers[i].relu6 = i != 2;
        layers[i].residual_from = i == 2 ? 1 : -1;
        layers[i].block = i == 0 ? UINT32_MAX : 0;
        snprintf(layers[i].name, sizeof layers[i].name, "layer_%d", i);
        for (uint32_t k = 0; k < nw[i] + cout[i]; k++)
            p[k] = (float)((int)((k * 2654435761u + (uint32_t)i) % 2001u) - 1000) / 997.0f;
        layers[i].weight = p;
        layers[i].bias = p + nw[i];
        p += nw[i] + cout[i];
    }
}

START_TEST(test_write_round_trip)
{
    orc_weights_info info;
    orc_layer layers[4];
    float storage[600];
    tiny_model(&info, layers, storage);
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.orw", orc_test_tmpdir());
    orc_error err = {ORC_OK, ""};
    ck_assert_msg(orc_weights_write(path, &info, layers, &err) == ORC_OK, "%s", err.msg);
    orc_weights *w = NULL;
    ck_assert_msg(orc_weights_open(path, &w, &err) == ORC_OK, "%s", err.msg);
    const orc_weights_info *got = orc_weights_get_info(w);
    ck_assert_float_eq(got->alpha, 0.5f);
    ck_assert_uint_eq(got->input_size, 32);
    ck_assert_float_eq(got->pre_scale, 2.0f);
    ck_assert_float_eq(got->pre_offset, 0.25f);
    ck_assert_uint_eq(got->feature_dim, 16);
    const uint32_t nw[4] = {216, 72, 64, 128};
    for (uint32_t i = 0; i < 4; i++) {
        const orc_layer *l = orc_weights_layer(w, i);
        ck_assert_str_eq(l->name, layers[i].name);
        ck_assert_int_eq(l->kind, layers[i].kind);
        ck_assert_int_eq(l->residual_from, layers[i].residual_from);
        ck_assert_uint_eq(l->block, layers[i].block);
        ck_assert_int_eq(memcmp(l->weight, layers[i].weight, nw[i] * 4), 0);
        ck_assert_int_eq(memcmp(l->bias, layers[i].bias, layers[i].cout * 4), 0);
    }
    orc_weights_close(w);
    /* the writer refuses what the loader would refuse */
    storage[300] = INFINITY;
    ck_assert_int_eq(orc_weights_write(path, &info, layers, &err), ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "Inf"));
    tiny_model(&info, layers, storage);
    layers[3].cin = 9;
    ck_assert_int_eq(orc_weights_write(path, &info, layers, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "layer 3 (layer_3) takes 9 channels but layer_2 gives 8"));
    tiny_model(&info, layers, storage);
    info.feature_dim = 17;
    ck_assert_int_eq(orc_weights_write(path, &info, layers, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "feature dim"));
    discard(path);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("weights");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_real_file);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_magic_and_version);
    tcase_add_test(tc, test_bit_flips);
    tcase_add_test(tc, test_random_bit_flips);
    tcase_add_test(tc, test_bad_offsets);
    tcase_add_test(tc, test_graph_and_numbers);
    tcase_add_test(tc, test_not_a_file);
    tcase_add_test(tc, test_write_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
