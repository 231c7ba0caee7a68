// libpq's PG_DIAG_* are character macros Swift does not import: re-export them as constants.
#ifndef POSTERN_CLIBPQ_SHIM_H
#define POSTERN_CLIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>

static const int postern_PG_DIAG_SEVERITY = 'S';
static const int postern_PG_DIAG_SQLSTATE = 'C';
static const int postern_PG_DIAG_MESSAGE_PRIMARY = 'M';
static const int postern_PG_DIAG_MESSAGE_DETAIL = 'D';
static const int postern_PG_DIAG_MESSAGE_HINT = 'H';
static const int postern_PG_DIAG_STATEMENT_POSITION = 'P';
#endif
