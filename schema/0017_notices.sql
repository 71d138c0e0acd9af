-- 0017_notices: notices that reach people. The texts of each kind of notice
-- become templates an admin edits; the outbox carries the kind, an HTML
-- part and text messages; members choose how they are told; the in-app
-- notification centre; and a record of each carrel-cron task's last run.

-- The texts of each kind of notice, in mustache: subject, plain text and
-- HTML for email, and the text message. fields lists the names a kind's
-- templates may use (space separated); an edit using any other name is
-- refused, since mustache would silently print nothing for it.
CREATE TABLE notice_template (
  kind        TEXT PRIMARY KEY,
  name        TEXT NOT NULL,                  -- as people read it: "Hold ready to collect"
  description TEXT NOT NULL DEFAULT '',       -- when it is sent
  fields      TEXT NOT NULL DEFAULT '',
  subject     TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  body_text   TEXT NOT NULL CHECK (length(body_text) BETWEEN 1 AND 20000),
  body_html   TEXT NOT NULL DEFAULT '' CHECK (length(body_html) <= 40000),
  sms_text    TEXT NOT NULL DEFAULT '' CHECK (length(sms_text) <= 1000),
  updated_at  INTEGER,
  updated_by  INTEGER REFERENCES account(id) ON DELETE SET NULL
) WITHOUT ROWID;

