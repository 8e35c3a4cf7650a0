-- The schema every fixture of testdata/rules/M*/ runs against: each table, column, index,
-- constraint, enum, view and tablespace the fixtures name, with rows, so that scans, rewrites
-- and failures that depend on data are real. Every fixture gets a fresh copy of this database.
-- The tablespace `archive_disk` is created by the harness (it needs a directory the server owns).
--
-- Data is chosen so the fixtures' statements succeed on it: emails are unique, every
-- `orders.customer_id` exists in `customers`, totals are not negative, `orders.region` has no
-- NULL, `legacy_events.id` has no duplicate and no NULL. The harness breaks these on purpose
-- when it checks the failures the catalogue promises.

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');
CREATE TYPE deployment_status AS ENUM ('QUEUED', 'READY');
CREATE TYPE repository_status AS ENUM ('ACTIVE', 'ARCHIVED');

CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL
);
CREATE INDEX customers_email_idx ON customers (email);
INSERT INTO customers
SELECT g, 'customer' || g || '@example.com', 'Customer ' || g FROM generate_series(1, 1000) AS g;

-- Referenced by `payments`; `customer_id` gets its foreign key from a fixture (M206).
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    status order_status NOT NULL DEFAULT 'pending',
    total numeric(12, 2) NOT NULL,
    region text,
    placed_at timestamptz NOT NULL DEFAULT now(),
    shipped_at timestamptz
);
CREATE INDEX orders_legacy_status_idx ON orders (status);
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
INSERT INTO orders
SELECT g,
       1 + g % 1000,
       (ARRAY['pending', 'paid', 'shipped']::order_status[])[1 + g % 3],
       g * 1.5,
       CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END,
       timestamptz '2024-01-01' + g * interval '1 hour',
       CASE WHEN g % 3 = 2 THEN timestamptz '2023-01-01' + g * interval '1 hour' END
FROM generate_series(1, 1000) AS g;

CREATE VIEW paid_orders AS SELECT id, customer_id, total FROM orders WHERE status = 'paid';

CREATE TABLE payments (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    amount integer NOT NULL
);
INSERT INTO payments SELECT g, g, g * 100 FROM generate_series(1, 1000) AS g;

CREATE TABLE users (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    legacy_token text
);
INSERT INTO users SELECT g, 'user' || g || '@example.com', md5(g::text) FROM generate_series(1, 1000) AS g;

-- Half of the sessions expired long ago.
CREATE TABLE sessions (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    token text NOT NULL,
    expires_at timestamptz NOT NULL
);
INSERT INTO sessions
SELECT g, 1 + g % 1000, md5(g::text), now() + (g - 500) * interval '1 day'
FROM generate_series(1, 1000) AS g;

CREATE TABLE legacy_sessions (
    id bigint PRIMARY KEY,
    user_id bigint REFERENCES users (id),
    token text
);
INSERT INTO legacy_sessions SELECT g, 1 + g % 1000, md5(g::text) FROM generate_series(1, 1000) AS g;

-- No primary key yet (M208 adds one); `id` is nullable but holds no NULL.
CREATE TABLE legacy_events (id bigint, kind text, payload jsonb);
INSERT INTO legacy_events SELECT g, 'kind' || g % 7, '{}' FROM generate_series(1, 1000) AS g;

CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL);
INSERT INTO events SELECT g, 'kind' || g % 7, now() FROM generate_series(1, 1000) AS g;

CREATE UNLOGGED TABLE import_batches (id bigint PRIMARY KEY, payload text);
INSERT INTO import_batches SELECT g, 'batch ' || g FROM generate_series(1, 1000) AS g;

CREATE TABLE audit_log (id bigint PRIMARY KEY, action text NOT NULL, at timestamptz NOT NULL);
INSERT INTO audit_log SELECT g, 'action' || g % 5, now() FROM generate_series(1, 1000) AS g;

CREATE TABLE devices (id bigint PRIMARY KEY, kid text NOT NULL);
INSERT INTO devices SELECT g, 'k' || g FROM generate_series(1, 1000) g;

CREATE TABLE audit_events (id bigint PRIMARY KEY, action text NOT NULL);
INSERT INTO audit_events SELECT g, 'action' || g % 5 FROM generate_series(1, 1000) AS g;

CREATE TABLE measurements (
    id bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    value double precision
) PARTITION BY RANGE (recorded_at);
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO measurements
SELECT g, timestamptz '2024-01-01' + g * interval '12 hours', g FROM generate_series(1, 600) AS g;
