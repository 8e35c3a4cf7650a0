ALTER TABLE accounts DROP COLUMN note;
ALTER TABLE accounts DROP COLUMN region;
