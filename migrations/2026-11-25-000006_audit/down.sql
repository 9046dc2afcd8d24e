DROP TABLE break_glass;
DROP TABLE audit_head;
DROP TABLE audit_log;
