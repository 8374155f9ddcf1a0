/* pca_model.c -- the .orpca model file and the PCA statistics file (byte layouts in pca.h).
 * Writers go through PATH.tmp and rename(), so a reader never sees half a file. Readers check
 * everything (size, magic, version, header and payload checksums, values) before use. */
#include "pca.h"
#include "pca_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pca_model.c writes arrays with memcpy: a little-endian host is assumed"
#endif

#define MODEL_MAGIC "ORCPCA\0\1"
#define MODEL_VERSION 1u
#define MODEL_HEADER 128u
#define STATS_MAGIC "ORCPSTAT"
#define STATS_VERSION 1u
#define STATS_HEADER 64u

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static size_t pad64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* write header + payload to path atomically */
static orc_status write_file(const char *path, const unsigned char *head, size_t head_size,
                             const unsigned char *payload, size_t payload_size, const char *what,
                             orc_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (tmp == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "writing %s %s: out of memory", what, path);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        orc_status st = orc_error_set(err, ORC_ERR_IO, "writing %s %s: %s", what, tmp,
                                      strerror(errno));
        free(tmp);
        return st;
    }
    int ok = fwrite(head, 1, head_size, f) == head_size &&
             fwrite(payload, 1, payload_size, f) == payload_size;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    orc_status st = ORC_OK;
    if (!ok) {
        st = orc_error_set(err, ORC_ERR_IO, "writing %s %s: %s", what, path, strerror(e));
        remove(tmp);
    }
    free(tmp);
    return st;
}

/* whole file into memory (at most max bytes) */
static orc_status read_file(const char *path, size_t max, unsigned char **data, size_t *size,
                            const char *what, orc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "reading %s %s: %s", what, path, strerror(errno));
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    orc_status st = ORC_OK;
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                st = orc_error_set(err, ORC_ERR_FORMAT,
                                   "reading %s %s: larger than %zu bytes, not a %s", what, path,
                                   max, what);
                break;
            }
            cap = cap == 0 ? 65536 : cap * 2;
            unsigned char *nb = realloc(buf, cap);
            if (nb == NULL) {
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s %s: out of memory", what,
                                   path);
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = orc_error_set(err, ORC_ERR_IO, "reading %s %s: read error", what, path);
            break;
        }
    }
    fclose(f);
    if (st != ORC_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *size = n;
    return ORC_OK;
}

/* ---- model ------------------------------------------------------------------------------ */

static size_t model_payload_size(size_t d, size_t k)
{
    return 5 * pad64(d * 8) + pad64(k * d * 8);
}

orc_status orc_pca_model_save(const orc_pca_model *m, const char *path, orc_error *err)
{
    if (m == NULL || path == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "saving PCA model: NULL argument");
    const size_t d = m->info.dim, k = m->info.k;
    const size_t psize = model_payload_size(d, k);
    unsigned char *payload = calloc(1, psize);
    if (payload == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "saving PCA model %s: out of memory", path);
    const double *arrays[5] = {m->mean, m->scale, m->eigenvalues, m->ratio, m->cumulative};
    size_t off = 0;
    for (int a = 0; a < 5; a++) {
        memcpy(payload + off, arrays[a], d * 8);
        off += pad64(d * 8);
    }
    memcpy(payload + off, m->components, k * d * 8);
    unsigned char head[MODEL_HEADER];
    memset(head, 0, sizeof head);
    memcpy(head, MODEL_MAGIC, 8);
    put_u32(head + 8, MODEL_VERSION);
    put_u32(head + 12, MODEL_HEADER);
    put_u32(head + 16, (uint32_t)d);
    put_u32(head + 20, (uint32_t)k);
    put_u64(head + 24, m->info.count);
    put_u32(head + 32, m->info.standardized ? 1u : 0u);
    memcpy(head + 40, &m->info.variance_target, 8);
    put_u64(head + 48, MODEL_HEADER);
    put_u64(head + 56, psize);
    put_u64(head + 64, orc_pca_fnv64(ORC_FNV64_OFFSET, payload, psize));
    put_u64(head + 120, orc_pca_fnv64(ORC_FNV64_OFFSET, head, 120));
    orc_status st = write_file(path, head, sizeof head, payload, psize, "PCA model", err);
    free(payload);
    return st;
}

