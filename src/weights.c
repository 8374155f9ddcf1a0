/* weights.c -- the .orw weight file: validating memory-mapped loader and writer.
 *
 * Layout (normative: weights/FORMAT.md): a 192-byte header, a table of 192-byte layer records,
 * then the float32 tensors, each 64-byte aligned, zero padding between them. All fields are
 * little-endian and fixed-width; they are decoded with explicit byte order, never by casting
 * the mapping to a struct. SHA-256 (OpenSSL EVP) protects the header, the layer table and
 * every tensor.
 *
 * orc_weights_open() checks, in this order, so that each failure gets the most specific
 * message: size, magic, version, header checksum, header fields, file size, layer table
 * checksum, each record (fields, offsets, sizes, alignment, overlap), the layer graph,
 * the padding bytes, every tensor checksum, then NaN/Inf. Nothing from the file is used
 * before the check that covers it. The writer runs the same graph validation before writing.
 */
#include "weights.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORW_MAGIC "ORCHARDW"
#define ORW_VERSION 1u
#define ORW_HEADER_SIZE 192u
#define ORW_RECORD_SIZE 192u
#define ORW_ALIGN 64u
#define ORW_MAX_LAYERS 256u
#define ORW_NAME_SIZE 48u
#define ORW_SHA_SIZE 32u
#define ORW_REBUILD "rebuild it with `make weights` (or orchard-convert)"

/* header field offsets */
enum {
    H_MAGIC = 0, H_VERSION = 8, H_HEADER_SIZE = 12, H_FILE_SIZE = 16, H_LAYER_COUNT = 24,
    H_RECORD_SIZE = 28, H_TABLE_OFFSET = 32, H_DATA_OFFSET = 40, H_DATA_SIZE = 48,
    H_ALPHA = 56, H_INPUT_SIZE = 60, H_INPUT_CHANNELS = 64, H_FEATURE_DIM = 68,
    H_PRE_SCALE = 72, H_PRE_OFFSET = 76, H_RESERVED = 80, H_RESERVED_END = 128,
    H_TABLE_SHA = 128, H_HEADER_SHA = 160
};
/* layer record field offsets */
enum {
    R_NAME = 0, R_KIND = 48, R_STRIDE = 52, R_CIN = 56, R_COUT = 60, R_RELU6 = 64,
    R_RESIDUAL = 68, R_BLOCK = 72, R_RESERVED0 = 76, R_WEIGHT_OFFSET = 80, R_WEIGHT_SIZE = 88,
    R_BIAS_OFFSET = 96, R_BIAS_SIZE = 104, R_RESERVED1 = 112, R_RESERVED1_END = 128,
    R_WEIGHT_SHA = 128, R_BIAS_SHA = 160
};

struct orc_weights {
    const uint8_t *map; /* the whole file, read-only */
    size_t size;
    orc_weights_info info;
    orc_layer *layers; /* [info.layer_count] */
};

/* ---- little-endian field access ------------------------------------------------------------ */

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return le32toh(v);
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

static float rdf32(const uint8_t *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void wr32(uint8_t *p, uint32_t v)
{
    v = htole32(v);
    memcpy(p, &v, sizeof v);
}

static void wr64(uint8_t *p, uint64_t v)
{
    v = htole64(v);
    memcpy(p, &v, sizeof v);
}

static void wrf32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    wr32(p, u);
}

static uint64_t align_up(uint64_t v)
{
    return (v + ORW_ALIGN - 1) / ORW_ALIGN * ORW_ALIGN;
}

static int sha256(const void *a, size_t na, const void *b, size_t nb, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, a, na) == 1 && (nb == 0 || EVP_DigestUpdate(ctx, b, nb) == 1) &&
             EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static uint64_t weight_elements(orc_layer_kind kind, uint32_t cin, uint32_t cout)
{
    switch (kind) {
    case ORC_LAYER_CONV3X3:
        return 9ull * cin * cout;
    case ORC_LAYER_DWCONV3X3:
        return 9ull * cout;
    case ORC_LAYER_CONV1X1:
        return (uint64_t)cin * cout;
    }
    return 0;
}

