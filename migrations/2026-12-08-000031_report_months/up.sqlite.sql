-- Per-district-month results of the indicators (issue 21, docs/reporting.md § Month facts): a
-- year of the whole country is read from ≈ 2,400 rows instead of one row per signal, case,
-- referral and deadline. A row holds what the indicators add up over a district's month — the
-- counts and key sums, and every duration the medians need (exact, not a histogram) — as JSON
-- written and read only by `qorgau_persistence::report_months`.
CREATE TABLE report_months (
    region_code TEXT NOT NULL,
    -- `YYYY-MM`, the month in Kazakhstan time.
    month TEXT NOT NULL,
    district_code TEXT NOT NULL,
    facts TEXT NOT NULL,
    PRIMARY KEY (region_code, month, district_code)
);
CREATE INDEX report_months_time ON report_months (month, region_code, district_code);

-- Where the facts changed since the month rows were last computed: each change to a fact row
-- (or to a met deadline) leaves its area and the time that places it in a month. A report
-- reads a marked district-month from the facts themselves, so that it is exact at every
-- moment; the worker recomputes the marked months and deletes their marks in one
-- transaction. Written by the triggers below, never by the code, so that no write can forget.
CREATE TABLE report_marks (
    region_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX report_marks_area ON report_marks (region_code, at, district_code);
CREATE INDEX report_marks_time ON report_marks (at);

CREATE TRIGGER report_signals_marks_insert AFTER INSERT ON report_signals BEGIN
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.received_at);
END;
CREATE TRIGGER report_signals_marks_update AFTER UPDATE ON report_signals BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.received_at);
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.received_at);
END;
CREATE TRIGGER report_signals_marks_delete AFTER DELETE ON report_signals BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.received_at);
END;
CREATE TRIGGER report_signal_concerns_marks_insert AFTER INSERT ON report_signal_concerns BEGIN
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.received_at);
END;
CREATE TRIGGER report_signal_concerns_marks_update AFTER UPDATE ON report_signal_concerns BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.received_at);
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.received_at);
END;
CREATE TRIGGER report_signal_concerns_marks_delete AFTER DELETE ON report_signal_concerns BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.received_at);
END;
-- A case counts in the month it opened (opened, its durations) and the month it closed.
CREATE TRIGGER report_cases_marks_insert AFTER INSERT ON report_cases BEGIN
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.opened_at);
    INSERT INTO report_marks SELECT NEW.region_code, NEW.district_code, NEW.closed_at WHERE NEW.closed_at IS NOT NULL;
END;
CREATE TRIGGER report_cases_marks_update AFTER UPDATE ON report_cases BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.opened_at);
    INSERT INTO report_marks SELECT OLD.region_code, OLD.district_code, OLD.closed_at WHERE OLD.closed_at IS NOT NULL;
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.opened_at);
    INSERT INTO report_marks SELECT NEW.region_code, NEW.district_code, NEW.closed_at WHERE NEW.closed_at IS NOT NULL;
END;
CREATE TRIGGER report_cases_marks_delete AFTER DELETE ON report_cases BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.opened_at);
    INSERT INTO report_marks SELECT OLD.region_code, OLD.district_code, OLD.closed_at WHERE OLD.closed_at IS NOT NULL;
END;
CREATE TRIGGER report_referrals_marks_insert AFTER INSERT ON report_referrals BEGIN
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.created_at);
END;
CREATE TRIGGER report_referrals_marks_update AFTER UPDATE ON report_referrals BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.created_at);
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.created_at);
END;
CREATE TRIGGER report_referrals_marks_delete AFTER DELETE ON report_referrals BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.created_at);
END;
-- Deadlines are their own facts; the month rows hold only the met ones (an unmet clock's
-- outcome depends on when the report is read), so only a change to a met deadline marks.
CREATE TRIGGER deadlines_marks_insert AFTER INSERT ON deadlines WHEN NEW.met_at IS NOT NULL BEGIN
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.starts_at);
END;
CREATE TRIGGER deadlines_marks_update AFTER UPDATE ON deadlines WHEN OLD.met_at IS NOT NULL OR NEW.met_at IS NOT NULL BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.starts_at);
    INSERT INTO report_marks VALUES (NEW.region_code, NEW.district_code, NEW.starts_at);
END;
CREATE TRIGGER deadlines_marks_delete AFTER DELETE ON deadlines WHEN OLD.met_at IS NOT NULL BEGIN
    INSERT INTO report_marks VALUES (OLD.region_code, OLD.district_code, OLD.starts_at);
END;
-- The clocks still running, read for every report from the facts (their outcome depends on
-- now): few rows, kept apart by partial indexes holding what is counted.
CREATE INDEX report_signals_untriaged ON report_signals (region_code, received_at, district_code, source, status, triage_due_at, record_key)
    WHERE triaged_at IS NULL;
CREATE INDEX report_signals_untriaged_time ON report_signals (received_at, region_code, district_code, source, status, triage_due_at, record_key)
    WHERE triaged_at IS NULL;
CREATE INDEX deadlines_unmet ON deadlines (region_code, starts_at, district_code, kind, due_at, record_key)
    WHERE met_at IS NULL AND status <> 'cancelled';
CREATE INDEX deadlines_unmet_time ON deadlines (starts_at, region_code, district_code, kind, due_at, record_key)
    WHERE met_at IS NULL AND status <> 'cancelled';

-- Every district-month that holds a fact is marked, so that reports read the facts until the
-- months are computed: by `qorgau migrate` right after this script (the upgrade's backfill),
-- else by the worker's next pass (`report_months::mark_all` writes the same marks).
INSERT INTO report_marks (region_code, district_code, at)
    SELECT region_code, district_code, MIN(received_at) FROM report_signals
    GROUP BY region_code, district_code, strftime('%Y-%m', received_at, '+5 hours');
INSERT INTO report_marks (region_code, district_code, at)
    SELECT region_code, district_code, MIN(opened_at) FROM report_cases
    GROUP BY region_code, district_code, strftime('%Y-%m', opened_at, '+5 hours');
INSERT INTO report_marks (region_code, district_code, at)
    SELECT region_code, district_code, MIN(closed_at) FROM report_cases WHERE closed_at IS NOT NULL
    GROUP BY region_code, district_code, strftime('%Y-%m', closed_at, '+5 hours');
INSERT INTO report_marks (region_code, district_code, at)
    SELECT region_code, district_code, MIN(created_at) FROM report_referrals
    GROUP BY region_code, district_code, strftime('%Y-%m', created_at, '+5 hours');
INSERT INTO report_marks (region_code, district_code, at)
    SELECT region_code, district_code, MIN(starts_at) FROM deadlines WHERE met_at IS NOT NULL
    GROUP BY region_code, district_code, strftime('%Y-%m', starts_at, '+5 hours');
