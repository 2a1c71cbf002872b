/*
 * Shared between customer.c and customer_search.c only; not part of the customer API.
 */
#ifndef PMIS_CUSTOMER_INT_H
#define PMIS_CUSTOMER_INT_H

#include "domain/customer.h"

/** Read the current row of a CUST_COLS query (q_archive.def) into `out`, personal data masked;
 *  strings in the ctx arena. */
void customer_read_row(struct ctx *c, struct store_stmt *st, struct customer *out);

#endif
