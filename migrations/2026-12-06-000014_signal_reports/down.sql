DROP TABLE signal_reports;
