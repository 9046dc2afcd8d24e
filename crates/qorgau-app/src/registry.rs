//! Finding or registering the child a signal is about (brief § 2.2). An IIN identifies a child
//! exactly. Without one, a new record is made and every existing child born the same day whose
//! names match spelling-tolerantly is flagged as a possible duplicate — for a supervisor to merge,
//! never merged here.

use chrono::{DateTime, Utc};
use qorgau_domain::ids::ChildId;
use qorgau_domain::names::{PersonName, name_key, probably_same_person};
use qorgau_domain::signal::ChildFacts;
use qorgau_persistence::children::{self, ChildRow};
use qorgau_persistence::{DbConnection, DbError};

/// The child's id, or `None` when the facts identify no one (no IIN, and no first name with a
/// last name or birth date).
pub fn identify(
    conn: &mut DbConnection,
    facts: &ChildFacts,
    region: &str,
    district: &str,
    now: DateTime<Utc>,
) -> Result<Option<ChildId>, DbError> {
    if let Some(iin) = &facts.iin
        && let Some(existing) = children::find_by_iin(conn, iin.as_str())?
    {
        return Ok(Some(existing.merged_into.unwrap_or(existing.id)));
    }
    let named =
        facts.first_name.is_some() && (facts.last_name.is_some() || facts.birth_date.is_some());
    if facts.iin.is_none() && !named {
        return Ok(None);
    }
    register(conn, facts, region, district, now).map(Some)
}

/// A new child record from whatever is known, with possible duplicates flagged.
pub fn register(
    conn: &mut DbConnection,
    facts: &ChildFacts,
    region: &str,
    district: &str,
    now: DateTime<Utc>,
) -> Result<ChildId, DbError> {
    let row = ChildRow {
        id: ChildId::new(),
        iin: facts.iin.as_ref().map(|i| i.as_str().to_string()),
        last_name: facts.last_name.clone(),
        first_name: facts.first_name.clone(),
        middle_name: facts.middle_name.clone(),
        last_name_key: facts.last_name.as_deref().map(name_key),
        first_name_key: facts.first_name.as_deref().map(name_key),
        birth_date: facts.birth_date,
        sex: facts.sex.map(|s| s.as_str().to_string()),
        address: facts.address.clone(),
        region_code: region.into(),
        district_code: district.into(),
        merged_into: None,
        created_at: now.naive_utc(),
        anonymised_at: None,
    };
    children::insert(conn, &row)?;
    if let Some(date) = row.birth_date {
        let me = PersonName {
            last_name: row.last_name.as_deref(),
            first_name: row.first_name.as_deref(),
            birth_date: Some(date),
        };
        let candidates: Vec<ChildId> = children::born_on(conn, date)?
            .into_iter()
            .filter(|c| c.id != row.id)
            // Two different IINs are two different children, however alike their names.
            .filter(|c| c.iin.is_none() || row.iin.is_none())
            .filter(|c| {
                probably_same_person(
                    &me,
                    &PersonName {
                        last_name: c.last_name.as_deref(),
                        first_name: c.first_name.as_deref(),
                        birth_date: c.birth_date,
                    },
                )
            })
            .map(|c| c.id)
            .collect();
        children::flag_duplicates(conn, row.id, &candidates, now.naive_utc())?;
    }
    Ok(row.id)
}
