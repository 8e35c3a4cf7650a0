-- forecast-ignore: the table is new -- expect: F002
CREATE INDEX countries_name_idx ON countries (name); -- expect: M101
