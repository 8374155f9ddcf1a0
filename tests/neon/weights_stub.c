/* weights_stub.c -- the weight-file entry points for the AArch64 test build (`make
 * neon-check`), whose sysroot lacks OpenSSL (src/weights.c hashes with it). The tests built
 * there open models from layer arrays (orc_model_open_layers), never from files; these
 * functions only satisfy the linker and refuse clearly if anything calls them. */
#include "weights.h"

orc_status orc_weights_open(const char *path, orc_weights **out, orc_error *err)
{
    (void)out;
    return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                         "%s: weight files are not available in the AArch64 test build", path);
}

void orc_weights_close(orc_weights *w)
{
    (void)w;
}

const orc_weights_info *orc_weights_get_info(const orc_weights *w)
{
    (void)w;
    return NULL;
}

const orc_layer *orc_weights_layer(const orc_weights *w, uint32_t i)
{
    (void)w;
    (void)i;
    return NULL;
}
