SET lock_timeout = '5s';
ALTER TABLE customers RENAME TO accounts; -- expect: M305
