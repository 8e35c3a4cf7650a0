CREATE INDEX countries_name_idx ON countries (name); -- forecast-ignore M101 because it is tiny -- expect: F001
