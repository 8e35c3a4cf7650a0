SET lock_timeout = '5s';
ALTER TABLE payments ALTER COLUMN amount TYPE bigint; -- expect: M203
