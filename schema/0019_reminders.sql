-- 0019_reminders: the reminders carrel-cron queues (due soon, overdue,
-- membership ending), their settings, and the texts each notice kind
-- started with, so an admin who edited one can restore it.

-- Reminder days, edited at /admin/notices. A list is comma separated; 0 in
-- due_soon_days turns due-soon reminders off, an empty list the others.
INSERT INTO setting(key, value) VALUES
  ('notices.due_soon_days', '2'),        -- days before a loan is due
  ('notices.overdue_days', '1,7,14'),    -- days after a loan was due
  ('notices.expiry_days', '14,7,1')      -- days before a membership ends
  ON CONFLICT(key) DO NOTHING;

-- The texts each kind of notice came with ("Restore the default text").
CREATE TABLE notice_template_default (
  kind        TEXT PRIMARY KEY REFERENCES notice_template(kind) ON DELETE CASCADE,
  subject     TEXT NOT NULL,
  body_text   TEXT NOT NULL,
  body_html   TEXT NOT NULL,
  sms_text    TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO notice_template_default(kind, subject, body_text, body_html, sms_text)
  SELECT kind, subject, body_text, body_html, sms_text FROM notice_template;
