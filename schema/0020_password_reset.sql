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