static const char *kind_name(orc_layer_kind kind)
{
    switch (kind) {
    case ORC_LAYER_CONV3X3:
        return "conv3x3";
    case ORC_LAYER_DWCONV3X3:
        return "dwconv3x3";
    case ORC_LAYER_CONV1X1:
        return "conv1x1";
    }
    return "unknown";
}

/* ---- validation shared by the loader and the writer ---------------------------------------- */

static orc_status check_info(const char *path, const orc_weights_info *info, orc_error *err)
{
    if (!(isfinite(info->alpha) && info->alpha > 0.0f && info->alpha <= 8.0f))
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: alpha %g is not in (0, 8]; "
                             ORW_REBUILD, path, (double)info->alpha);
    if (info->input_size < 8 || info->input_size > 8192)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: input size %u is not in "
                             "[8, 8192]; " ORW_REBUILD, path, info->input_size);
    if (info->input_channels < 1 || info->input_channels > 16)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: %u input channels is not in "
                             "[1, 16]; " ORW_REBUILD, path, info->input_channels);
    if (!isfinite(info->pre_scale) || info->pre_scale == 0.0f || !isfinite(info->pre_offset))
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: preprocessing constants "
                             "(scale %g, offset %g) are not finite and non-zero; " ORW_REBUILD,
                             path, (double)info->pre_scale, (double)info->pre_offset);
    if (info->layer_count < 1 || info->layer_count > ORW_MAX_LAYERS)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer count %u is not in "
                             "[1, %u]; " ORW_REBUILD, path, info->layer_count, ORW_MAX_LAYERS);
    return ORC_OK;
}

/* The layer graph: kinds, strides, channel chain, residual links, feature dim. */
static orc_status check_graph(const char *path, const orc_weights_info *info,
                              const orc_layer *layers, orc_error *err)
{
    uint32_t n = info->layer_count;
    for (uint32_t i = 0; i < n; i++) {
        const orc_layer *l = &layers[i];
        const char *nm = l->name;
        if (l->kind != ORC_LAYER_CONV3X3 && l->kind != ORC_LAYER_DWCONV3X3 &&
            l->kind != ORC_LAYER_CONV1X1)
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): unknown "
                                 "kind %u; " ORW_REBUILD, path, i, nm, (unsigned)l->kind);
        if (l->stride != 1 && !(l->stride == 2 && l->kind != ORC_LAYER_CONV1X1))
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): stride "
                                 "%u is invalid for a %s layer; " ORW_REBUILD, path, i, nm,
                                 l->stride, kind_name(l->kind));
        if (l->cin < 1 || l->cin > 65536 || l->cout < 1 || l->cout > 65536)
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): channel "
                                 "counts %u -> %u are not in [1, 65536]; " ORW_REBUILD, path, i,
                                 nm, l->cin, l->cout);
        if (l->kind == ORC_LAYER_DWCONV3X3 && l->cin != l->cout)
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): depthwise "
                                 "layer with %u input but %u output channels; " ORW_REBUILD,
                                 path, i, nm, l->cin, l->cout);
        uint32_t expect_cin = i == 0 ? info->input_channels : layers[i - 1].cout;
        if (l->cin != expect_cin)
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s) takes %u "
                                 "channels but %s gives %u; " ORW_REBUILD, path, i, nm, l->cin,
                                 i == 0 ? "the input" : layers[i - 1].name, expect_cin);
        if (l->relu6 > 1)
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): relu6 "
                                 "flag %u is not 0 or 1; " ORW_REBUILD, path, i, nm, l->relu6);
        if (l->block != UINT32_MAX && l->block >= ORW_MAX_LAYERS)
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): block "
                                 "index %u is out of range; " ORW_REBUILD, path, i, nm, l->block);
        if (l->residual_from != -1) {
            int32_t r = l->residual_from;
            if (r < 0 || (uint32_t)r >= i)
                return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): "
                                     "residual_from %d is not an earlier layer; " ORW_REBUILD,
                                     path, i, nm, (int)r);
            if (layers[r].cin != l->cout)
                return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): "
                                     "residual from the input of layer %d (%u channels) does not "
                                     "match its %u output channels; " ORW_REBUILD, path, i, nm,
                                     (int)r, layers[r].cin, l->cout);
            for (uint32_t k = (uint32_t)r; k <= i; k++)
                if (layers[k].stride != 1)
                    return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): "
                                         "residual spans the stride-%u layer %s; " ORW_REBUILD,
                                         path, i, nm, layers[k].stride, layers[k].name);
            if (l->relu6)
                return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): a "
                                     "layer with a residual must be linear; " ORW_REBUILD,
                                     path, i, nm);
        }
    }
    if (layers[n - 1].cout != info->feature_dim)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: feature dim %u differs from "
                             "the last layer's %u channels; " ORW_REBUILD, path,
                             info->feature_dim, layers[n - 1].cout);
    return ORC_OK;
}

