/* cli.h -- the orchard command-line subcommands. Each lives in src/cli_<name>.c, parses its own
 * options, prints its own --help, and returns a process exit status (see ORC_EXIT_*). */
#ifndef ORC_CLI_H
#define ORC_CLI_H

enum {
    ORC_EXIT_OK = 0,      /* success (some inputs may have been skipped: said on stderr) */
    ORC_EXIT_FATAL = 1,   /* the job failed */
    ORC_EXIT_USAGE = 2,   /* bad command line */
    ORC_EXIT_PARTIAL = 3  /* more inputs failed than --max-errors allows */
};

typedef struct orc_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} orc_cli_command;

int orc_cli_extract(int argc, char **argv); /* src/cli_extract.c */
/* src/cli_classify.c */
int orc_cli_train(int argc, char **argv);
int orc_cli_evaluate(int argc, char **argv);
int orc_cli_predict(int argc, char **argv);
/* src/cli_report.c */
int orc_cli_report(int argc, char **argv);

extern int orc_cli_verbose; /* -v given before the subcommand (or ORCHARD_VERBOSE=1) */

int orc_cli_s3(int argc, char **argv); /* cli_s3.c: ls, cp, mb, rm */
int orc_cli_parquet(int argc, char **argv); /* cli_parquet.c: info, cat, ls */
int orc_cli_pca(int argc, char **argv); /* cli_pca.c: fit, apply, show */
int orc_cli_finalize(int argc, char **argv); /* cli_extract.c: after extract --shard I/N */

/* cli_args.c: *out = the integer v of option opt if it is whole and in lo..hi; else say so on
 * stderr as "orchard CMD: OPT 'V' must be ..." and return 0 */
int orc_cli_parse_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);

#endif
