-- 0032 deposit refunds (保证金退还): each refund paid out is a record numbered like a receipt
-- ('TK' and the id in ten digits), paid by the deposit's channel (a reference for all but the
-- counter). A held deposit is refunded whole before closure with a reason and an approver; on
-- closure (deposit apply) the part not used for the bills is refunded. The cashier daily close
-- (日结) counts, per channel, the deposits its cashier took and the refunds paid that day.

CREATE TABLE deposit_refund (
    id          {{ID}},
    deposit_id  BIGINT NOT NULL REFERENCES deposit (id),
    amount_fen  BIGINT NOT NULL CHECK (amount_fen > 0),
    channel     TEXT NOT NULL,
    ref         TEXT,
    reason      TEXT NOT NULL,
    approver    TEXT,
    refunded_on TEXT NOT NULL,
    refunded_at BIGINT NOT NULL,
    refunded_by TEXT NOT NULL
);
CREATE INDEX deposit_refund_deposit ON deposit_refund (deposit_id);
CREATE INDEX deposit_refund_cashier ON deposit_refund (refunded_by, refunded_on);
CREATE INDEX deposit_cashier ON deposit (taken_by, taken_on);

ALTER TABLE cashier_close ADD COLUMN deposits_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cashier_close ADD COLUMN refunded_fen BIGINT NOT NULL DEFAULT 0;
