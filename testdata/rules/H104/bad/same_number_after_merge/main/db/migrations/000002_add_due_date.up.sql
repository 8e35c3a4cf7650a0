SET lock_timeout = '5s';
ALTER TABLE invoices ADD COLUMN due_date date;
