-- 0035 one source for the application limits (issue 6): apply_limit_version (0033) becomes the
-- only place that holds the working-day limits of the service-application kinds. Until now
-- apply_kind.total_days and apply_kind_stage.days (0016) held the same figures and were read as
-- a fallback where no version was in force; they are dropped. apply_kind_stage stays: it says
-- which stages a kind goes through. A new kind or stage (a later migration) inserts its
-- apply_limit_version rows ('total' and each stage, effective_at 0) in the same migration.
--
-- Nothing effective changes: a (kind, stage) whose versions do not reach back to the epoch (none
-- on a database seeded by 0016 and 0033, where every figure is a version in force from 0) gets
-- the figure the fallback gave as a version from the epoch first. The column CHECKs are the
-- columns' own, and no index, view or trigger names them, so SQLite drops them in place.

INSERT INTO apply_limit_version (kind, stage, days, effective_at, source, changed_by, changed_at)
SELECT k.kind, 'total', k.total_days, 0, k.source, 'migration 0035', 0 FROM apply_kind k
WHERE NOT EXISTS (SELECT 1 FROM apply_limit_version v WHERE v.kind = k.kind
                  AND v.stage = 'total' AND v.effective_at <= 0);
INSERT INTO apply_limit_version (kind, stage, days, effective_at, source, changed_by, changed_at)
SELECT ks.kind, ks.stage, ks.days, 0, ks.source, 'migration 0035', 0 FROM apply_kind_stage ks
WHERE NOT EXISTS (SELECT 1 FROM apply_limit_version v WHERE v.kind = ks.kind
                  AND v.stage = ks.stage AND v.effective_at <= 0);

ALTER TABLE apply_kind DROP COLUMN total_days;
ALTER TABLE apply_kind_stage DROP COLUMN days;
