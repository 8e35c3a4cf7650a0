ALTER TABLE audit_log SET (fillfactor = 70);
