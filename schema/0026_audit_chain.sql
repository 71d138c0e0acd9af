-- 0026_audit_chain: the audit trail becomes append-only and hash-chained
-- (lib/audit.h). Each row gains the value before and after the change;
-- audit_chain holds each row's link: BLAKE2b-256 of the previous link and
-- the row's fields, computed by audit_hash(), an SQL function every Carrel
-- connection registers. The links of rows written before this migration
-- are computed here, oldest first.

ALTER TABLE audit ADD COLUMN before_value TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN after_value TEXT NOT NULL DEFAULT '';

CREATE TABLE audit_chain (
  audit_id  INTEGER PRIMARY KEY,
  hash      BLOB NOT NULL CHECK (length(hash) = 32)
);

WITH RECURSIVE link(id, hash) AS (
  SELECT a.id, audit_hash(NULL, a.id, a.at, a.actor_id, a.action, a.object, a.detail,
                          a.before_value, a.after_value)
  FROM audit a WHERE a.id = (SELECT min(id) FROM audit)
  UNION ALL
  SELECT a.id, audit_hash(link.hash, a.id, a.at, a.actor_id, a.action, a.object, a.detail,
                          a.before_value, a.after_value)
  FROM link JOIN audit a ON a.id = (SELECT min(id) FROM audit WHERE id > link.id)
)
INSERT INTO audit_chain(audit_id, hash) SELECT id, hash FROM link;

CREATE TRIGGER audit_link AFTER INSERT ON audit BEGIN
  INSERT INTO audit_chain(audit_id, hash) VALUES (NEW.id, audit_hash(
    (SELECT hash FROM audit_chain ORDER BY audit_id DESC LIMIT 1),
    NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.object, NEW.detail,
    NEW.before_value, NEW.after_value));
END;

-- Nothing written to the trail is changed or removed.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
