CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    plan text NOT NULL DEFAULT 'free'
);
CREATE INDEX accounts_plan_idx ON accounts (plan);

CREATE TABLE integrations (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    api_key text
);
