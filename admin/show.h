/* admin/show.h — what each console command answers: its columns, and its rows rendered
 * from a report (stats/report.h) and the configuration. Pure: the edge gathers the report,
 * this file decides what is shown. */
#ifndef ADM_SHOW_H
#define ADM_SHOW_H

#include "admin/admin.h"
#include "conf/conf.h"
#include "stats/report.h"

/* The columns of a command's row set; *n is 0 for commands that return no rows. */
const proto_column *adm_columns(adm_kind kind, int *n);

/* The rows of a SHOW command into t (begun with adm_columns(cmd->kind)). False with err
 * set when cmd->arg names no database of cfg. */
bool adm_show(const adm_command *cmd, const st_report *r, const conf_config *cfg, adm_table *t,
              adm_error *err);

#endif
