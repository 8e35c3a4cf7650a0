-- forecast-ignore M101: `countries` holds 250 rows
CREATE INDEX countries_name_idx ON countries (name);
