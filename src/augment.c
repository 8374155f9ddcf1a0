/* augment.c -- dihedral (D4) image augmentation; see augment.h. */
#include "augment.h"

#include <stdlib.h>
#include <string.h>

static const char *const variant_names[ORC_AUGMENT_VARIANTS] = {
    "identity", "rot90", "rot180", "rot270", "mirror", "mirror-rot90", "mirror-rot180",
    "mirror-rot270"};

const char *orc_augment_name(unsigned v)
{
    return v < ORC_AUGMENT_VARIANTS ? variant_names[v] : NULL;
}

orc_status orc_augment_dihedral(const uint8_t *src, size_t side, size_t channels, unsigned v,
                                uint8_t *dst, orc_error *err)
{
    if (src == NULL || dst == NULL || side == 0 || channels == 0 || v >= ORC_AUGMENT_VARIANTS)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "augment: bad arguments (side %zu, channels %zu, variant %u)", side,
                             channels, v);
    size_t n = side - 1;
    for (size_t y = 0; y < side; y++)
        for (size_t x = 0; x < side; x++) {
            /* destination (x, y) reads source (sx, sy): rotate back, then mirror back */
            size_t rx = x, ry = y;
            switch (v & 3) {
            case 1: rx = n - y; ry = x; break;     /* 90 degrees counter-clockwise */
            case 2: rx = n - x; ry = n - y; break;
            case 3: rx = y; ry = n - x; break;
            default: break;
            }
            size_t sx = (v & 4) ? n - rx : rx;
            memcpy(dst + (y * side + x) * channels, src + (ry * side + sx) * channels, channels);
        }
    return ORC_OK;
}

orc_status orc_augment_parse(const char *spec, unsigned variants[ORC_AUGMENT_VARIANTS],
                             unsigned *count, orc_error *err)
{
    unsigned mask = 1; /* the identity always */
    if (spec == NULL || strcmp(spec, "none") == 0) {
    } else if (strcmp(spec, "flip") == 0) {
        mask |= 1u << 4;
    } else if (strcmp(spec, "rot") == 0) {
        mask |= 0xFu;
    } else if (strcmp(spec, "dihedral") == 0) {
        mask = 0xFFu;
    } else {
        const char *p = spec;
        while (*p) {
            size_t len = strcspn(p, ",");
            unsigned v = 0;
            for (; v < ORC_AUGMENT_VARIANTS; v++)
                if (strlen(variant_names[v]) == len && strncmp(p, variant_names[v], len) == 0)
                    break;
            if (v == ORC_AUGMENT_VARIANTS)
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                     "unknown variant '%.*s' (none, flip, rot, "
                                     "dihedral, or a list of identity, rot90, rot180, rot270, "
                                     "mirror, mirror-rot90, mirror-rot180, mirror-rot270)",
                                     (int)len, p);
            mask |= 1u << v;
            p += len;
            if (*p == ',')
                p++;
        }
    }
    unsigned c = 0;
    for (unsigned v = 0; v < ORC_AUGMENT_VARIANTS; v++)
        if (mask & (1u << v))
            variants[c++] = v;
    *count = c;
    return ORC_OK;
}

size_t orc_augment_source_len(const char *name)
{
    return strcspn(name, "#");
}

typedef struct view_key {
    const char *name;
    size_t len, row;
} view_key;

static int cmp_view(const void *pa, const void *pb)
{
    const view_key *a = pa, *b = pb;
    int c = strncmp(a->name, b->name, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->row < b->row ? -1 : (a->row > b->row);
}

orc_status orc_augment_group_views(const char *const *names, size_t n, size_t *group,
                                   size_t *groups, orc_error *err)
{
    if ((n > 0 && (names == NULL || group == NULL)) || groups == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "group views: bad arguments");
    *groups = 0;
    if (n == 0)
        return ORC_OK;
    view_key *k = malloc(n * sizeof *k);
    size_t *first = malloc(n * sizeof *first); /* sorted group -> its first row */
    if (k == NULL || first == NULL) {
        free(k);
        free(first);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory grouping %zu rows", n);
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (view_key){names[i], orc_augment_source_len(names[i]), i};
    qsort(k, n, sizeof *k, cmp_view);
    /* runs of equal sources (rows in row order within a run): group = the run's start */
    size_t start = 0;
    for (size_t i = 1; i <= n; i++)
        if (i == n || k[i].len != k[start].len ||
            strncmp(k[i].name, k[start].name, k[start].len) != 0) {
            for (size_t q = start; q < i; q++)
                group[k[q].row] = start;
            first[start] = k[start].row;
            start = i;
        }
    /* renumber by first appearance: walk the rows in order */
    size_t *id = malloc(n * sizeof *id);
    if (id == NULL) {
        free(k);
        free(first);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory grouping %zu rows", n);
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = group[i];
        if (first[g] == i)
            id[g] = count++;
        group[i] = id[g];
    }
    free(id);
    free(k);
    free(first);
    *groups = count;
    return ORC_OK;
}

orc_status orc_augment_average_views(const float *proba, size_t n, size_t k,
                                     const size_t *group, size_t groups, float *out,
                                     orc_error *err)
{
    if ((n > 0 && (proba == NULL || group == NULL)) || (groups > 0 && out == NULL) || k == 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "average views: bad arguments");
    double *sum = calloc(groups * k + 1, sizeof *sum);
    size_t *count = calloc(groups + 1, sizeof *count);
    if (sum == NULL || count == NULL) {
        free(sum);
        free(count);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory averaging %zu groups", groups);
    }
    orc_status st = ORC_OK;
    for (size_t i = 0; i < n && st == ORC_OK; i++) {
        if (group[i] >= groups) {
            st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "average views: row %zu in group "
                               "%zu of %zu", i, group[i], groups);
            break;
        }
        count[group[i]]++;
        for (size_t q = 0; q < k; q++)
            sum[group[i] * k + q] += proba[i * k + q];
    }
    for (size_t g = 0; g < groups && st == ORC_OK; g++) {
        if (count[g] == 0) {
            st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "average views: group %zu has no "
                               "rows", g);
            break;
        }
        for (size_t q = 0; q < k; q++)
            out[g * k + q] = (float)(sum[g * k + q] / (double)count[g]);
    }
    free(sum);
    free(count);
    return st;
}
