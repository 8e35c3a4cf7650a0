ALTER INDEX customers_email_idx RENAME TO customers_email_key;
