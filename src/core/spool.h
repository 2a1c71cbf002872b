/*
 * Spool files: unlinked temporary files that hold data too large to keep in memory (an export
 * being written before it is sent, an uploaded body being received). They vanish when the last
 * descriptor closes, so a crash leaves nothing behind. Thread-safe (each call has its own file).
 */
#ifndef PMIS_SPOOL_H
#define PMIS_SPOOL_H

#include "core/err.h"

/**
 * Open a new empty spool file for reading and writing in $TMPDIR (or /tmp): a descriptor the
 * caller closes, or a negative ERR_IO naming the directory.
 */
int spool_open(struct err *err);
/** Append `len` bytes of `p` to spool `fd`; 0 or ERR_IO (the disk is full, ...). */
int spool_write(int fd, const void *p, size_t len, struct err *err);

#endif