-- Every kind also knows member_name, library_name and account_url.
INSERT INTO notice_template(kind, name, description, fields, subject, body_text, body_html, sms_text) VALUES
('hold-ready', 'Hold ready to collect',
 'When a copy is put on the hold shelf for a member.',
 'title pickup_by',
 'Ready to collect: {{title}}',
 'Dear {{member_name}},

{{title}}, which you reserved, is waiting for you on the hold shelf. Please collect it by {{pickup_by}}; after that it goes to the next reader.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p><strong>{{title}}</strong>, which you reserved, is waiting for you on the hold shelf. Please collect it by <strong>{{pickup_by}}</strong>; after that it goes to the next reader.</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: {{title}} is ready to collect. Please collect it by {{pickup_by}}.'),

('hold-expired', 'Hold not collected',
 'When a hold was not collected by its pickup day and the copy went on.',
 'title pickup_by',
 'Hold ended: {{title}}',
 'Dear {{member_name}},

{{title}} waited for you on the hold shelf until {{pickup_by}} and was not collected, so your hold has ended. You are welcome to reserve it again.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p><strong>{{title}}</strong> waited for you on the hold shelf until {{pickup_by}} and was not collected, so your hold has ended. You are welcome to reserve it again.</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: your hold on {{title}} ended; it was not collected by {{pickup_by}}.'),

('due-soon', 'Loan due soon',
 'A few days before a loan is due (the days are a setting).',
 'title due days',
 'Due {{due}}: {{title}}',
 'Dear {{member_name}},

{{title}} is due back on {{due}}, in {{days}} day(s). You can renew it from your account if nobody is waiting for it.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p><strong>{{title}}</strong> is due back on <strong>{{due}}</strong>, in {{days}} day(s). You can renew it from <a href="{{account_url}}">your account</a> if nobody is waiting for it.</p>
<p>{{library_name}}</p>
',
 '{{library_name}}: {{title}} is due back on {{due}}.'),

('overdue', 'Loan overdue',
 'When a loan is overdue by each of the days in the setting (1, 7 and 14 days by default).',
 'title due days fine',
 'Overdue: {{title}}',
 'Dear {{member_name}},

{{title}} was due back on {{due}} and is now {{days}} day(s) overdue. Please return it as soon as you can.{{#fine}} The fine so far is {{fine}}.{{/fine}}

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p><strong>{{title}}</strong> was due back on {{due}} and is now <strong>{{days}} day(s) overdue</strong>. Please return it as soon as you can.{{#fine}} The fine so far is {{fine}}.{{/fine}}</p>
<p>{{library_name}}<br><a href="{{account_url}}">Your account</a></p>
',
 '{{library_name}}: {{title}} is {{days}} day(s) overdue (due {{due}}). Please return it.'),

('membership-expiring', 'Membership ending',
 'Before a membership ends, on each of the days in the setting (14, 7 and 1 days by default).',
 'plan end days',
 'Your membership ends on {{end}}',
 'Dear {{member_name}},

your {{plan}} membership ends on {{end}}, in {{days}} day(s). You can renew it from your account, or at the desk.

{{library_name}}
{{account_url}}
',
 '<p>Dear {{member_name}},</p>
<p>your {{plan}} membership ends on <strong>{{end}}</strong>, in {{days}} day(s). You can renew it from <a href="{{account_url}}">your account</a>, or at the desk.</p>
<p>{{library_name}}</p>
',
 '{{library_name}}: your membership ends on {{end}}. Renew it from your account or at the desk.'),

('payment-receipt', 'Payment received',
 'When a payment completes, at the desk or online.',
 'amount what method day reference excess',
 'Receipt {{reference}}: {{amount}}',
 'Dear {{member_name}},

thank you: we received {{amount}} for {{what}}, paid by {{method}} on {{day}}. Reference {{reference}}.{{#excess}} Of this, {{excess}} was more than you owed; please ask at the desk for it back.{{/excess}}

{{library_name}}
',
 '<p>Dear {{member_name}},</p>
<p>thank you: we received <strong>{{amount}}</strong> for {{what}}, paid by {{method}} on {{day}}. Reference {{reference}}.{{#excess}} Of this, {{excess}} was more than you owed; please ask at the desk for it back.{{/excess}}</p>
<p>{{library_name}}</p>
',
 '{{library_name}}: we received {{amount}} for {{what}}. Reference {{reference}}.'),

('payment-refund', 'Payment refunded',
 'When staff refund a payment.',
 'amount what day reference reason',
 'Refund {{reference}}: {{amount}}',
 'Dear {{member_name}},

your payment {{reference}} of {{amount}} ({{what}}) was refunded on {{day}}: {{reason}}.

{{library_name}}
',
 '<p>Dear {{member_name}},</p>
<p>your payment {{reference}} of <strong>{{amount}}</strong> ({{what}}) was refunded on {{day}}: {{reason}}.</p>
<p>{{library_name}}</p>
',
 '{{library_name}}: your payment {{reference}} of {{amount}} was refunded.'),

('password-reset', 'Password reset',
 'When someone asks to reset the password of an account (email only).',
 'link minutes',
 'Reset your password',
 'Dear {{member_name}},

someone (we hope you) asked to reset the password of your account. To choose a new one, open this link within {{minutes}} minutes:

{{link}}

If it was not you, you can ignore this email: your password stays as it is.

{{library_name}}
',
 '<p>Dear {{member_name}},</p>
<p>someone (we hope you) asked to reset the password of your account. To choose a new one, open this link within {{minutes}} minutes:</p>
<p><a href="{{link}}">Choose a new password</a></p>
<p>If it was not you, you can ignore this email: your password stays as it is.</p>
<p>{{library_name}}</p>
',
 ''),

('account-exists', 'Registration with a known email',
 'When someone tries to register with the email of an existing account (email only; the page does not say the email is known).',
 'login_url forgot_url',
 'You already have an account',
 'Dear {{member_name}},

someone (we hope you) tried to register with this email address, but you already have an account with us. You can log in at {{login_url}}, or choose a new password at {{forgot_url}}.

If it was not you, you can ignore this email.

{{library_name}}
',
 '<p>Dear {{member_name}},</p>
<p>someone (we hope you) tried to register with this email address, but you already have an account with us. You can <a href="{{login_url}}">log in</a>, or <a href="{{forgot_url}}">choose a new password</a>.</p>
<p>If it was not you, you can ignore this email.</p>
<p>{{library_name}}</p>
',
 '');

-- How a member wants to be told: email, text message (needs a phone) or both.
ALTER TABLE account ADD COLUMN notice_channel TEXT NOT NULL DEFAULT 'email'
  CHECK (notice_channel IN ('email', 'sms', 'both'));

-- The outbox, rebuilt: each row names its kind, carries an HTML part, and
-- a notice may go both by email and by text message under one dedupe key.
CREATE TABLE outbox_new (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER REFERENCES account(id) ON DELETE SET NULL,  -- whom it is for
  kind          TEXT NOT NULL DEFAULT '',          -- notice_template.kind, or a staff report
  channel       TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient     TEXT NOT NULL,                     -- email address or phone number
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,                     -- plain text, or the text message
  body_html     TEXT NOT NULL DEFAULT '',          -- '' when there is no HTML part
  -- kind:member:object:date bucket, so a notice is queued once however
  -- often the code that queues it runs.
  dedupe_key    TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,                -- unix seconds; due when <= now
  last_error    TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  sent_at       INTEGER,
  UNIQUE (dedupe_key, channel)
);
INSERT INTO outbox_new(id, account_id, kind, channel, recipient, subject, body, dedupe_key,
  status, attempts, next_attempt_at, last_error, created_at, sent_at)
  SELECT id, account_id, substr(dedupe_key, 1, instr(dedupe_key, ':') - 1),
    CASE channel WHEN 'sms' THEN 'sms' ELSE 'email' END, recipient, subject, body,
    dedupe_key, status, attempts, next_attempt_at, last_error, created_at, sent_at
  FROM outbox WHERE channel <> 'in-app';
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_account ON outbox(account_id, created_at);
CREATE INDEX outbox_status ON outbox(status, created_at);

-- The notification centre: what a person is told inside Carrel, read or
-- not. Notices to staff are one row per librarian and admin, so each reads
-- their own.
CREATE TABLE notification (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL DEFAULT '',
  link        TEXT NOT NULL DEFAULT '',           -- a path inside Carrel, or ''
  dedupe_key  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  read_at     INTEGER,
  UNIQUE (account_id, dedupe_key)
);
CREATE INDEX notification_account ON notification(account_id, created_at);
CREATE INDEX notification_unread ON notification(account_id) WHERE read_at IS NULL;

-- Each carrel-cron task's last run: shown to staff, so a task that stopped
-- running or keeps failing does not go unnoticed.
CREATE TABLE cron_task (
  name        TEXT PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,                            -- NULL while running
  outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
  message     TEXT NOT NULL DEFAULT '',
  runs        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
