-- forecast-ignore M1O1: `countries` holds 250 rows -- expect: F002
CREATE INDEX countries_name_idx ON countries (name); -- expect: M101
