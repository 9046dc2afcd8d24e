DROP TABLE interviews;
DROP TABLE placements;
DROP TABLE commission_measures;
DROP TABLE commission_matters;
DROP TABLE transfers;
DROP TABLE referrals;
DROP TABLE consents;
DROP TABLE relations;
