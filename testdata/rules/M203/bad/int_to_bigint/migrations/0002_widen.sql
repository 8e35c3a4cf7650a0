SET lock_timeout = '5s';
ALTER TABLE line_items ALTER COLUMN id TYPE bigint; -- expect: M203
