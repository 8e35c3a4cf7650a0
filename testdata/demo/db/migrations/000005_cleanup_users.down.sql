ALTER TABLE users RENAME COLUMN email_address TO email;
