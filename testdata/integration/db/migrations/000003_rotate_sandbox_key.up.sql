-- Rotate the payment key of every integration (a fake key: the fixture checks it never
-- appears in a report).
UPDATE integrations SET api_key = 'pay_4eC39HqLyjWDarjtT1zdp7dcFAKE';

-- forecast-ignore M306: until launch `accounts` holds a few hundred trial rows; the update takes milliseconds
UPDATE accounts SET plan = 'trial';
