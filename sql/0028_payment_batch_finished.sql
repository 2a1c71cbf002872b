-- 0028 bank files posted in parts (issue 4: PostgreSQL posts a collection file's accounts on
-- several connections, each part in its own transaction): a file's row is written before its
-- parts and marked finished (finished_at) once every part has committed. A row still
-- unfinished is a file whose import stopped half way; importing the file again posts what is
-- missing and finishes it. Files imported before were whole when their row was written.

ALTER TABLE payment_batch ADD COLUMN finished_at BIGINT;
UPDATE payment_batch SET finished_at = imported_at;
