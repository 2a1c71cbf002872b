-- 0025 the e-mail address of an account's notices (issue 6 §7): the email channel's recipient,
-- personal data like a phone number, so stored encrypted (AES-256-GCM, AAD "message_pref.email")
-- with a keyed blind index (domain "email") to find it by, never in clear. Set with
-- `pmis outbox email` or POST /api/v1/accounts/{id}/messaging {"email": ...}; the delivery
-- worker decrypts it into the gateway's "to" (domain/outbox_deliver.c).
-- (Numbered 0025: 0024, 0026 and 0027 are other branches'; the runner applies any missing
-- version in order.)

ALTER TABLE message_pref ADD COLUMN email_enc {{BLOB}};
ALTER TABLE message_pref ADD COLUMN email_bidx {{BLOB}};
CREATE INDEX message_pref_email ON message_pref (email_bidx);
