-- 0034_api_tokens: tokens for the JSON API (/api/v1, lib/api.h).
--
-- A token is shown once when it is made; only BLAKE2b(token) is kept, as
-- for sessions. scope 'read' may use the API's reading routes, 'read-write'
-- its changing ones too. A token stops working when it expires, is revoked,
-- or its account is disabled or removed. window_start and window_count are
-- the per-token rate limit's current minute and its requests so far.
CREATE TABLE api_token (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  scope         TEXT NOT NULL CHECK (scope IN ('read', 'read-write')),
  token_hash    BLOB NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER,
  window_start  INTEGER NOT NULL DEFAULT 0,
  window_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_token_account ON api_token(account_id);

-- Requests one token may make in a minute before it is answered 429.
INSERT INTO setting(key, value) VALUES ('api.requests_per_minute', '120');
