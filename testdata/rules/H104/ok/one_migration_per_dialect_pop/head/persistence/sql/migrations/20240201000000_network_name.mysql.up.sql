ALTER TABLE networks ADD COLUMN name varchar(255);
