/*
 * The error-message catalogue: English format string -> Simplified Chinese, generated from
 * po/zh_CN.po by tools/po2c.awk into gen/err_zh.c. Only err.c and its unit test use it.
 */
#ifndef PMIS_ERR_ZH_H
#define PMIS_ERR_ZH_H

#include "core/common.h"

/* room for the sorted index in err.c; the generator refuses a larger catalogue */
#define ERR_ZH_MAX 4096

struct err_zh_row {
    const char *en;
    const char *zh;
};

/* in po order; fuzzy and untranslated entries are left out */
extern const struct err_zh_row err_zh_rows[];
extern const size_t err_zh_count;

#endif
