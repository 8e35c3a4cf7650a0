CREATE TABLE invites (id bigint PRIMARY KEY, mail text);
ALTER TABLE invites RENAME COLUMN mail TO email;
