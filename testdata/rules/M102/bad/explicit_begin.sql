BEGIN;
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status); -- expect: M102
COMMIT;
