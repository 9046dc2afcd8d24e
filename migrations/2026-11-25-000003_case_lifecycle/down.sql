DROP INDEX cases_child;
DROP TABLE interventions;
DROP TABLE plan_measures;
DROP TABLE plan_goals;
DROP TABLE plans;
DROP TABLE assessments;