static orc_status check_finite(const char *path, const orc_layer *l, uint32_t i, orc_error *err)
{
    uint64_t nw = weight_elements(l->kind, l->cin, l->cout);
    for (uint64_t k = 0; k < nw; k++)
        if (!isfinite(l->weight[k]))
            return orc_error_set(err, ORC_ERR_NUMERIC, "weights file %s: layer %u (%s): weight "
                                 "%llu is %s; " ORW_REBUILD, path, i, l->name,
                                 (unsigned long long)k, isnan(l->weight[k]) ? "NaN" : "Inf");
    for (uint32_t k = 0; k < l->cout; k++)
        if (!isfinite(l->bias[k]))
            return orc_error_set(err, ORC_ERR_NUMERIC, "weights file %s: layer %u (%s): bias %u "
                                 "is %s; " ORW_REBUILD, path, i, l->name, k,
                                 isnan(l->bias[k]) ? "NaN" : "Inf");
    return ORC_OK;
}

/* ---- loader -------------------------------------------------------------------------------- */

static orc_status check_header(const char *path, const uint8_t *m, size_t size,
                               orc_weights_info *info, orc_error *err)
{
    if (size == 0)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s is empty (0 bytes); "
                             ORW_REBUILD, path);
    size_t nmagic = size < 8 ? size : 8;
    if (memcmp(m, ORW_MAGIC, nmagic) != 0)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s is not an Orchard weight file (bad magic: "
                             "expected \"" ORW_MAGIC "\"); convert the Keras .h5 with "
                             "orchard-convert or `make weights`", path);
    if (size < 12)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s is truncated: %zu bytes, the "
                             "header alone is %u; " ORW_REBUILD, path, size, ORW_HEADER_SIZE);
    uint32_t version = rd32(m + H_VERSION);
    if (version != ORW_VERSION)
        return orc_error_set(err, ORC_ERR_VERSION, "weights file %s has format version %u, this "
                             "build reads version %u; " ORW_REBUILD, path, version, ORW_VERSION);
    if (size < ORW_HEADER_SIZE)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s is truncated: %zu bytes, the "
                             "header alone is %u; " ORW_REBUILD, path, size, ORW_HEADER_SIZE);
    uint8_t digest[ORW_SHA_SIZE];
    if (!sha256(m, H_HEADER_SHA, NULL, 0, digest))
        return orc_error_set(err, ORC_ERR_INTERNAL, "weights file %s: SHA-256 failed", path);
    if (memcmp(digest, m + H_HEADER_SHA, ORW_SHA_SIZE) != 0)
        return orc_error_set(err, ORC_ERR_CHECKSUM, "weights file %s: header checksum mismatch "
                             "(the file is damaged); " ORW_REBUILD, path);
    if (rd32(m + H_HEADER_SIZE) != ORW_HEADER_SIZE || rd32(m + H_RECORD_SIZE) != ORW_RECORD_SIZE ||
        rd64(m + H_TABLE_OFFSET) != ORW_HEADER_SIZE ||
        !all_zero(m + H_RESERVED, H_RESERVED_END - H_RESERVED))
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: header size %u, record size "
                             "%u, table offset %llu or reserved bytes differ from version %u; "
                             ORW_REBUILD, path, rd32(m + H_HEADER_SIZE), rd32(m + H_RECORD_SIZE),
                             (unsigned long long)rd64(m + H_TABLE_OFFSET), ORW_VERSION);
    uint64_t file_size = rd64(m + H_FILE_SIZE);
    if (file_size > size)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s is truncated: %zu bytes, its "
                             "header says %llu; " ORW_REBUILD, path, size,
                             (unsigned long long)file_size);
    if (file_size < size)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s has %llu trailing bytes after "
                             "the %llu its header declares; " ORW_REBUILD, path,
                             (unsigned long long)(size - file_size), (unsigned long long)file_size);
    info->alpha = rdf32(m + H_ALPHA);
    info->input_size = rd32(m + H_INPUT_SIZE);
    info->input_channels = rd32(m + H_INPUT_CHANNELS);
    info->feature_dim = rd32(m + H_FEATURE_DIM);
    info->pre_scale = rdf32(m + H_PRE_SCALE);
    info->pre_offset = rdf32(m + H_PRE_OFFSET);
    info->layer_count = rd32(m + H_LAYER_COUNT);
    orc_status st = check_info(path, info, err);
    if (st != ORC_OK)
        return st;
    uint64_t data_offset = ORW_HEADER_SIZE + (uint64_t)info->layer_count * ORW_RECORD_SIZE;
    if (rd64(m + H_DATA_OFFSET) != data_offset || data_offset > file_size ||
        rd64(m + H_DATA_SIZE) != file_size - data_offset)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: data offset %llu / size %llu "
                             "do not follow the %u-layer table (expected offset %llu, file %llu "
                             "bytes); " ORW_REBUILD, path,
                             (unsigned long long)rd64(m + H_DATA_OFFSET),
                             (unsigned long long)rd64(m + H_DATA_SIZE), info->layer_count,
                             (unsigned long long)data_offset, (unsigned long long)file_size);
    if (!sha256(m + ORW_HEADER_SIZE, data_offset - ORW_HEADER_SIZE, NULL, 0, digest))
        return orc_error_set(err, ORC_ERR_INTERNAL, "weights file %s: SHA-256 failed", path);
    if (memcmp(digest, m + H_TABLE_SHA, ORW_SHA_SIZE) != 0)
        return orc_error_set(err, ORC_ERR_CHECKSUM, "weights file %s: layer table checksum "
                             "mismatch (the file is damaged); " ORW_REBUILD, path);
    return ORC_OK;
}

