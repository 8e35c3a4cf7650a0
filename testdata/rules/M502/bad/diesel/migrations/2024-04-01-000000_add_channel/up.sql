SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN channel text;
ALTER TABLE orders RENAME COLUMN note TO remark; -- expect: M304, M502
