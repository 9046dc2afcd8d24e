//! Rows on their way to the database, encoded once: PostgreSQL's binary `COPY` format, or the
//! `VALUES` lists of multi-row `INSERT`s for SQLite. Values are written straight into one buffer
//! per table; no row struct is ever built for the tens of millions of rows of a national run.
//!
//! Binary rather than text `COPY`: the server then copies timestamps as the integers they are
//! instead of parsing tens of millions of date strings, and the database is the bottleneck of
//! a national load.

use std::io::Write as _;

use super::time::{DAY, Micros, write_date, write_timestamp};

/// How rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `COPY … FROM STDIN (FORMAT binary)`: a header, per row the field count, then each field's
    /// length (-1 for NULL) and bytes in network order, a trailer.
    Binary,
    /// `INSERT INTO t (…) VALUES (…), (…);` statements of at most [`ROWS_PER_INSERT`] rows.
    Insert,
}

/// The binary format's signature, flags and header extension length.
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// PostgreSQL counts timestamps from 2000-01-01.
const PG_EPOCH: Micros = 10_957 * DAY;
const PG_EPOCH_DAYS: i32 = 10_957;

/// Rows per `INSERT` statement on SQLite: long enough to amortise parsing, short enough to stay
/// far below its statement length limit.
const ROWS_PER_INSERT: usize = 400;

macro_rules! tables {
    ($($variant:ident => $table:ident ($($column:ident),+ $(,)?);)+) => {
        /// The tables the generator fills, in an order that satisfies every foreign key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Table { $($variant),+ }

        impl Table {
            pub const ALL: &'static [Table] = &[$(Table::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $(Table::$variant => stringify!($table)),+ }
            }

            pub fn columns(self) -> &'static [&'static str] {
                match self { $(Table::$variant => &[$(stringify!($column)),+]),+ }
            }

            /// `COPY table (columns) FROM STDIN (FORMAT binary, FREEZE)` with `data`, already
            /// encoded. FREEZE
            /// writes the rows as frozen and all-visible: no vacuum needed before index-only
            /// scans; it requires the table to be truncated in the same transaction.
            pub fn copy_in(
                self,
                conn: &mut diesel::PgConnection,
                data: &[u8],
            ) -> Result<usize, CopyError> {
                use diesel::prelude::ExecuteCopyFromDsl;
                match self {
                    $(Table::$variant => {
                        use qorgau_persistence::schema::$table as t;
                        diesel::copy_from(t::table)
                            .from_raw_data(($(t::$column,)+), |out| {
                                out.write_all(data).map_err(CopyError::from)
                            })
                            .with_format(diesel::pg::CopyFormat::Binary)
                            .with_freeze(true)
                            .execute(conn)
                    })+
                }
            }
        }
    };
}

tables! {
    Districts => districts (code, region_code, name_kk, name_ru, name_en);
    Organisations => organisations (id, name, kind, region_code, district_code, email, created_at);
    Users => users (
        id, username, full_name, email, password_hash, role, organisation_id, active, created_at,
    );
    Children => children (
        id, iin, last_name, first_name, middle_name, last_name_key, first_name_key, birth_date,
        sex, address, region_code, district_code, merged_into, created_at,
    );
    Relations => relations (
        id, child_id, full_name, relation, is_legal_representative, alleged_perpetrator, phone,
        created_by, created_at,
    );
    Cases => cases (
        id, number, child_id, status, risk_level, region_code, district_code, assignee_id,
        opened_at, closed_at, closure_reason, version,
    );
    CaseConcerns => case_concerns (case_id, concern);
    Consents => consents (
        id, case_id, given_by_relation_id, given_by_name, relation, services, share_with,
        given_at, withdrawn_at, recorded_by, recorded_at,
    );
    Signals => signals (
        id, source, external_ref, urgency, description, observed_at, region_code, district_code,
        child_id, child_facts, reporter_name, reporter_phone, reporter_relation,
        reporter_anonymous, status, received_at, triage_due_at, filed_by, triaged_at,
        triaged_by, risk_level, screen_out_reason, case_id, updated_at,
    );
    SignalConcerns => signal_concerns (signal_id, concern);
    Assessments => assessments (
        id, case_id, kind, summary, risk_level, domains, recorded_by, recorded_at,
    );
    Plans => plans (
        id, case_id, version, status, created_by, created_at, decided_by, decided_at,
        decision_note,
    );
    PlanGoals => plan_goals (id, plan_id, position, title);
    PlanMeasures => plan_measures (
        id, plan_id, goal_id, position, kind, description, responsible_organisation_id,
        due_date, done_at, done_by,
    );
    Interventions => interventions (
        id, case_id, kind, assistance_type, occurred_at, summary, child_seen, duration_minutes,
        plan_measure_id, recorded_by, recorded_at,
    );
    Referrals => referrals (
        id, case_id, to_organisation_id, service, reason, urgency, status, respond_by,
        consent_id, override_basis, override_note, created_by, created_at, responded_at,
        responded_by, decline_reason, completed_at, outcome, withdrawn_at, kind, mandatory,
    );
    Deadlines => deadlines (
        id, case_id, kind, ref_id, starts_at, due_at, status, met_at, reminded_at, escalated_at,
        region_code, district_code, assignee_id,
    );
    Timeline => timeline_events (id, child_id, case_id, at, kind, summary, actor_id, ref_id);
    CaseNumbers => case_number_counters (region_code, year, last_value);
    Audit => audit_log (
        id, at, user_id, action, resource, resource_id, child_id, region_code, ip, request_id,
        break_glass, seq, prev_hash, hash,
    );
}