/* One tensor's placement: 64-byte aligned, inside the data area, after the previous tensor,
 * exactly the size its shape needs; the gap before it must be zero padding. */
static orc_status check_tensor(const char *path, const uint8_t *m, size_t size, uint32_t i,
                               const char *name, const char *what, uint64_t offset,
                               uint64_t bytes, uint64_t expect_bytes, uint64_t *cursor,
                               orc_error *err)
{
    if (bytes != expect_bytes)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): %s size %llu "
                             "bytes, its shape needs %llu; " ORW_REBUILD, path, i, name, what,
                             (unsigned long long)bytes, (unsigned long long)expect_bytes);
    if (offset % ORW_ALIGN != 0)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): %s offset %llu "
                             "is not %u-byte aligned; " ORW_REBUILD, path, i, name, what,
                             (unsigned long long)offset, ORW_ALIGN);
    if (offset < *cursor || offset > size || bytes > size - offset)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): %s offset %llu "
                             "size %llu is outside the free data area [%llu, %zu); " ORW_REBUILD,
                             path, i, name, what, (unsigned long long)offset,
                             (unsigned long long)bytes, (unsigned long long)*cursor, size);
    if (!all_zero(m + *cursor, offset - *cursor))
        return orc_error_set(err, ORC_ERR_CHECKSUM, "weights file %s: non-zero padding before "
                             "layer %u (%s) %s (the file is damaged); " ORW_REBUILD, path, i,
                             name, what);
    *cursor = offset + bytes;
    return ORC_OK;
}

