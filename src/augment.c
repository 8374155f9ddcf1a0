/* augment.c -- dihedral (D4) image augmentation; see augment.h. */
#include "augment.h"

#include <string.h>

static const char *const names[ORC_AUGMENT_VARIANTS] = {
    "identity", "rot90", "rot180", "rot270", "mirror", "mirror-rot90", "mirror-rot180",
    "mirror-rot270"};

const char *orc_augment_name(unsigned v)
{
    return v < ORC_AUGMENT_VARIANTS ? names[v] : NULL;
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
                if (strlen(names[v]) == len && strncmp(p, names[v], len) == 0)
                    break;
            if (v == ORC_AUGMENT_VARIANTS)
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                     "--augment: unknown variant '%.*s' (none, flip, rot, "
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
