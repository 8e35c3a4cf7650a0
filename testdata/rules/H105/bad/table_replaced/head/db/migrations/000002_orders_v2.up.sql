SET lock_timeout = '5s';
CREATE TABLE orders_v2 (
    id bigint PRIMARY KEY,
    total_cents bigint NOT NULL
);
INSERT INTO orders_v2 (id, total_cents) SELECT id, (total * 100)::bigint FROM orders;
DROP TABLE orders; -- expect: H105