static orc_status parse_layers(const char *path, const uint8_t *m, size_t size,
                               const orc_weights_info *info, orc_layer *layers, orc_error *err)
{
    uint64_t cursor = ORW_HEADER_SIZE + (uint64_t)info->layer_count * ORW_RECORD_SIZE;
    for (uint32_t i = 0; i < info->layer_count; i++) {
        const uint8_t *r = m + ORW_HEADER_SIZE + (size_t)i * ORW_RECORD_SIZE;
        orc_layer *l = &layers[i];
        size_t len = strnlen((const char *)r + R_NAME, ORW_NAME_SIZE);
        if (len == 0 || len == ORW_NAME_SIZE || !all_zero(r + R_NAME + len, ORW_NAME_SIZE - len))
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u: name is empty, "
                                 "unterminated or not zero-padded; " ORW_REBUILD, path, i);
        for (size_t k = 0; k < len; k++)
            if (r[R_NAME + k] < 0x21 || r[R_NAME + k] > 0x7e)
                return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u: name has "
                                     "a non-printable byte; " ORW_REBUILD, path, i);
        memcpy(l->name, r + R_NAME, len);
        memset(l->name + len, 0, sizeof l->name - len);
        l->kind = (orc_layer_kind)rd32(r + R_KIND);
        l->stride = rd32(r + R_STRIDE);
        l->cin = rd32(r + R_CIN);
        l->cout = rd32(r + R_COUT);
        l->relu6 = rd32(r + R_RELU6);
        l->residual_from = (int32_t)rd32(r + R_RESIDUAL);
        l->block = rd32(r + R_BLOCK);
        if (rd32(r + R_RESERVED0) != 0 || !all_zero(r + R_RESERVED1, R_RESERVED1_END - R_RESERVED1))
            return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: layer %u (%s): reserved "
                                 "bytes are not zero; " ORW_REBUILD, path, i, l->name);
    }
    orc_status st = check_graph(path, info, layers, err);
    if (st != ORC_OK)
        return st;
    for (uint32_t i = 0; i < info->layer_count; i++) {
        const uint8_t *r = m + ORW_HEADER_SIZE + (size_t)i * ORW_RECORD_SIZE;
        orc_layer *l = &layers[i];
        uint64_t woff = rd64(r + R_WEIGHT_OFFSET), wbytes = rd64(r + R_WEIGHT_SIZE);
        uint64_t boff = rd64(r + R_BIAS_OFFSET), bbytes = rd64(r + R_BIAS_SIZE);
        st = check_tensor(path, m, size, i, l->name, "weight", woff, wbytes,
                          4 * weight_elements(l->kind, l->cin, l->cout), &cursor, err);
        if (st == ORC_OK)
            st = check_tensor(path, m, size, i, l->name, "bias", boff, bbytes,
                              4ull * l->cout, &cursor, err);
        if (st != ORC_OK)
            return st;
        l->weight = (const float *)(const void *)(m + woff);
        l->bias = (const float *)(const void *)(m + boff);
    }
    if (!all_zero(m + cursor, size - cursor))
        return orc_error_set(err, ORC_ERR_CHECKSUM, "weights file %s: non-zero bytes after the "
                             "last tensor (the file is damaged); " ORW_REBUILD, path);
    if (size - cursor >= ORW_ALIGN)
        return orc_error_set(err, ORC_ERR_FORMAT, "weights file %s: %zu bytes of padding after "
                             "the last tensor (at most %u allowed); " ORW_REBUILD, path,
                             (size_t)(size - cursor), ORW_ALIGN - 1);
    for (uint32_t i = 0; i < info->layer_count; i++) {
        const uint8_t *r = m + ORW_HEADER_SIZE + (size_t)i * ORW_RECORD_SIZE;
        const orc_layer *l = &layers[i];
        uint8_t digest[ORW_SHA_SIZE];
        for (int t = 0; t < 2; t++) {
            const void *p = t == 0 ? (const void *)l->weight : (const void *)l->bias;
            uint64_t n = rd64(r + (t == 0 ? R_WEIGHT_SIZE : R_BIAS_SIZE));
            if (!sha256(p, n, NULL, 0, digest))
                return orc_error_set(err, ORC_ERR_INTERNAL, "weights file %s: SHA-256 failed",
                                     path);
            if (memcmp(digest, r + (t == 0 ? R_WEIGHT_SHA : R_BIAS_SHA), ORW_SHA_SIZE) != 0)
                return orc_error_set(err, ORC_ERR_CHECKSUM, "weights file %s: layer %u (%s): "
                                     "%s checksum mismatch (the file is damaged); " ORW_REBUILD,
                                     path, i, l->name, t == 0 ? "weight" : "bias");
        }
        st = check_finite(path, l, i, err);
        if (st != ORC_OK)
            return st;
    }
    return ORC_OK;
}

