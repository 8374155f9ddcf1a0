/* orchard-convert.c -- Keras .h5 to Orchard .orw converter (being written; see issue 2). */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "orchard-convert: not implemented yet\n");
    return 1;
}
