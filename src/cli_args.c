/* cli_args.c -- option-value parsing shared by the orchard subcommands: a value is accepted only
 * whole and in range, else the subcommand's name, the option and the value are reported. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int orc_cli_parse_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || x < lo || x > hi) {
        fprintf(stderr, "orchard %s: %s '%s' must be an integer in %ld..%ld\n", cmd, opt, v, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}
