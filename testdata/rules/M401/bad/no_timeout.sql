ALTER TABLE orders ADD COLUMN note text; -- expect: M401
ALTER TABLE orders ADD COLUMN channel text;
