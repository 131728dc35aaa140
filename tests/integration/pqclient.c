/* pqclient — a libpq client for the integration tests, printing a transcript that the tests
 * compare between a direct connection and one through the proxy.
 *
 *   pqclient pipeline CONNINFO N   N statements in libpq pipeline mode, with errors and syncs
 *   pqclient largeobject CONNINFO  large objects, i.e. the FunctionCall protocol
 *   pqclient fnpath CONNINFO PATH SQL   set_config('search_path', PATH, false) with the
 *                                  FunctionCall protocol, then SQL: prints its command tag */
#include <libpq-fe.h>
#include <libpq/libpq-fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(PGconn *c, const char *what)
{
    fprintf(stderr, "%s: %s", what, PQerrorMessage(c));
    exit(1);
}

static void must(PGconn *c, PGresult *r, ExecStatusType want, const char *what)
{
    if (PQresultStatus(r) != want)
        die(c, what);
    PQclear(r);
}

/* Prints one pipeline result: its status, and its value or SQLSTATE. */
static void print_result(PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    printf("%s %s\n", PQresStatus(st),
           st == PGRES_TUPLES_OK && PQntuples(r) ? PQgetvalue(r, 0, 0)
           : state                               ? state
                                                 : "");
}

/* Reads results until the pipeline's n syncs have come back. */
static void drain(PGconn *c, int syncs)
{
    while (syncs > 0) {
        PGresult *r = PQgetResult(c);
        if (!r)
            continue; /* the end of one statement's results */
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
            syncs--;
        print_result(r);
        PQclear(r);
    }
}

static int pipeline(PGconn *c, int n)
{
    must(c, PQexec(c, "create temp table pl (id int primary key)"), PGRES_COMMAND_OK, "create");
    if (!PQenterPipelineMode(c))
        die(c, "pipeline mode");
    int syncs = 0;
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i % 50 == 49 ? i - 1 : i); /* a duplicate key now and then */
        const char *params[] = {id};
        if (!PQsendQueryParams(c, "insert into pl values ($1) returning id * 2", 1, NULL, params,
                               NULL, NULL, 0))
            die(c, "send");
        if (i % 25 == 24) {
            PQpipelineSync(c);
            syncs++;
        }
    }
    PQpipelineSync(c);
    drain(c, syncs + 1);
    PQexitPipelineMode(c);
    PGresult *r = PQexec(c, "select count(*) from pl");
    print_result(r);
    PQclear(r);
    return 0;
}

static int largeobject(PGconn *c)
{
    enum { SIZE = 3 * 1024 * 1024 + 17 };
    char *data = malloc(SIZE), *back = malloc(SIZE);
    for (int i = 0; i < SIZE; i++)
        data[i] = (char)(i * 31 + i / 977);
    must(c, PQexec(c, "begin"), PGRES_COMMAND_OK, "begin");
    Oid oid = lo_creat(c, INV_READ | INV_WRITE);
    int fd = lo_open(c, oid, INV_READ | INV_WRITE);
    if (oid == 0 || fd < 0 || lo_write(c, fd, data, SIZE) != SIZE)
        die(c, "lo_write");
    if (lo_lseek(c, fd, 0, SEEK_SET) != 0 || lo_read(c, fd, back, SIZE) != SIZE)
        die(c, "lo_read");
    printf("equal %d\n", memcmp(data, back, SIZE) == 0);
    printf("size %d\n", (int)lo_lseek64(c, fd, 0, SEEK_END));
    lo_close(c, fd);
    lo_unlink(c, oid);
    must(c, PQexec(c, "commit"), PGRES_COMMAND_OK, "commit");
    free(data);
    free(back);
    return 0;
}

/* set_config by its oid (F_SET_CONFIG in PostgreSQL's fmgroids.h), arguments in binary */
static int fnpath(PGconn *c, const char *path, const char *sql)
{
    enum { SET_CONFIG_OID = 2078 };
    static const char name[] = "search_path", no = 0;
    PQArgBlock args[3] = {
        {(int)strlen(name), 0, {.ptr = (int *)name}},
        {(int)strlen(path), 0, {.ptr = (int *)path}},
        {1, 0, {.ptr = (int *)&no}},
    };
    char value[1024];
    int len = 0;
    PGresult *r = PQfn(c, SET_CONFIG_OID, (int *)value, &len, 0, args, 3);
    must(c, r, PGRES_COMMAND_OK, "set_config");
    r = PQexec(c, sql);
    printf("%s %s\n", PQresStatus(PQresultStatus(r)), PQcmdStatus(r));
    PQclear(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pqclient pipeline|largeobject|fnpath CONNINFO [N | PATH SQL]\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[2]);
    if (PQstatus(c) != CONNECTION_OK)
        die(c, "connect");
    int rc = strcmp(argv[1], "pipeline") == 0 ? pipeline(c, argc > 3 ? atoi(argv[3]) : 100)
             : strcmp(argv[1], "fnpath") == 0 ? (argc > 4 ? fnpath(c, argv[3], argv[4]) : 2)
                                              : largeobject(c);
    PQfinish(c);
    return rc;
}
