SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN name text;
UPDATE users SET name = full_name WHERE name IS NULL;
ALTER TABLE users DROP COLUMN full_name;
