-- Families (issue 20, item 5): a household record linking siblings and the adults around them.
-- The decree counts families, not only children: 17 000 families "taken into accompaniment" in
-- 2025 (seed l. 310–312), the integrated model of family accompaniment run by the family-support
-- centres (l. 1762–1764, 3065). A family belongs to a district of a region (its scope); its
-- members are children (by id) and adults — a relation already recorded on a member child
-- (`relations`), or a name with a role. Removed members stay, with who removed them and why.
--
-- Code columns are checked inline, each constraint named `<table>_<column>_code` as in
-- 000015_code_checks. A family link is written on the child's timeline as a `relation` event,
-- so the timeline's kinds do not change here.

CREATE TABLE families (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    district_code TEXT NOT NULL REFERENCES districts (code),
    -- How the team calls the household ("Ахметовтар, Сарыарқа 12"): free text.
    label TEXT NOT NULL,
    address TEXT,
    -- Bumped by every change (PATCH, a member added or removed): the family's ETag.
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX families_area ON families (region_code, district_code);

-- A member: a child (`child_id`), an adult recorded as a relation of a member child
-- (`relation_id`), or an adult by name (`full_name`) — exactly one of the three, which
-- `qorgau_app::families` ensures (a CHECK of that shape prints differently on each backend, and
-- tests/api/schema.rs compares them).
CREATE TABLE family_members (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families (id),
    child_id TEXT REFERENCES children (id),
    relation_id TEXT REFERENCES relations (id),
    full_name TEXT,
    relation TEXT NOT NULL CONSTRAINT family_members_relation_code CHECK (relation IN ('child', 'sibling', 'half_sibling', 'mother', 'father', 'guardian', 'grandparent', 'other')),
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    removed_by TEXT REFERENCES users (id),
    removal_reason TEXT
);
CREATE INDEX family_members_family ON family_members (family_id, id);
-- A child belongs to one household at a time (the partial unique index decides a race).
CREATE UNIQUE INDEX family_members_child_active ON family_members (child_id)
    WHERE child_id IS NOT NULL AND removed_at IS NULL;
-- The KPI and retention look families up from their children.
CREATE INDEX family_members_child ON family_members (child_id, family_id);
