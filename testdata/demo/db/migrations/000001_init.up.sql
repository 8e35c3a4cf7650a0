SET lock_timeout = '5s';

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    legacy_token text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES users (id),
    status text NOT NULL DEFAULT 'new',
    total numeric(12, 2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