orc_status orc_pca_model_load(const char *path, orc_pca_model **out, orc_error *err)
{
    if (path == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "loading PCA model: NULL argument");
    *out = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    orc_status st = read_file(path, (size_t)1 << 36, &data, &size, "PCA model", err);
    if (st != ORC_OK)
        return st;
    orc_pca_model *m = NULL;
    if (size < MODEL_HEADER || memcmp(data, MODEL_MAGIC, 8) != 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "PCA model %s: not an Orchard PCA model (%s); make one with "
                           "'orchard pca fit'", path,
                           size < MODEL_HEADER ? "shorter than its 128-byte header"
                                               : "wrong magic");
        goto done;
    }
    const uint32_t version = get_u32(data + 8);
    if (version != MODEL_VERSION) {
        st = orc_error_set(err, ORC_ERR_VERSION,
                           "PCA model %s: format version %u, this orchard reads version %u; "
                           "refit it with 'orchard pca fit'", path, version, MODEL_VERSION);
        goto done;
    }
    if (get_u64(data + 120) != orc_pca_fnv64(ORC_FNV64_OFFSET, data, 120)) {
        st = orc_error_set(err, ORC_ERR_CHECKSUM,
                           "PCA model %s: header checksum mismatch (file corrupt)", path);
        goto done;
    }
    const uint32_t d = get_u32(data + 16), k = get_u32(data + 20), flags = get_u32(data + 32);
    const uint64_t poff = get_u64(data + 48), psize = get_u64(data + 56);
    double target;
    memcpy(&target, data + 40, 8);
    if (get_u32(data + 12) != MODEL_HEADER || d < 1 || d > 65536 || k < 1 || k > d ||
        (flags & ~1u) != 0 || poff != MODEL_HEADER || !(target >= 0.0 && target <= 1.0)) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "PCA model %s: inconsistent header (dim %u, k %u, flags %u, payload "
                           "offset %llu)", path, d, k, flags, (unsigned long long)poff);
        goto done;
    }
    if (psize != model_payload_size(d, k) || size != MODEL_HEADER + psize) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "PCA model %s: %zu bytes, expected %zu for dim %u and k %u "
                           "(truncated or padded)", path, size,
                           (size_t)(MODEL_HEADER + model_payload_size(d, k)), d, k);
        goto done;
    }
    const unsigned char *payload = data + MODEL_HEADER;
    if (get_u64(data + 64) != orc_pca_fnv64(ORC_FNV64_OFFSET, payload, psize)) {
        st = orc_error_set(err, ORC_ERR_CHECKSUM,
                           "PCA model %s: payload checksum mismatch (file corrupt)", path);
        goto done;
    }
    if ((st = orc_pca_model_alloc(d, k, &m, err)) != ORC_OK)
        goto done;
    double *arrays[5] = {m->mean, m->scale, m->eigenvalues, m->ratio, m->cumulative};
    size_t off = 0;
    for (int a = 0; a < 5; a++) {
        memcpy(arrays[a], payload + off, (size_t)d * 8);
        off += pad64((size_t)d * 8);
    }
    memcpy(m->components, payload + off, (size_t)k * d * 8);
    for (size_t i = 0; i < d; i++)
        if (!isfinite(m->mean[i]) || !(m->scale[i] > 0.0) || !isfinite(m->scale[i]) ||
            !isfinite(m->eigenvalues[i]) || !isfinite(m->cumulative[i])) {
            st = orc_error_set(err, ORC_ERR_FORMAT,
                               "PCA model %s: feature %zu has a non-finite mean, eigenvalue or "
                               "a scale that is not positive", path, i);
            goto done;
        }
    for (size_t i = 0; i < (size_t)k * d; i++)
        if (!isfinite(m->components[i])) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "PCA model %s: component value %zu is not "
                               "finite", path, i);
            goto done;
        }
    m->info.count = get_u64(data + 24);
    m->info.standardized = (int)(flags & 1u);
    m->info.variance_target = target;
    orc_pca_model_finish(m);
    *out = m;
    m = NULL;
