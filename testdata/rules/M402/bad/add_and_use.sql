BEGIN;
ALTER TYPE order_status ADD VALUE 'archived'; -- expect: M402
UPDATE orders SET status = 'archived' WHERE shipped_at < now() - interval '1 year';
COMMIT;
