-- An exhibitor's name in Tamazight (Tifinagh), when the directory gives one (optional
-- column name_zgh): shown on Tamazight screens and searched like the other names.
ALTER TABLE exhibitors ADD COLUMN name_zgh TEXT NOT NULL DEFAULT '';
