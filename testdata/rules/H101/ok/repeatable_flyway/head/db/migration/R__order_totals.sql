CREATE OR REPLACE VIEW order_totals AS SELECT count(*) AS n, sum(total) AS total FROM orders;
