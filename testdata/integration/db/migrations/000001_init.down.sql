DROP TABLE integrations;
DROP TABLE accounts;
