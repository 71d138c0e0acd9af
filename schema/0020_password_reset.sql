-- 0020_password_reset: "Forgot your password?" links, and the record of
-- requests anonymous visitors make (password reset, registration) by which
-- they are throttled.

-- A one-time link to choose a new password. The link carries a random
-- token; only its BLAKE2b hash is kept, so the table alone opens nothing.
-- A link works once (used_at) and for an hour (expires_at).
CREATE TABLE password_reset (
  token_hash   BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id   INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL CHECK (expires_at > created_at),
  used_at      INTEGER,
  requested_ip TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX password_reset_account ON password_reset(account_id) WHERE used_at IS NULL;

-- What anonymous visitors asked for, by address and by client, kept for
-- the throttling window: at most so many reset emails per address and so
-- many requests per client an hour (the limits are settings of the
-- configuration). Rows older than the window are removed as new ones come.
CREATE TABLE anonymous_request (
  id          INTEGER PRIMARY KEY,
  action      TEXT NOT NULL CHECK (action IN ('password-reset', 'register')),
  email       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  remote_addr TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL
);
CREATE INDEX anonymous_request_email ON anonymous_request(action, email, at);
CREATE INDEX anonymous_request_addr ON anonymous_request(action, remote_addr, at);

-- Registering answers the same whether or not the email address has an
-- account, so a new account starts unconfirmed: it cannot log in until the
-- link emailed to its address is opened (or its password is set with a
-- reset link, which proves the address just as well). Accounts made by
-- staff or the command line, and those already here, are confirmed.
ALTER TABLE account ADD COLUMN email_confirmed INTEGER NOT NULL DEFAULT 1
  CHECK (email_confirmed IN (0, 1));

-- The link that confirms a new account, stored as BLAKE2b(token) like a
-- reset link. welcome names the message the account page greets the new
-- member with (as registering chose it: the plan started, waits for its
-- payment, ...).
CREATE TABLE registration_confirm (
  token_hash  BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id  INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  welcome     TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL CHECK (expires_at > created_at),
  used_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX registration_confirm_account ON registration_confirm(account_id);

INSERT INTO notice_template(kind, name, description, fields, subject, body_text, body_html, sms_text) VALUES
('registration-confirm', 'Finish registering',
 'When someone registers with a new email address: the link that confirms the address (email only).',
 'link hours',
 'Finish registering with {{library_name}}',
 'Dear {{member_name}},

thank you for registering with {{library_name}}. To confirm that this email address is yours and start using your account, open this link within {{hours}} hours:

{{link}}

If it was not you, you can ignore this email: the account cannot be used without this link.

{{library_name}}
',
 '<p>Dear {{member_name}},</p>
<p>thank you for registering with {{library_name}}. To confirm that this email address is yours and start using your account, open this link within {{hours}} hours:</p>
<p><a href="{{link}}">Finish registering</a></p>
<p>If it was not you, you can ignore this email: the account cannot be used without this link.</p>
<p>{{library_name}}</p>
',
 '');
