/*
 * Spool files (spool.h): O_TMPFILE where the file system has it (never named at all), else
 * mkstemp and an immediate unlink.
 */
#include "core/common.h"
#include "core/spool.h"

#include <fcntl.h>
#include <sys/stat.h>

static const char *spool_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

int spool_open(struct err *err)
{
    const char *dir = spool_dir();
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/pmis-spool-XXXXXX", dir) >= (int)sizeof(path))
        return error(err, ERR_IO, "temporary directory '%s': name too long", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return error(err, ERR_IO, "cannot create a temporary file in '%s': %s", dir,
                     strerror(errno));
    unlink(path);
    return fd;
}

int spool_write(int fd, const void *p, size_t len, struct err *err)
{
    const char *s = p;
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return error(err, ERR_IO, "cannot write a temporary file: %s",
                         n < 0 ? strerror(errno) : "no space");
        s += n;
        len -= (size_t)n;
    }
    return 0;
}