orc_status orc_weights_open(const char *path, orc_weights **out, orc_error *err)
{
    if (path == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_weights_open: NULL argument");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    return orc_error_set(err, ORC_ERR_UNSUPPORTED, "weights file %s: this build runs on a "
                         "big-endian CPU; the .orw tensors are little-endian and mapped as is",
                         path);
#endif
    orc_status st = ORC_OK;
    orc_weights *w = NULL;
    void *map = MAP_FAILED;
    size_t size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block us */
    if (fd < 0) {
        st = orc_error_set(err, ORC_ERR_IO, "cannot open weights file %s: %s; build it with "
                           "`make weights`", path, strerror(errno));
        goto done;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = orc_error_set(err, ORC_ERR_IO, "weights file %s is not a regular file", path);
        goto done;
    }
    size = (size_t)sb.st_size;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            st = orc_error_set(err, ORC_ERR_IO, "cannot map weights file %s: %s", path,
                               strerror(errno));
            goto done;
        }
    }
    w = calloc(1, sizeof *w);
    if (w == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "weights file %s: out of memory", path);
        goto done;
    }
    st = check_header(path, map == MAP_FAILED ? (const uint8_t *)"" : map, size, &w->info, err);
    if (st != ORC_OK)
        goto done;
    w->layers = calloc(w->info.layer_count, sizeof *w->layers);
    if (w->layers == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "weights file %s: out of memory", path);
        goto done;
    }
    st = parse_layers(path, map, size, &w->info, w->layers, err);
    if (st != ORC_OK)
        goto done;
    uint8_t digest[ORW_SHA_SIZE];
    if (!sha256(map, size, NULL, 0, digest)) {
        st = orc_error_set(err, ORC_ERR_INTERNAL, "weights file %s: SHA-256 failed", path);
        goto done;
    }
    for (unsigned k = 0; k < ORW_SHA_SIZE; k++)
        snprintf(w->info.sha256 + 2 * k, 3, "%02x", digest[k]);
    w->map = map;
    w->size = size;
    *out = w;
    w = NULL;
    map = MAP_FAILED;
done:
    if (w != NULL) {
        free(w->layers);
        free(w);
    }
    if (map != MAP_FAILED)
        munmap(map, size);
    if (fd >= 0)
        close(fd);
    return st;
}

void orc_weights_close(orc_weights *w)
{
    if (w == NULL)
        return;
    munmap((void *)(uintptr_t)w->map, w->size);
    free(w->layers);
    free(w);
}

const orc_weights_info *orc_weights_get_info(const orc_weights *w)
{
    return w == NULL ? NULL : &w->info;
}

const orc_layer *orc_weights_layer(const orc_weights *w, uint32_t i)
{
    if (w == NULL || i >= w->info.layer_count)
        return NULL;
    return &w->layers[i];
}

/* ---- writer -------------------------------------------------------------------------------- */

