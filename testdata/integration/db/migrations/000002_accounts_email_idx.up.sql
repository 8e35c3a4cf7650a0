-- Look accounts up by email at login.
CREATE INDEX accounts_email_idx ON accounts (email);
