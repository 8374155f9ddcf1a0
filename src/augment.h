/* augment.h -- training-time image augmentation: the 8 symmetries of the square (dihedral
 * group D4) applied to an RGB image, for extraction of extra training rows.
 *
 * Fruits-360 photographs each fruit turning on a motor shaft; a test fruit shows up at angles
 * and mirrorings the 60 training frames of its class do not cover. Rotated and mirrored copies
 * of the training images (labels unchanged) teach the classifier that invariance.
 *
 * Variant v in [0, 8): bit 2 = mirror left-right first, bits 0-1 = then rotate by 90 * (v & 3)
 * degrees counter-clockwise. 0 is the identity. Exact pixel permutations, no interpolation.
 * Pure functions, thread-safe. The rows of one image under several variants are named
 * "path#variant"; orc_augment_group_views finds them again (test-time augmentation).
 */
#ifndef ORC_AUGMENT_H
#define ORC_AUGMENT_H

#include "orchard.h"

#define ORC_AUGMENT_VARIANTS 8

/* dst[side][side][channels] = variant v of src (same layout); src and dst must not overlap */
orc_status orc_augment_dihedral(const uint8_t *src, size_t side, size_t channels, unsigned v,
                                uint8_t *dst, orc_error *err);

/* "identity", "mirror", "rot90", ... ; NULL for v >= 8 */
const char *orc_augment_name(unsigned v);

/* Parse a --augment list: "none", "flip" (0,4), "rot" (0,1,2,3), "dihedral" (all 8), or a
 * comma list of names; writes the variants (identity first, no repeats) and their count. The
 * error message does not name an option: the caller prefixes its own (--augment, --tta). */
orc_status orc_augment_parse(const char *spec, unsigned variants[ORC_AUGMENT_VARIANTS],
                             unsigned *count, orc_error *err);

/* ---- views of one image: rows named "path#variant" (orchard extract --augment) ---- */

/* Length of the source part of a row name: up to the first '#' (the whole name without one).
 * Local paths written by orchard are file:// URIs with '#' percent-encoded. */
size_t orc_augment_source_len(const char *name);

/* group[i] = the view group of row i: rows whose names share the source part are views of one
 * image; groups numbered in order of first appearance; *groups = their count (0 for n = 0). */
orc_status orc_augment_group_views(const char *const *names, size_t n, size_t *group,
                                   size_t *groups, orc_error *err);

/* Test-time augmentation: out [groups][k] = the mean of proba [n][k] over the rows of each
 * group (summed in row order, in double: deterministic). */
orc_status orc_augment_average_views(const float *proba, size_t n, size_t k,
                                     const size_t *group, size_t groups, float *out,
                                     orc_error *err);

#endif