impl Table {
    pub fn index(self) -> usize {
        Table::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The encoded rows of one table.
pub struct Rows {
    pub table: Table,
    encoding: Encoding,
    pub data: Vec<u8>,
    pub count: usize,
    fields: usize,
}

impl Rows {
    pub fn new(table: Table, encoding: Encoding) -> Rows {
        let data = match encoding {
            Encoding::Binary => BINARY_HEADER.to_vec(),
            Encoding::Insert => Vec::new(),
        };
        Rows {
            table,
            encoding,
            data,
            count: 0,
            fields: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Starts a value: the row's start when it is the first, the separator otherwise.
    fn separate(&mut self) {
        match (self.encoding, self.fields) {
            (Encoding::Binary, 0) => {
                let n = self.table.columns().len() as i16;
                self.data.extend_from_slice(&n.to_be_bytes());
            }
            (Encoding::Binary, _) => {}
            (Encoding::Insert, 0) if self.count.is_multiple_of(ROWS_PER_INSERT) => {
                if self.count > 0 {
                    self.data.extend_from_slice(b";\n");
                }
                self.data.extend_from_slice(b"INSERT INTO ");
                self.data.extend_from_slice(self.table.name().as_bytes());
                self.data.extend_from_slice(b" (");
                self.data
                    .extend_from_slice(self.table.columns().join(", ").as_bytes());
                self.data.extend_from_slice(b") VALUES (");
            }
            (Encoding::Insert, 0) => self.data.extend_from_slice(b",\n("),
            (Encoding::Insert, _) => self.data.push(b','),
        }
        self.fields += 1;
    }

    /// A binary value: its length, then its bytes.
    fn binary(&mut self, bytes: &[u8]) {
        self.data
            .extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.data.extend_from_slice(bytes);
    }

    /// Ends a row; panics in tests when the row has the wrong number of values.
    pub fn end(&mut self) {
        debug_assert_eq!(
            self.fields,
            self.table.columns().len(),
            "{}",
            self.table.name()
        );
        if self.encoding == Encoding::Insert {
            self.data.push(b')');
        }
        self.fields = 0;
        self.count += 1;
    }

    /// The finished buffer: terminated by the binary trailer or the last `INSERT`'s `;`.
    pub fn finish(mut self) -> Vec<u8> {
        match self.encoding {
            Encoding::Binary => self.data.extend_from_slice(&(-1i16).to_be_bytes()),
            Encoding::Insert if self.count > 0 => self.data.push(b';'),
            Encoding::Insert => {}
        }
        self.data
    }

    pub fn null(&mut self) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.data.extend_from_slice(&(-1i32).to_be_bytes()),
            Encoding::Insert => self.data.extend_from_slice(b"NULL"),
        }
        self
    }

    /// A quoted SQL literal.
    fn literal(&mut self, text: &[u8]) {
        self.data.push(b'\'');
        if text.contains(&b'\'') {
            for &b in text {
                if b == b'\'' {
                    self.data.push(b'\'');
                }
                self.data.push(b);
            }
        } else {
            self.data.extend_from_slice(text);
        }
        self.data.push(b'\'');
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.binary(bytes),
            Encoding::Insert => self.literal(bytes),
        }
        self
    }

    pub fn text(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    pub fn opt_text(&mut self, text: Option<&str>) -> &mut Self {
        match text {
            Some(t) => self.text(t),
            None => self.null(),
        }
    }

    /// A UUID in its hyphenated lower-case form, as `Uuid::to_string` writes it.
    pub fn id(&mut self, id: u128) -> &mut Self {
        let mut buf = [0u8; 36];
        let s = uuid::Uuid::from_u128(id)
            .hyphenated()
            .encode_lower(&mut buf);
        self.bytes(s.as_bytes())
    }

    pub fn opt_id(&mut self, id: Option<u128>) -> &mut Self {
        match id {
            Some(id) => self.id(id),
            None => self.null(),
        }
    }

    /// An `INTEGER` value.
    pub fn int(&mut self, n: i32) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.binary(&n.to_be_bytes()),
            // Writing into a Vec cannot fail.
            Encoding::Insert => drop(write!(self.data, "{n}")),
        }
        self
    }

    pub fn opt_int(&mut self, n: Option<i32>) -> &mut Self {
        match n {
            Some(n) => self.int(n),
            None => self.null(),
        }
    }

