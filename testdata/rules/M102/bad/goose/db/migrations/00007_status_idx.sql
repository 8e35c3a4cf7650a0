-- +goose Up
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status); -- expect: M102

-- +goose Down
DROP INDEX CONCURRENTLY orders_status_idx; -- expect: M102
