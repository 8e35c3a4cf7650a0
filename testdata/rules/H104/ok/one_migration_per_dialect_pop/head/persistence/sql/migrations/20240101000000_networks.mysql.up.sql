CREATE TABLE networks (id char(36) PRIMARY KEY);
