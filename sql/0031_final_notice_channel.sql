-- 0031 how the final notice before a disconnection was served (rules §6.2): in practice by SMS,
-- by a phone call or on site. The order records the channel (NULL for notices recorded before
-- this migration, which were SMS), who served it and, for a call or a visit, a note (whom the
-- server spoke to, what was said). The wait before the crew may disconnect is the same whatever
-- the channel.

ALTER TABLE collect_order ADD COLUMN final_notice_channel TEXT
    CHECK (final_notice_channel IN ('sms', 'phone', 'visit'));
ALTER TABLE collect_order ADD COLUMN final_notice_by TEXT;
ALTER TABLE collect_order ADD COLUMN final_notice_note TEXT;
UPDATE collect_order SET final_notice_channel = 'sms' WHERE final_notice_at IS NOT NULL;