orc_status orc_weights_write(const char *path, const orc_weights_info *info,
                             const orc_layer *layers, orc_error *err)
{
    if (path == NULL || info == NULL || layers == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_weights_write: NULL argument");
    orc_status st = check_info(path, info, err);
    if (st != ORC_OK)
        return st;
    st = check_graph(path, info, layers, err);
    if (st != ORC_OK)
        return st;
    uint32_t n = info->layer_count;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strnlen(layers[i].name, sizeof layers[i].name);
        if (len == 0 || len == sizeof layers[i].name)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "writing %s: layer %u: name is "
                                 "empty or longer than %zu bytes", path, i,
                                 sizeof layers[i].name - 1);
        if (layers[i].weight == NULL || layers[i].bias == NULL)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "writing %s: layer %u (%s) has "
                                 "no weight or bias", path, i, layers[i].name);
        st = check_finite(path, &layers[i], i, err);
        if (st != ORC_OK)
            return st;
    }
    uint64_t table_end = ORW_HEADER_SIZE + (uint64_t)n * ORW_RECORD_SIZE;
    uint64_t cursor = table_end;
    for (uint32_t i = 0; i < n; i++) {
        cursor = align_up(cursor + 4 * weight_elements(layers[i].kind, layers[i].cin,
                                                       layers[i].cout));
        cursor = align_up(cursor + 4ull * layers[i].cout);
    }
    uint64_t file_size = cursor;
    uint8_t *buf = calloc(1, file_size);
    if (buf == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "writing %s: out of memory (%llu bytes)",
                             path, (unsigned long long)file_size);
    int ok = 1;
    cursor = table_end;
    for (uint32_t i = 0; i < n; i++) {
        const orc_layer *l = &layers[i];
        uint8_t *r = buf + ORW_HEADER_SIZE + (size_t)i * ORW_RECORD_SIZE;
        uint64_t wbytes = 4 * weight_elements(l->kind, l->cin, l->cout), bbytes = 4ull * l->cout;
        memcpy(r + R_NAME, l->name, strnlen(l->name, sizeof l->name));
        wr32(r + R_KIND, (uint32_t)l->kind);
        wr32(r + R_STRIDE, l->stride);
        wr32(r + R_CIN, l->cin);
        wr32(r + R_COUT, l->cout);
        wr32(r + R_RELU6, l->relu6);
        wr32(r + R_RESIDUAL, (uint32_t)l->residual_from);
        wr32(r + R_BLOCK, l->block);
        wr64(r + R_WEIGHT_OFFSET, cursor);
        wr64(r + R_WEIGHT_SIZE, wbytes);
        for (uint64_t k = 0; k < wbytes / 4; k++)
            wrf32(buf + cursor + 4 * k, l->weight[k]);
        ok &= sha256(buf + cursor, wbytes, NULL, 0, r + R_WEIGHT_SHA);
        cursor = align_up(cursor + wbytes);
        wr64(r + R_BIAS_OFFSET, cursor);
        wr64(r + R_BIAS_SIZE, bbytes);
        for (uint64_t k = 0; k < bbytes / 4; k++)
            wrf32(buf + cursor + 4 * k, l->bias[k]);
        ok &= sha256(buf + cursor, bbytes, NULL, 0, r + R_BIAS_SHA);
        cursor = align_up(cursor + bbytes);
    }
    memcpy(buf + H_MAGIC, ORW_MAGIC, 8);
    wr32(buf + H_VERSION, ORW_VERSION);
    wr32(buf + H_HEADER_SIZE, ORW_HEADER_SIZE);
    wr64(buf + H_FILE_SIZE, file_size);
    wr32(buf + H_LAYER_COUNT, n);
    wr32(buf + H_RECORD_SIZE, ORW_RECORD_SIZE);
    wr64(buf + H_TABLE_OFFSET, ORW_HEADER_SIZE);
    wr64(buf + H_DATA_OFFSET, table_end);
    wr64(buf + H_DATA_SIZE, file_size - table_end);
    wrf32(buf + H_ALPHA, info->alpha);
    wr32(buf + H_INPUT_SIZE, info->input_size);
    wr32(buf + H_INPUT_CHANNELS, info->input_channels);
    wr32(buf + H_FEATURE_DIM, info->feature_dim);
    wrf32(buf + H_PRE_SCALE, info->pre_scale);
    wrf32(buf + H_PRE_OFFSET, info->pre_offset);
    ok = ok && sha256(buf + ORW_HEADER_SIZE, table_end - ORW_HEADER_SIZE, NULL, 0,
                    buf + H_TABLE_SHA) &&
             sha256(buf, H_HEADER_SHA, NULL, 0, buf + H_HEADER_SHA);
    if (!ok) {
        free(buf);
        return orc_error_set(err, ORC_ERR_INTERNAL, "writing %s: SHA-256 failed", path);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        st = orc_error_set(err, ORC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    } else {
        size_t put = fwrite(buf, 1, file_size, f);
        int e = put == file_size ? 0 : errno;
        if (fclose(f) != 0 && e == 0)
            e = errno != 0 ? errno : EIO;
        if (put != file_size || e != 0) {
            st = orc_error_set(err, ORC_ERR_IO, "writing %s: %s", path, strerror(e != 0 ? e : EIO));
            unlink(path);
        }
    }
    free(buf);
    return st;
}
