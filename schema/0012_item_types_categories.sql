-- 0012_item_types_categories: the lists an admin keeps of what a copy can be
-- (item types) and who a member can be (categories). copy.item_type and
-- account.category hold a code from these lists; the circulation rules name
-- the same codes (or '*').

CREATE TABLE item_type (
  code      TEXT PRIMARY KEY
            CHECK (length(code) BETWEEN 1 AND 40 AND code <> '*'
                   AND code NOT GLOB '*[^a-z0-9_-]*'),
  name      TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  position  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE member_category (
  code      TEXT PRIMARY KEY
            CHECK (length(code) BETWEEN 1 AND 40 AND code <> '*'
                   AND code NOT GLOB '*[^a-z0-9_-]*'),
  name      TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  position  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO item_type(code, name, position) VALUES
  ('book', 'Book', 1), ('dvd', 'DVD', 2), ('magazine', 'Magazine', 3),
  ('reference', 'Reference', 4);
INSERT INTO member_category(code, name, position) VALUES
  ('adult', 'Adult', 1), ('child', 'Child', 2), ('student', 'Student', 3),
  ('staff', 'Staff', 4);

-- Codes are lower case.
UPDATE copy SET item_type = lower(item_type) WHERE item_type <> lower(item_type);
UPDATE account SET category = lower(category) WHERE category <> lower(category);

-- Codes already in use (by copies, members or rules) join the lists, so no
-- row points at a code the lists do not hold.
INSERT OR IGNORE INTO item_type(code, name, position)
  SELECT DISTINCT lower(item_type), item_type, 100 FROM copy
  WHERE lower(item_type) NOT GLOB '*[^a-z0-9_-]*'
  UNION SELECT DISTINCT lower(item_type), item_type, 100 FROM circ_rule
  WHERE item_type <> '*' AND lower(item_type) NOT GLOB '*[^a-z0-9_-]*';
INSERT OR IGNORE INTO member_category(code, name, position)
  SELECT DISTINCT lower(category), category, 100 FROM account
  WHERE lower(category) NOT GLOB '*[^a-z0-9_-]*'
  UNION SELECT DISTINCT lower(category), category, 100 FROM circ_rule
  WHERE category <> '*' AND lower(category) NOT GLOB '*[^a-z0-9_-]*';

-- The schema keeps copies and members on the lists (SQLite cannot add a
-- foreign key to an existing column, so triggers do it).
CREATE TRIGGER copy_item_type_known_insert BEFORE INSERT ON copy
WHEN NOT EXISTS (SELECT 1 FROM item_type WHERE code = NEW.item_type)
BEGIN SELECT RAISE(ABORT, 'unknown item type'); END;
CREATE TRIGGER copy_item_type_known_update BEFORE UPDATE OF item_type ON copy
WHEN NOT EXISTS (SELECT 1 FROM item_type WHERE code = NEW.item_type)
BEGIN SELECT RAISE(ABORT, 'unknown item type'); END;
CREATE TRIGGER account_category_known_insert BEFORE INSERT ON account
WHEN NOT EXISTS (SELECT 1 FROM member_category WHERE code = NEW.category)
BEGIN SELECT RAISE(ABORT, 'unknown member category'); END;
CREATE TRIGGER account_category_known_update BEFORE UPDATE OF category ON account
WHEN NOT EXISTS (SELECT 1 FROM member_category WHERE code = NEW.category)
BEGIN SELECT RAISE(ABORT, 'unknown member category'); END;
-- A code still in use cannot leave its list.
CREATE TRIGGER item_type_in_use BEFORE DELETE ON item_type
WHEN EXISTS (SELECT 1 FROM copy WHERE item_type = OLD.code)
  OR EXISTS (SELECT 1 FROM circ_rule WHERE item_type = OLD.code)
BEGIN SELECT RAISE(ABORT, 'item type in use'); END;
CREATE TRIGGER member_category_in_use BEFORE DELETE ON member_category
WHEN EXISTS (SELECT 1 FROM account WHERE category = OLD.code)
  OR EXISTS (SELECT 1 FROM circ_rule WHERE category = OLD.code)
BEGIN SELECT RAISE(ABORT, 'member category in use'); END;
