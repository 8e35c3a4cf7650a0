CREATE TABLE refunds (
    id bigint PRIMARY KEY
);
ALTER TABLE refunds ADD COLUMN reason text;
ALTER TABLE refunds ALTER COLUMN reason SET NOT NULL;
