SET lock_timeout = '5s';
ALTER TABLE members ALTER COLUMN nickname TYPE varchar(32); -- expect: M204
