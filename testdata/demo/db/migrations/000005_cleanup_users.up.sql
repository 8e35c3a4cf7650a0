ALTER TABLE users RENAME COLUMN email TO email_address;
ALTER TABLE users DROP COLUMN legacy_token;
UPDATE orders SET status = 'archived';