    /// A `BIGINT` value.
    pub fn big(&mut self, n: i64) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.binary(&n.to_be_bytes()),
            Encoding::Insert => drop(write!(self.data, "{n}")),
        }
        self
    }

    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.binary(&[u8::from(b)]),
            Encoding::Insert => self.data.push(if b { b'1' } else { b'0' }),
        }
        self
    }

    pub fn ts(&mut self, t: Micros) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.binary(&(t - PG_EPOCH).to_be_bytes()),
            Encoding::Insert => {
                self.data.push(b'\'');
                write_timestamp(&mut self.data, t);
                self.data.push(b'\'');
            }
        }
        self
    }

    pub fn opt_ts(&mut self, t: Option<Micros>) -> &mut Self {
        match t {
            Some(t) => self.ts(t),
            None => self.null(),
        }
    }

    pub fn date(&mut self, day: i32) -> &mut Self {
        self.separate();
        match self.encoding {
            Encoding::Binary => self.binary(&(day - PG_EPOCH_DAYS).to_be_bytes()),
            Encoding::Insert => {
                self.data.push(b'\'');
                write_date(&mut self.data, day);
                self.data.push(b'\'');
            }
        }
        self
    }
}

/// One buffer per table.
pub struct Batch {
    pub tables: Vec<Rows>,
}

impl Batch {
    pub fn new(encoding: Encoding) -> Batch {
        Batch {
            tables: Table::ALL.iter().map(|t| Rows::new(*t, encoding)).collect(),
        }
    }

    pub fn rows(&mut self, table: Table) -> &mut Rows {
        &mut self.tables[table.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_rows_have_header_lengths_and_trailer() {
        let mut rows = Rows::new(Table::PlanGoals, Encoding::Binary);
        rows.id(1).null().int(-3).text("é").end();
        let data = rows.finish();
        let mut expected = BINARY_HEADER.to_vec();
        expected.extend_from_slice(&4i16.to_be_bytes());
        expected.extend_from_slice(&36i32.to_be_bytes());
        expected.extend_from_slice(b"00000000-0000-0000-0000-000000000001");
        expected.extend_from_slice(&(-1i32).to_be_bytes());
        expected.extend_from_slice(&4i32.to_be_bytes());
        expected.extend_from_slice(&(-3i32).to_be_bytes());
        expected.extend_from_slice(&2i32.to_be_bytes());
        expected.extend_from_slice("é".as_bytes());
        expected.extend_from_slice(&(-1i16).to_be_bytes());
        assert_eq!(data, expected);
        assert_eq!(BINARY_HEADER.len(), 19);
    }

    #[test]
    fn inserts_quote_and_split_statements() {
        let mut rows = Rows::new(Table::CaseConcerns, Encoding::Insert);
        for _ in 0..ROWS_PER_INSERT + 1 {
            rows.text("it's").bool(true).end();
        }
        let sql = String::from_utf8(rows.finish()).unwrap_or_default();
        assert_eq!(sql.matches("INSERT INTO case_concerns").count(), 2);
        assert!(sql.starts_with("INSERT INTO case_concerns (case_id, concern) VALUES ('it''s',1)"));
        assert!(sql.ends_with(");"));
    }

    /// The column lists above are the generator's own: `copy_in` checks them against diesel's
    /// schema at compile time, but the SQLite `INSERT`s only meet the database at load time.
    /// Against the migrated schema (both backends have one: tests/api/schema.rs), every column
    /// written exists in its table, and every NOT NULL column without a default is written.
    #[test]
    fn columns_match_the_migrated_schema() {
        use diesel::sql_types::{Integer, Nullable, Text};
        use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

        #[derive(QueryableByName)]
        struct Column {
            #[diesel(sql_type = Text)]
            name: String,
            #[diesel(sql_type = Integer)]
            required: i32,
            #[diesel(sql_type = Nullable<Text>)]
            default_value: Option<String>,
        }

        let mut conn = qorgau_persistence::DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").unwrap(),
        );
        qorgau_persistence::migrate::run(&mut conn).unwrap();
        for table in Table::ALL {
            let columns: Vec<Column> = diesel::sql_query(format!(
                "SELECT name, (\"notnull\" OR pk > 0) AS required, dflt_value AS default_value \
                 FROM pragma_table_info('{}')",
                table.name()
            ))
            .load(&mut conn)
            .unwrap();
            assert!(!columns.is_empty(), "no table {}", table.name());
            for written in table.columns() {
                assert!(
                    columns.iter().any(|c| c.name == *written),
                    "{}.{written} is written but not in the schema",
                    table.name()
                );
            }
            for c in &columns {
                assert!(
                    c.required == 0
                        || c.default_value.is_some()
                        || table.columns().contains(&c.name.as_str()),
                    "{}.{} is NOT NULL without a default, and not written",
                    table.name(),
                    c.name
                );
            }
        }
    }
}
