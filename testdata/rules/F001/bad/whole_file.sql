-- forecast-ignore-file -- expect: F001
CREATE INDEX countries_name_idx ON countries (name);
TRUNCATE countries;
