SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN discount int CHECK (discount >= 0); -- expect: M207
