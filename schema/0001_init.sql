-- 0001_init: accounts, sessions and login throttling.
-- Timestamps are unix seconds (UTC) everywhere.

-- Everyone who can log in: members and staff alike. The role decides what
-- they may do; membership details live in their own tables.
CREATE TABLE account (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,  -- the login name
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  phone         TEXT NOT NULL DEFAULT '',             -- for SMS notices; may be empty
  password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  role          TEXT NOT NULL DEFAULT 'member'
                CHECK (role IN ('member', 'librarian', 'admin')),
  card_number   TEXT UNIQUE,                          -- library card; NULL until issued
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- A logged-in browser. The cookie holds a random token; only its BLAKE2b
-- hash is stored, so a copy of the database cannot be used to log in.
CREATE TABLE session (
  token_hash  BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id  INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  csrf        TEXT NOT NULL,            -- the form token of this session
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,         -- for the idle expiry
  expires_at  INTEGER NOT NULL          -- absolute expiry
) WITHOUT ROWID;
CREATE INDEX session_account ON session(account_id);

-- Failed logins per email (whether or not an account has it), for throttling.
CREATE TABLE login_failure (
  id          INTEGER PRIMARY KEY,
  email       TEXT NOT NULL COLLATE NOCASE,
  at          INTEGER NOT NULL,
  remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_failure_email_at ON login_failure(email, at);

-- Library-wide settings an admin can change (key = value).
CREATE TABLE setting (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;

-- Who did what: a row for every change of consequence made by staff or the
-- system (role changes, logins refused, ...).
CREATE TABLE audit (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_id    INTEGER REFERENCES account(id) ON DELETE SET NULL,
  action      TEXT NOT NULL,            -- e.g. 'account.role'
  object      TEXT NOT NULL DEFAULT '', -- e.g. 'account:17'
  detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
