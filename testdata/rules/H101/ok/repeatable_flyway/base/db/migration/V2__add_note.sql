-- free text the support team writes
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN note text;
