/* proxy/main.c — the command line. `tombstone [COMMAND] [OPTIONS]`: each command is one entry
 * of the table below (the proxy itself is `serve`, the default), so tools such as `rewrite`,
 * `check` or `purge` are added as entries without touching the rest. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proxy/proxy.h"
#include "proxy/workers.h"
#include "tools/tools.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static int cmd_serve(int argc, char **argv);

static const command commands[] = {
    {"serve", cmd_serve, "run the proxy in the foreground (the default command)"},
    {"install", cmd_install,
     "create the helper functions in the database -d ALIAS (--print: show their SQL)"},
    {"rewrite", cmd_rewrite,
     "show what the proxy sends for SQL (argument, or - for stdin), and why"},
    {"check", cmd_check, "audit the schema for soft deletes (--sql: print only the migration)"},
    {"purge", cmd_purge,
     "really delete rows marked before --older-than AGE, children first, in batches"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "tombstone %s: soft deletes for PostgreSQL, as a wire-protocol proxy\n\n"
            "usage: tombstone [COMMAND] -c FILE [-v]\n"
            "       tombstone install -c FILE -d ALIAS [-U USER] [--print]\n"
            "       tombstone rewrite -c FILE -d ALIAS [-U USER] SQL | -\n"
            "       tombstone check -c FILE -d ALIAS [-U USER] [--sql]\n"
            "       tombstone purge -c FILE -d ALIAS --older-than AGE [--batch-size N]\n"
            "                       [--table T]... [--all-marked] [--dry-run] [-U USER]\n"
            "       tombstone --version | --help\n\ncommands:\n",
            TOMBSTONE_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\noptions:\n"
                 "  -c, --config FILE  configuration file (INI, see conf/examples/)\n"
                 "  -v, --verbose      debug logging, whatever log_level says\n");
}

static int cmd_serve(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    bool verbose = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:v", options, NULL)) != -1) {
        if (opt == 'c')
            config = optarg;
        else if (opt == 'v')
            verbose = true;
        else
            return 2;
    }
    if (!config || optind < argc) {
        fprintf(stderr, "tombstone serve: %s\n",
                config ? "unexpected argument" : "a configuration file is needed (-c FILE)");
        return 2;
    }
    return workers_run(config, verbose);
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("tombstone %s\n", TOMBSTONE_VERSION);
        return 0;
    }
    if (argc < 2 || argv[1][0] == '-')
        return cmd_serve(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tombstone: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
