SET lock_timeout = '5s';
ALTER TABLE audit_log SET TABLESPACE archive_disk; -- expect: M107
