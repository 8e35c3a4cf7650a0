ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'archived';
UPDATE orders SET status = 'archived' WHERE shipped_at < now() - interval '1 year';