done:
    orc_pca_model_close(m);
    free(data);
    return st;
}

/* ---- statistics file -------------------------------------------------------------------- */
/* header (64 bytes): magic "ORCPSTAT", u32 version 1, u32 header size 64, u32 dim, u32 0,
 * u64 number of doubles, u64 FNV-1a 64 of the payload, 16 bytes 0, u64 FNV-1a 64 of bytes 0..55;
 * payload: the serialized buffer (f64, little-endian). */

orc_status orc_pca_stats_save(orc_pca_stats *s, const char *path, orc_error *err)
{
    if (s == NULL || path == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "saving PCA statistics: NULL");
    const uint32_t d = orc_pca_stats_dim(s);
    const size_t len = orc_pca_stats_doubles(d);
    double *buf = malloc(len * sizeof(double));
    if (buf == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "saving PCA statistics %s: out of memory",
                             path);
    orc_status st = orc_pca_stats_serialize(s, buf, err);
    if (st == ORC_OK) {
        unsigned char head[STATS_HEADER];
        memset(head, 0, sizeof head);
        memcpy(head, STATS_MAGIC, 8);
        put_u32(head + 8, STATS_VERSION);
        put_u32(head + 12, STATS_HEADER);
        put_u32(head + 16, d);
        put_u64(head + 24, len);
        put_u64(head + 32, orc_pca_fnv64(ORC_FNV64_OFFSET, buf, len * 8));
        put_u64(head + 56, orc_pca_fnv64(ORC_FNV64_OFFSET, head, 56));
        st = write_file(path, head, sizeof head, (const unsigned char *)buf, len * 8,
                        "PCA statistics", err);
    }
    free(buf);
    return st;
}

orc_status orc_pca_stats_load(const char *path, orc_pca_stats **out, orc_error *err)
{
    if (path == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "loading PCA statistics: NULL");
    *out = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    orc_status st = read_file(path, (size_t)1 << 36, &data, &size, "PCA statistics", err);
    if (st != ORC_OK)
        return st;
    double *buf = NULL;
    if (size < STATS_HEADER || memcmp(data, STATS_MAGIC, 8) != 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "PCA statistics %s: not an Orchard statistics "
                           "file (wrong magic or too short)", path);
    } else if (get_u32(data + 8) != STATS_VERSION) {
        st = orc_error_set(err, ORC_ERR_VERSION,
                           "PCA statistics %s: format version %u, this orchard reads version %u",
                           path, get_u32(data + 8), STATS_VERSION);
    } else if (get_u64(data + 56) != orc_pca_fnv64(ORC_FNV64_OFFSET, data, 56)) {
        st = orc_error_set(err, ORC_ERR_CHECKSUM,
                           "PCA statistics %s: header checksum mismatch (file corrupt)", path);
    } else {
        const uint64_t len = get_u64(data + 24);
        if (get_u32(data + 12) != STATS_HEADER || len != orc_pca_stats_doubles(get_u32(data + 16))
            || size != STATS_HEADER + len * 8) {
            st = orc_error_set(err, ORC_ERR_FORMAT,
                               "PCA statistics %s: size %zu does not match its header", path,
                               size);
        } else if (get_u64(data + 32) !=
                   orc_pca_fnv64(ORC_FNV64_OFFSET, data + STATS_HEADER, len * 8)) {
            st = orc_error_set(err, ORC_ERR_CHECKSUM,
                               "PCA statistics %s: payload checksum mismatch (file corrupt)",
                               path);
        } else if ((buf = malloc(len * 8)) == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "PCA statistics %s: out of memory", path);
        } else {
            memcpy(buf, data + STATS_HEADER, len * 8);
            st = orc_pca_stats_deserialize(buf, len, out, err);
            if (st != ORC_OK)
                orc_error_prefix(err, "%s", path);
        }
    }
    free(buf);
    free(data);
    return st;
}
