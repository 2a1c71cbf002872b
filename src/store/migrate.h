/*
 * The embedded migration sources, generated into build/gen/migrations.c from sql/NNNN_name.sql by
 * tools/embed-sql.sh. Read only by store.c.
 */
#ifndef PMIS_STORE_MIGRATE_H
#define PMIS_STORE_MIGRATE_H

struct store_migration_src {
    int version;
    const char *name;
    const char *sql;
    const char *sha256; /* hex SHA-256 of `sql` computed at build time; NULL: at run time */
};

extern const struct store_migration_src store_migrations[];
extern const unsigned store_migrations_count;

#endif
