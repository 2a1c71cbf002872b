-- 0030 a background bill run's error in both languages (issue 7: the web UI shows why a run
-- stopped in the caller's language): error keeps the English text, error_zh its Simplified-
-- Chinese translation from the message catalogue (NULL when untranslated or no error).
-- GET /bill-runs/{id} answers the one Accept-Language asks for.

ALTER TABLE bill_run ADD COLUMN error_zh TEXT;
