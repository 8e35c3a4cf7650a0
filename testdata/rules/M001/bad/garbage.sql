SET lock_timeout = '5s';
FROBNICATE THE WIDGETS NOW; -- expect: M001
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
