-- forecast-ignore-file M101, M303, M401: a seed file for the test database, never run in production
CREATE INDEX countries_name_idx ON countries (name);
TRUNCATE countries;
