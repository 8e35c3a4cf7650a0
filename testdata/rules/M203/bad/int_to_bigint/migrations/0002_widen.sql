SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN id TYPE bigint; -- expect: M203
