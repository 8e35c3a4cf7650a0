-- The index is wanted on a small table, but the comment below does not say why it is safe.
/* forecast-ignore M101 */ -- expect: F001
CREATE INDEX countries_name_idx ON countries (name);
