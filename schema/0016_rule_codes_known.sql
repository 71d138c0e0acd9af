-- 0016_rule_codes_known: a circulation rule names a category and an item
-- type from the admin's lists (0012), or '*' for any, as copies and
-- accounts already must.

CREATE TRIGGER circ_rule_codes_known_insert BEFORE INSERT ON circ_rule
WHEN (NEW.category <> '*'
      AND NOT EXISTS (SELECT 1 FROM member_category WHERE code = NEW.category))
  OR (NEW.item_type <> '*'
      AND NOT EXISTS (SELECT 1 FROM item_type WHERE code = NEW.item_type))
BEGIN SELECT RAISE(ABORT, 'unknown category or item type'); END;

CREATE TRIGGER circ_rule_codes_known_update
BEFORE UPDATE OF category, item_type ON circ_rule
WHEN (NEW.category <> '*'
      AND NOT EXISTS (SELECT 1 FROM member_category WHERE code = NEW.category))
  OR (NEW.item_type <> '*'
      AND NOT EXISTS (SELECT 1 FROM item_type WHERE code = NEW.item_type))
BEGIN SELECT RAISE(ABORT, 'unknown category or item type'); END;
