-- 0021 the last steps before a disconnection for arrears (rules §6.2, secondary source to be
-- confirmed, so configuration): a non-residential customer is told again shortly before the
-- supply is interrupted (the final notice, `final_notice_minutes` before: 60; 0 turns it off),
-- and an important customer's notice is copied to the electric-power administrative department
-- (`regulator`, NULL: no copy). The order records when its final notice went out; `pmis orders
-- done` refuses to disconnect a non-residential postpaid account before that time has passed.
-- (Numbered 0021: 0016-0020 are other branches' migrations; the runner applies any missing
-- version in order.)

ALTER TABLE disconnect_policy ADD COLUMN final_notice_minutes BIGINT NOT NULL DEFAULT 0
    CHECK (final_notice_minutes >= 0 AND final_notice_minutes <= 1440);
ALTER TABLE disconnect_policy ADD COLUMN regulator TEXT;
UPDATE disconnect_policy SET final_notice_minutes = 60, regulator = '电力管理部门',
    source = source || '; non-residential: notified again 1 hour before, important users: the notice copied to the electric-power administrative department (secondary source, to be confirmed)'
    WHERE created_by = 'migration';

ALTER TABLE collect_order ADD COLUMN final_notice_at BIGINT;

INSERT INTO message_template (kind, channel, lang, body, updated_at, updated_by) VALUES
    ('disconnect_final', 'sms', 'zh', '【停电提醒】{customer}（户号{account}）：贵户欠费{amount}元逾期未缴，我公司将于{time}起中止供电。缴清后24小时内恢复供电。', 0, 'migration'),
    ('disconnect_final', 'sms', 'en', '[Disconnection] {customer} (account {account}): the arrears of {amount} yuan are overdue; the supply will be interrupted from {time}. It is restored within 24 hours of payment.', 0, 'migration'),
    ('disconnect_copy', 'letter', 'zh', '{regulator}：
我公司已向重要客户{customer}（户号{account}）送达欠费停电通知书（{date}）：欠费{amount}元，最早一笔应于{due_on}缴清。拟于{disconnect_on}后依据《电力供应与使用条例》第三十九条中止供电，特此抄送。', 0, 'migration'),
    ('disconnect_copy', 'letter', 'en', 'To {regulator}:
On {date} we served the important customer {customer} (account {account}) a notice of disconnection for arrears of {amount} yuan, the oldest due on {due_on}. Under article 39 of the Regulations on Electricity Supply and Use the supply may be interrupted after {disconnect_on}. This is a copy for your information.', 0, 'migration');
