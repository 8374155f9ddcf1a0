/* main.c -- `orchard`: dispatch to the subcommands of src/cli_*.c. */
#include "cli.h"
#include "orchard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int orc_cli_verbose = 0;

/* one line per subcommand; each is implemented in src/cli_<name>.c */
static const orc_cli_command commands[] = {
    {"extract", "images (folder or S3) -> features + PCA Parquet (or CSV), resumable", orc_cli_extract},
    {"finalize", "after extract --shard I/N tasks: commit, PCA, run.json, _SUCCESS", orc_cli_finalize},
    {"s3", "S3 by hand: ls, cp (local <-> s3), mb, rm", orc_cli_s3},
    {"parquet", "look into Parquet files and datasets: info, cat (JSON lines), ls", orc_cli_parquet},
    {"pca", "fit a PCA model on features, project features with it, show a model", orc_cli_pca},
    {"train", "train the fruit classifier on a features dataset", orc_cli_train},
    {"evaluate", "score a classifier: top-1/top-5, per class, confusion", orc_cli_evaluate},
    {"predict", "classify images: label, probability, top 5, latency", orc_cli_predict},
    {"report", "one HTML page about a run: PCA, scatter, confusion, timings", orc_cli_report},
    {NULL, NULL, NULL}
};

static void usage(FILE *f)
{
    fprintf(f, "orchard %s -- image collections to ML-ready features\n\n"
               "usage: orchard [-v] COMMAND [OPTIONS] ...\n\ncommands:\n", ORC_VERSION);
    for (const orc_cli_command *c = commands; c->name != NULL; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n'orchard COMMAND --help' explains each command's options.\n"
               "  -v, --verbose   log choices (ISA, threads, region) to stderr\n"
               "  --version       print the version\n");
}

int main(int argc, char **argv)
{
    int i = 1;
    const char *env = getenv("ORCHARD_VERBOSE");
    if (env != NULL && env[0] != '\0' && strcmp(env, "0") != 0)
        orc_cli_verbose = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            orc_cli_verbose = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return ORC_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("orchard %s\n", ORC_VERSION);
            return ORC_EXIT_OK;
        } else {
            fprintf(stderr, "orchard: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return ORC_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return ORC_EXIT_USAGE;
    }
    for (const orc_cli_command *c = commands; c->name != NULL; c++)
        if (strcmp(argv[i], c->name) == 0)
            return c->run(argc - i, argv + i);
    fprintf(stderr, "orchard: unknown command '%s' (see orchard --help)\n", argv[i]);
    return ORC_EXIT_USAGE;
}
