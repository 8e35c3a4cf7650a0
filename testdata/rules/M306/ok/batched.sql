UPDATE orders SET region = 'eu' WHERE id BETWEEN 1 AND 10000 AND region IS NULL;
DELETE FROM sessions WHERE expires_at < now() - interval '30 days';
