ALTER TABLE referrals DROP COLUMN mandatory;
ALTER TABLE referrals DROP COLUMN kind;
DROP TABLE routing_gaps;
DROP TABLE outbox;
DROP TABLE deadlines;
