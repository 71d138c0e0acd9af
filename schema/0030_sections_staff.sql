-- 0030_sections_staff: sections kept on the web (their order, names unique
-- whatever the case) and staff accounts created by admins (a temporary
-- password to change at first login; accounts that can be disabled).

-- The order the public sections page and every section picker follow;
-- lower first. Sections made before this start in name order.
ALTER TABLE section ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE section SET position =
  (SELECT count(*) FROM section s2
   WHERE s2.name < section.name COLLATE NOCASE
      OR (s2.name = section.name COLLATE NOCASE AND s2.id <= section.id));
-- A section made without a place (an import, the demo data) goes last.
CREATE TRIGGER section_ai_position AFTER INSERT ON section WHEN new.position = 0 BEGIN
  UPDATE section SET position = (SELECT coalesce(max(position), 0) + 1 FROM section)
  WHERE id = new.id;
END;
CREATE INDEX section_position ON section(position, name);

-- "Poetry" and "poetry" are the same section to people.
CREATE UNIQUE INDEX section_name_nocase ON section(name COLLATE NOCASE);

-- Set for an account given a temporary password: every page leads to the
-- change-password page until it chooses its own.
ALTER TABLE account ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
  CHECK (must_change_password IN (0, 1));
-- When an admin disabled the account (NULL: it may log in). Its loans,
-- payments and audit rows stay; it only cannot log in.
ALTER TABLE account ADD COLUMN disabled_at INTEGER;
