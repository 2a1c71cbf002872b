-- 0002 calendar: the working-day calendar as data. Weekends are non-working by rule; this table
-- holds the exceptions the State Council announces each year: public holidays ('holiday') and
-- make-up working days on weekends (调休, 'workday'). SLA clocks and statutory time limits count
-- working days on it.
CREATE TABLE work_calendar (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
