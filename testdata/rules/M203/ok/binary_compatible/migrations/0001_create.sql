CREATE TABLE profiles (id bigint PRIMARY KEY, name varchar(10), bio varchar(200), balance numeric(10, 2));
