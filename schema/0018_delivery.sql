-- 0018_delivery: carrel-cron delivers the outbox. Each sent notice records
-- how it went: by the mail server (smtp), saved as an .eml file because no
-- mail server is configured (folder), or by the text message gateway (sms).
ALTER TABLE outbox ADD COLUMN sent_via TEXT
  CHECK (sent_via IS NULL OR sent_via IN ('smtp', 'folder', 'sms'));
-- When it was last tried (sent or not): staff see when a failure happened.
ALTER TABLE outbox ADD COLUMN last_attempt_at INTEGER;
CREATE INDEX outbox_sent_via ON outbox(sent_via, sent_at) WHERE sent_via IS NOT NULL;

-- A notice that could not go is tried again after retry_seconds, then twice
-- that, four times that, ... (300 s: 5, 10, 20, 40 minutes); after
-- max_attempts tries it is 'failed' and staff are told. A national phone
-- number (07700 900123) takes country_code to become +447700900123.
INSERT OR IGNORE INTO setting(key, value) VALUES
  ('notices.retry_seconds', '300'),
  ('notices.max_attempts', '6'),
  ('sms.country_code', '+44');

