-- 0027 bill-run progress (issue 7 §3: long operations show progress): a run records how many
-- accounts it has to bill when it starts (accounts_total, NULL for runs made before), so
-- GET /bill-runs/{id} can report a percentage beside the accounts billed so far; and a run
-- that `pmis serve` computes in the background records why it stopped (error, NULL while
-- it goes well), since no request is left to answer with the error.
-- (Numbered 0027: 0024-0026 are other branches'; the runner applies any missing version in
-- order.)

ALTER TABLE bill_run ADD COLUMN accounts_total BIGINT;
ALTER TABLE bill_run ADD COLUMN error TEXT;
