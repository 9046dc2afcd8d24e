//! The records several agencies keep around one child (api.md § Interagency records): family
//! relations, commission matters, placements, interviews, and transfers between regions.
//!
//! - **Relations.** Alleged perpetrators are most often the closest adults (60–70 %, seed
//!   l. 304), so a relation may be marked so — and such a person can never be recorded as the
//!   legal representative who consents ([`check_consenting_relation`]).
//! - **Commission matters** (КТІҚҚК, the commission on minors' affairs): the seed asks that
//!   commission decisions be tracked — whether they were carried out and whether they worked
//!   (l. 489–493) — so each decision carries measures with deadlines, and a measure past due and
//!   not done is [`MeasureStatus::Overdue`].
//! - **Placements** out of the family, with start, end and why it ended: breakdowns are counted
//!   (brief § 2 step 10). A juvenile adaptation centre may hold a child at most 3 months (seed
//!   l. 718): longer stays are flagged ([`exceeds_limit`]).
//! - **Interviews** of child victims and witnesses: as few as possible (the Barnahus principle,
//!   seed l. 2789), so each is recorded and a repeat needs a reason.
//! - **Transfers** between regions when the family moves (brief § 2 step 13).

use std::str::FromStr;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::consent::past_timestamp;
use crate::geography::{DistrictCode, RegionCode};
use crate::ids::OrganisationId;
use crate::plan::iso_date;
use crate::validation::{FieldError, Validation, bounded_text};

/// Longest name (of a person, a relation or an interviewer).
pub const NAME_MAX: usize = 200;
/// Longest free text: grounds, decisions, measures, reasons.
pub const TEXT_MAX: usize = 2_000;
/// Longest phone number.
pub const PHONE_MAX: usize = 30;
/// Longest reference to an interview recording.
pub const RECORDING_REF_MAX: usize = 200;
/// Most measures in one commission decision.
pub const MEASURES_MAX: usize = 50;
/// Longest stay in a juvenile adaptation centre (seed l. 718).
pub const JUVENILE_ADAPTATION_CENTRE_MONTHS: u32 = 3;

/// An optional free text: absent or blank is `None`, otherwise bounded like a required one.
fn optional_text(
    v: &mut Validation,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<Option<String>> {
    match value {
        Some(text) if !text.trim().is_empty() => v.check(field, bounded_text(text, max)).map(Some),
        _ => Some(None),
    }
}

/// The id of the kind `T` written in `value`, or `what` recorded under `field`.
fn parse_id<T: FromStr>(
    v: &mut Validation,
    field: &str,
    value: &str,
    what: &'static str,
) -> Option<T> {
    v.check(field, value.trim().parse::<T>().map_err(|_| what))
}

/// The first day anything in Qorgau can have happened on.
fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// A `YYYY-MM-DD` date from 2000-01-01 on, and, with `today`, not after it.
fn date(
    v: &mut Validation,
    field: &str,
    value: &str,
    today: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let date = v.check(field, iso_date(value))?;
    if date < earliest_date() {
        v.add(field, "must not be before 2000-01-01");
        return None;
    }
    if today.is_some_and(|today| date > today) {
        v.add(field, "must not be in the future");
        return None;
    }
    Some(date)
}

// ---------------------------------------------------------------------------------------------
// Relations

/// The request body of `POST /children/{id}/relations`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RelationInput {
    pub full_name: String,
    /// E.g. `mother`, `stepfather`, `grandmother`.
    pub relation: String,
    pub is_legal_representative: bool,
    /// Marked so, nothing in the system contacts or informs this person.
    pub alleged_perpetrator: bool,
    /// Digits, spaces and `+-()`, at most 30 characters.
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRelation {
    pub full_name: String,
    pub relation: String,
    pub is_legal_representative: bool,
    pub alleged_perpetrator: bool,
    pub phone: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be a phone number of at most 30 digits, spaces and + - ( )")]
struct PhoneError;

fn phone(value: &str) -> Result<String, PhoneError> {
    let value = value.trim();
    let plausible = value.chars().count() <= PHONE_MAX
        && value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if plausible {
        Ok(value.to_string())
    } else {
        Err(PhoneError)
    }
}

pub fn parse_relation(input: RelationInput) -> Result<NewRelation, Vec<FieldError>> {
    let mut v = Validation::new();
    let full_name = v.text("full_name", &input.full_name, NAME_MAX);
    let relation = v.text("relation", &input.relation, NAME_MAX);
    let phone = match input.phone.as_deref() {
        Some(p) if !p.trim().is_empty() => v.check("phone", phone(p)).map(Some),
        _ => Some(None),
    };
    match (full_name, relation, phone) {
        (Some(full_name), Some(relation), Some(phone)) if v.is_empty() => Ok(NewRelation {
            full_name,
            relation,
            is_legal_representative: input.is_legal_representative,
            alleged_perpetrator: input.alleged_perpetrator,
            phone,
        }),
        _ => Err(v.into_errors()),
    }
}

/// An alleged perpetrator cannot be recorded as the legal representative who consents: their
/// consent would hand them control over what is shared about the child they are suspected of
/// harming (brief § 5; 60–70 % of perpetrators are the closest adults, seed l. 304).
pub fn check_consenting_relation(is_alleged_perpetrator: bool) -> Result<(), Vec<FieldError>> {
    if is_alleged_perpetrator {
        Err(vec![FieldError {
            field: "given_by_relation_id".into(),
            message: "this relation is marked as an alleged perpetrator and cannot consent for \
                      the child"
                .into(),
        }])
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Commission matters

/// The request body of `POST /cases/{id}/commission-matters`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CommissionMatterInput {
    pub commission_organisation_id: String,
    pub grounds: String,
}

/// A well-formed referral to the commission. Whether the organisation is a commission is
/// checked by the caller against the stored records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCommissionMatter {
    pub commission_organisation_id: OrganisationId,
    pub grounds: String,
}

pub fn parse_commission_matter(
    input: CommissionMatterInput,
) -> Result<NewCommissionMatter, Vec<FieldError>> {
    let mut v = Validation::new();
    let organisation = parse_id(
        &mut v,
        "commission_organisation_id",
        &input.commission_organisation_id,
        "must be an organisation id",
    );
    let grounds = v.text("grounds", &input.grounds, TEXT_MAX);
    match (organisation, grounds) {
        (Some(commission_organisation_id), Some(grounds)) if v.is_empty() => {
            Ok(NewCommissionMatter {
                commission_organisation_id,
                grounds,
            })
        }
        _ => Err(v.into_errors()),
    }
}

/// One measure of a commission decision, as received.
// `Serialize` only because utoipa renders the `Default` of a nested input as a schema default.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CommissionMeasureInput {
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub responsible_organisation_id: String,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub due_date: String,
}

/// The request body of `POST /commission-matters/{id}/decision`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CommissionDecisionInput {
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub hearing_date: String,
    pub decision: String,
    pub measures: Vec<CommissionMeasureInput>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionMeasure {
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub due_date: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionDecision {
    pub hearing_date: NaiveDate,
    pub decision: String,
    /// May be empty: a commission may decide that no measure is needed.
    pub measures: Vec<CommissionMeasure>,
}

fn parse_commission_measure(
    v: &mut Validation,
    i: usize,
    m: &CommissionMeasureInput,
) -> Option<CommissionMeasure> {
    let description = v.text(
        &format!("measures[{i}].description"),
        &m.description,
        TEXT_MAX,
    );
    let organisation = parse_id(
        v,
        &format!("measures[{i}].responsible_organisation_id"),
        &m.responsible_organisation_id,
        "must be an organisation id",
    );
    let due_date = date(v, &format!("measures[{i}].due_date"), &m.due_date, None);
    Some(CommissionMeasure {
        description: description?,
        responsible_organisation_id: organisation?,
        due_date: due_date?,
    })
}

/// Parses a commission decision. Due dates may already be past: decisions are often entered
/// after the hearing, and a measure past due then simply shows as overdue.
pub fn parse_commission_decision(
    input: CommissionDecisionInput,
) -> Result<CommissionDecision, Vec<FieldError>> {
    let mut v = Validation::new();
    let hearing_date = date(&mut v, "hearing_date", &input.hearing_date, None);
    let decision = v.text("decision", &input.decision, TEXT_MAX);
    if input.measures.len() > MEASURES_MAX {
        v.add(
            "measures",
            format!("a decision may have at most {MEASURES_MAX} measures"),
        );
        return Err(v.into_errors());
    }
    let measures: Vec<_> = input
        .measures
        .iter()
        .enumerate()
        .filter_map(|(i, m)| parse_commission_measure(&mut v, i, m))
        .collect();
    match (hearing_date, decision) {
        (Some(hearing_date), Some(decision)) if v.is_empty() => Ok(CommissionDecision {
            hearing_date,
            decision,
            measures,
        }),
        _ => Err(v.into_errors()),
    }
}

crate::code_enum! {
    /// Where a commission measure stands.
    pub enum MeasureStatus {
        Pending = "pending",
        Done = "done",
        Overdue = "overdue",
    }
}

/// A measure is overdue from the day after its due date until it is done.
pub fn measure_status(due: NaiveDate, done: bool, today: NaiveDate) -> MeasureStatus {
    if done {
        MeasureStatus::Done
    } else if today > due {
        MeasureStatus::Overdue
    } else {
        MeasureStatus::Pending
    }
}

// ---------------------------------------------------------------------------------------------
// Placements

crate::code_enum! {
    /// Where a child is placed (api.md § Interagency records).
    pub enum PlacementType {
        TemporaryShelter = "temporary_shelter",
        ChildSupportCentre = "child_support_centre",
        /// At most 3 months (seed l. 718).
        JuvenileAdaptationCentre = "juvenile_adaptation_centre",
        Guardianship = "guardianship",
        PatronatFamily = "patronat_family",
        ReceivingFamily = "receiving_family",
        ProfessionalReceivingFamily = "professional_receiving_family",
        Adoption = "adoption",
        ReturnToFamily = "return_to_family",
    }
}

crate::code_enum! {
    /// Why a placement ended; `breakdown` is the one the seed counts (l. 2155).
    pub enum PlacementEndReason {
        PlannedEnd = "planned_end",
        ReturnToFamily = "return_to_family",
        Adoption = "adoption",
        Breakdown = "breakdown",
        Turned18 = "turned_18",
        Transferred = "transferred",
        Other = "other",
    }
}

const PLACEMENT_TYPES: &str = "must be temporary_shelter, child_support_centre, \
     juvenile_adaptation_centre, guardianship, patronat_family, receiving_family, \
     professional_receiving_family, adoption or return_to_family";
const END_REASONS: &str = "must be planned_end, return_to_family, adoption, breakdown, \
     turned_18, transferred or other";

/// The request body of `POST /cases/{id}/placements`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlacementInput {
    /// One of the [`PlacementType`] codes.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(value_type = PlacementType))]
    pub r#type: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub organisation_id: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub started_on: String,
    /// `YYYY-MM-DD`; given together with `end_reason`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub ended_on: Option<String>,
    /// One of the [`PlacementEndReason`] codes; given together with `ended_on`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PlacementEndReason>))]
    pub end_reason: Option<String>,
}

/// A well-formed placement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPlacement {
    pub kind: PlacementType,
    pub organisation_id: Option<OrganisationId>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<PlacementEndReason>,
}

/// The request body of `PATCH /placements/{id}` ending a placement, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlacementEndInput {
    /// `YYYY-MM-DD`, not before the start and not in the future.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub ended_on: String,
    #[cfg_attr(feature = "openapi", schema(value_type = PlacementEndReason))]
    pub end_reason: String,
}

/// The end date under `ended_on`: not before `started_on` (when known) nor after `today`.
fn end_date(
    v: &mut Validation,
    value: &str,
    started_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let ended_on = date(v, "ended_on", value, Some(today))?;
    if started_on.is_some_and(|started_on| ended_on < started_on) {
        v.add("ended_on", "must not be before started_on");
        return None;
    }
    Some(ended_on)
}

fn end_reason(v: &mut Validation, code: &str) -> Option<PlacementEndReason> {
    v.check(
        "end_reason",
        PlacementEndReason::from_code(code.trim()).ok_or(END_REASONS),
    )
}

pub fn parse_placement(
    input: PlacementInput,
    today: NaiveDate,
) -> Result<NewPlacement, Vec<FieldError>> {
    let mut v = Validation::new();
    let kind = v.check(
        "type",
        PlacementType::from_code(input.r#type.trim()).ok_or(PLACEMENT_TYPES),
    );
    let organisation_id = match input.organisation_id.as_deref() {
        Some(id) => parse_id(&mut v, "organisation_id", id, "must be an organisation id").map(Some),
        None => Some(None),
    };
    let started_on = date(&mut v, "started_on", &input.started_on, Some(today));
    let ended_on = match input.ended_on.as_deref() {
        Some(e) => end_date(&mut v, e, started_on, today).map(Some),
        None => Some(None),
    };
    let end_reason = match input.end_reason.as_deref() {
        Some(r) => end_reason(&mut v, r).map(Some),
        None => Some(None),
    };
    match (&input.ended_on, &input.end_reason) {
        (Some(_), None) => v.add("end_reason", "is required when ended_on is given"),
        (None, Some(_)) => v.add("ended_on", "is required when end_reason is given"),
        _ => {}
    }
    match (kind, organisation_id, started_on, ended_on, end_reason) {
        (Some(kind), Some(organisation_id), Some(started_on), Some(ended_on), Some(end_reason))
            if v.is_empty() =>
        {
            Ok(NewPlacement {
                kind,
                organisation_id,
                started_on,
                ended_on,
                end_reason,
            })
        }
        _ => Err(v.into_errors()),
    }
}

/// Parses the end of a placement that started on `started_on`.
pub fn parse_placement_end(
    input: PlacementEndInput,
    started_on: NaiveDate,
    today: NaiveDate,
) -> Result<(NaiveDate, PlacementEndReason), Vec<FieldError>> {
    let mut v = Validation::new();
    let ended_on = end_date(&mut v, &input.ended_on, Some(started_on), today);
    let reason = end_reason(&mut v, &input.end_reason);
    match (ended_on, reason) {
        (Some(ended_on), Some(reason)) if v.is_empty() => Ok((ended_on, reason)),
        _ => Err(v.into_errors()),
    }
}

/// Whether a placement of `kind` from `started_on` to `ended_or_today` is longer than the law
/// allows: a juvenile adaptation centre holds a child at most 3 calendar months (seed l. 718).
/// "3 months" is calendar arithmetic: from 31 January it runs to 30 April (29 in a leap year).
pub fn exceeds_limit(
    kind: PlacementType,
    started_on: NaiveDate,
    ended_or_today: NaiveDate,
) -> bool {
    kind == PlacementType::JuvenileAdaptationCentre
        && started_on
            .checked_add_months(Months::new(JUVENILE_ADAPTATION_CENTRE_MONTHS))
            .is_some_and(|limit| ended_or_today > limit)
}

// ---------------------------------------------------------------------------------------------
// Interviews

crate::code_enum! {
    /// Who was present at an interview of a child.
    pub enum Present {
        Psychologist = "psychologist",
        LegalRepresentative = "legal_representative",
        Pedagogue = "pedagogue",
        Investigator = "investigator",
        Prosecutor = "prosecutor",
        Lawyer = "lawyer",
        Other = "other",
    }
}

/// The request body of `POST /cases/{id}/interviews`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InterviewInput {
    /// RFC 3339, e.g. `2026-05-10T14:30:00+05:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::DateTime<chrono::Utc>))]
    pub conducted_at: String,
    pub interviewer_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub organisation_id: String,
    /// [`Present`] codes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Present>))]
    pub present: Vec<String>,
    /// Where the recording is kept; the recording itself is not stored in Qorgau.
    pub recording_ref: Option<String>,
    /// Required for any interview after the first in the case.
    pub repeat_reason: Option<String>,
}

/// A well-formed interview record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInterview {
    pub conducted_at: DateTime<Utc>,
    pub interviewer_name: String,
    pub organisation_id: OrganisationId,
    /// Without duplicates, in the order first given.
    pub present: Vec<Present>,
    pub recording_ref: Option<String>,
    pub repeat_reason: Option<String>,
}

/// Parses an interview; `previous_in_case` is how many interviews of the child the case already
/// records. Every interview retraumatises, so the second and later ones must say why they were
/// needed (Barnahus principle, seed l. 2789).
pub fn parse_interview(
    input: InterviewInput,
    previous_in_case: usize,
    now: DateTime<Utc>,
) -> Result<NewInterview, Vec<FieldError>> {
    let mut v = Validation::new();
    let conducted_at = v.check("conducted_at", past_timestamp(&input.conducted_at, now));
    let interviewer_name = v.text("interviewer_name", &input.interviewer_name, NAME_MAX);
    let organisation_id = parse_id(
        &mut v,
        "organisation_id",
        &input.organisation_id,
        "must be an organisation id",
    );
    let mut present = Vec::with_capacity(input.present.len());
    for (i, code) in input.present.iter().enumerate() {
        let who = v.check(
            &format!("present[{i}]"),
            Present::from_code(code.trim()).ok_or(
                "must be psychologist, legal_representative, pedagogue, investigator, \
                 prosecutor, lawyer or other",
            ),
        );
        if let Some(who) = who.filter(|p| !present.contains(p)) {
            present.push(who);
        }
    }
    let recording_ref = optional_text(
        &mut v,
        "recording_ref",
        input.recording_ref.as_deref(),
        RECORDING_REF_MAX,
    );
    let repeat_reason = optional_text(
        &mut v,
        "repeat_reason",
        input.repeat_reason.as_deref(),
        TEXT_MAX,
    );
    if previous_in_case > 0 && matches!(repeat_reason, Some(None)) {
        v.add(
            "repeat_reason",
            format!(
                "the child has already been interviewed in this case ({previous_in_case} \
                 time(s)); say why another interview is needed"
            ),
        );
    }
    match (
        conducted_at,
        interviewer_name,
        organisation_id,
        recording_ref,
        repeat_reason,
    ) {
        (
            Some(conducted_at),
            Some(interviewer_name),
            Some(organisation_id),
            Some(recording_ref),
            Some(repeat_reason),
        ) if v.is_empty() => Ok(NewInterview {
            conducted_at,
            interviewer_name,
            organisation_id,
            present,
            recording_ref,
            repeat_reason,
        }),
        _ => Err(v.into_errors()),
    }
}

// ---------------------------------------------------------------------------------------------
// Transfers

/// The request body of `POST /cases/{id}/transfer`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TransferInput {
    /// `KZ-NN`, the receiving region.
    #[cfg_attr(feature = "openapi", schema(value_type = RegionCode))]
    pub region_code: String,
    /// A district of the receiving region, e.g. `KZ-71-01`.
    #[cfg_attr(feature = "openapi", schema(value_type = DistrictCode))]
    pub district_code: String,
    pub reason: String,
}

/// A well-formed transfer request. Whether the district exists is checked by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransfer {
    pub region: RegionCode,
    pub district: DistrictCode,
    pub reason: String,
}

/// Parses a transfer of a case now in `current_region` (its `KZ-NN` code).
pub fn parse_transfer(
    input: TransferInput,
    current_region: &str,
) -> Result<NewTransfer, Vec<FieldError>> {
    let mut v = Validation::new();
    let region = v.check("region_code", RegionCode::parse(input.region_code.trim()));
    let region = match region {
        Some(r) if r.as_str() == current_region.trim() => {
            v.add("region_code", "the case is already in this region");
            None
        }
        other => other,
    };
    let district = match &region {
        Some(region) => v.check(
            "district_code",
            DistrictCode::parse(region, input.district_code.trim()),
        ),
        None => None,
    };
    let reason = v.text("reason", &input.reason, TEXT_MAX);
    match (region, district, reason) {
        (Some(region), Some(district), Some(reason)) if v.is_empty() => Ok(NewTransfer {
            region,
            district,
            reason,
        }),
        _ => Err(v.into_errors()),
    }
}

/// The receiving region's reason for declining a transfer, under `reason`: required, at most
/// [`TEXT_MAX`] characters.
pub fn parse_decline_reason(reason: Option<&str>) -> Result<String, Vec<FieldError>> {
    crate::referral::parse_reason("reason", reason)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const ORG: &str = "0190c3a4-6b2e-7a1c-9d3e-2f4a5b6c7d8e";

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(2026, 5, 10)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap()
    }

    fn fields<T: std::fmt::Debug>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    // Relations

    fn relation() -> RelationInput {
        RelationInput {
            full_name: "Серік Ахметов".into(),
            relation: "stepfather".into(),
            is_legal_representative: false,
            alleged_perpetrator: true,
            phone: Some("+7 (701) 123-45-67".into()),
        }
    }

    #[test]
    fn parses_a_relation() {
        let r = parse_relation(relation()).unwrap();
        assert_eq!(r.phone.as_deref(), Some("+7 (701) 123-45-67"));
        assert!(r.alleged_perpetrator);
        let no_phone = parse_relation(RelationInput {
            phone: Some("  ".into()),
            ..relation()
        })
        .unwrap();
        assert_eq!(no_phone.phone, None);
    }

    #[test]
    fn names_every_bad_relation_field() {
        assert_eq!(
            fields(parse_relation(RelationInput {
                full_name: " ".into(),
                relation: "x".repeat(NAME_MAX + 1),
                phone: Some("call the school".into()),
                ..relation()
            })),
            ["full_name", "relation", "phone"]
        );
        for bad in [
            "+7 701 123 45 67 ext. 5",
            "1".repeat(PHONE_MAX + 1).as_str(),
            "+-()",
        ] {
            assert_eq!(
                fields(parse_relation(RelationInput {
                    phone: Some(bad.into()),
                    ..relation()
                })),
                ["phone"],
                "{bad}"
            );
        }
        assert!(
            parse_relation(RelationInput {
                phone: Some("1".repeat(PHONE_MAX)),
                ..relation()
            })
            .is_ok()
        );
    }

    #[test]
    fn an_alleged_perpetrator_cannot_consent() {
        assert_eq!(check_consenting_relation(false), Ok(()));
        assert_eq!(
            fields(check_consenting_relation(true)),
            ["given_by_relation_id"]
        );
    }

    // Commission matters

    #[test]
    fn parses_a_commission_matter() {
        let m = parse_commission_matter(CommissionMatterInput {
            commission_organisation_id: ORG.into(),
            grounds: "Repeated truancy and alcohol use".into(),
        })
        .unwrap();
        assert_eq!(m.commission_organisation_id.to_string(), ORG);
        assert_eq!(
            fields(parse_commission_matter(CommissionMatterInput {
                commission_organisation_id: "commission".into(),
                grounds: "".into(),
            })),
            ["commission_organisation_id", "grounds"]
        );
    }

    fn commission_measure() -> CommissionMeasureInput {
        CommissionMeasureInput {
            description: "Enrol the child in the after-school programme".into(),
            responsible_organisation_id: ORG.into(),
            due_date: "2026-06-01".into(),
        }
    }

    fn decision(measures: Vec<CommissionMeasureInput>) -> CommissionDecisionInput {
        CommissionDecisionInput {
            hearing_date: "2026-05-05".into(),
            decision: "Place the family under supervision for six months".into(),
            measures,
        }
    }

    #[test]
    fn parses_a_commission_decision() {
        let d0 = parse_commission_decision(decision(vec![commission_measure()])).unwrap();
        assert_eq!(d0.hearing_date, d(2026, 5, 5));
        assert_eq!(d0.measures[0].due_date, d(2026, 6, 1));
        assert!(
            parse_commission_decision(decision(vec![]))
                .unwrap()
                .measures
                .is_empty()
        );
    }

    #[test]
    fn names_every_bad_decision_field() {
        let errors = fields(parse_commission_decision(CommissionDecisionInput {
            hearing_date: "05.05.2026".into(),
            decision: " ".into(),
            measures: vec![
                commission_measure(),
                CommissionMeasureInput {
                    description: "".into(),
                    responsible_organisation_id: "akimat".into(),
                    due_date: "2026-6-1".into(),
                },
            ],
        }));
        assert_eq!(
            errors,
            [
                "hearing_date",
                "decision",
                "measures[1].description",
                "measures[1].responsible_organisation_id",
                "measures[1].due_date"
            ]
        );
        assert_eq!(
            fields(parse_commission_decision(CommissionDecisionInput {
                hearing_date: "1999-12-31".into(),
                ..decision(vec![])
            })),
            ["hearing_date"]
        );
        assert_eq!(
            fields(parse_commission_decision(decision(vec![
                commission_measure(
                );
                MEASURES_MAX + 1
            ]))),
            ["measures"]
        );
    }

    #[test]
    fn measures_are_overdue_after_their_due_date_until_done() {
        let due = d(2026, 5, 10);
        assert_eq!(
            measure_status(due, false, d(2026, 5, 9)),
            MeasureStatus::Pending
        );
        assert_eq!(measure_status(due, false, due), MeasureStatus::Pending);
        assert_eq!(
            measure_status(due, false, d(2026, 5, 11)),
            MeasureStatus::Overdue
        );
        assert_eq!(
            measure_status(due, true, d(2026, 5, 11)),
            MeasureStatus::Done
        );
        assert_eq!(
            measure_status(due, true, d(2026, 5, 1)),
            MeasureStatus::Done
        );
        assert_eq!(MeasureStatus::Overdue.as_str(), "overdue");
        assert_eq!(serde_json::to_value(MeasureStatus::Done).unwrap(), "done");
    }

    // Placements

    #[test]
    fn placement_codes_round_trip() {
        for t in PlacementType::ALL {
            assert_eq!(PlacementType::from_code(t.as_str()), Some(t));
            assert_eq!(t.to_string(), t.as_str());
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for r in PlacementEndReason::ALL {
            assert_eq!(PlacementEndReason::from_code(r.as_str()), Some(r));
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(
            serde_json::to_value(PlacementEndReason::Turned18).unwrap(),
            "turned_18"
        );
        assert_eq!(PlacementType::from_code("orphanage"), None);
    }

    fn placement() -> PlacementInput {
        PlacementInput {
            r#type: "patronat_family".into(),
            organisation_id: None,
            started_on: "2026-01-15".into(),
            ended_on: None,
            end_reason: None,
        }
    }

    #[test]
    fn parses_a_placement() {
        let p = parse_placement(placement(), today()).unwrap();
        assert_eq!(p.kind, PlacementType::PatronatFamily);
        assert_eq!(p.started_on, d(2026, 1, 15));
        assert_eq!((p.ended_on, p.end_reason), (None, None));
        let ended = parse_placement(
            PlacementInput {
                r#type: "juvenile_adaptation_centre".into(),
                organisation_id: Some(ORG.into()),
                ended_on: Some("2026-05-10".into()),
                end_reason: Some("breakdown".into()),
                ..placement()
            },
            today(),
        )
        .unwrap();
        assert_eq!(ended.ended_on, Some(today()));
        assert_eq!(ended.end_reason, Some(PlacementEndReason::Breakdown));
    }

    #[test]
    fn the_type_field_is_named_type() {
        let json = serde_json::json!({"type": "guardianship", "started_on": "2026-01-15"});
        let input: PlacementInput = serde_json::from_value(json).unwrap();
        assert_eq!(input.r#type, "guardianship");
        #[cfg(feature = "openapi")]
        {
            let schema =
                serde_json::to_value(<PlacementInput as utoipa::PartialSchema>::schema()).unwrap();
            assert!(schema["properties"]["type"].is_object(), "{schema}");
        }
        assert_eq!(
            fields(parse_placement(
                PlacementInput {
                    r#type: "orphanage".into(),
                    ..placement()
                },
                today()
            )),
            ["type"]
        );
    }

    #[test]
    fn names_every_bad_placement_field() {
        assert_eq!(
            fields(parse_placement(
                PlacementInput {
                    r#type: "".into(),
                    organisation_id: Some("shelter".into()),
                    started_on: "2026-05-11".into(),
                    ended_on: Some("tomorrow".into()),
                    end_reason: Some("ran_away".into()),
                },
                today()
            )),
            [
                "type",
                "organisation_id",
                "started_on",
                "ended_on",
                "end_reason"
            ]
        );
        // Ended before it started, or in the future.
        for ended_on in ["2026-01-14", "2026-05-11"] {
            assert_eq!(
                fields(parse_placement(
                    PlacementInput {
                        ended_on: Some(ended_on.into()),
                        end_reason: Some("planned_end".into()),
                        ..placement()
                    },
                    today()
                )),
                ["ended_on"],
                "{ended_on}"
            );
        }
    }

    #[test]
    fn end_date_and_reason_come_together() {
        assert_eq!(
            fields(parse_placement(
                PlacementInput {
                    ended_on: Some("2026-03-01".into()),
                    ..placement()
                },
                today()
            )),
            ["end_reason"]
        );
        assert_eq!(
            fields(parse_placement(
                PlacementInput {
                    end_reason: Some("adoption".into()),
                    ..placement()
                },
                today()
            )),
            ["ended_on"]
        );
    }

    #[test]
    fn ends_a_placement() {
        let end = |ended_on: &str, end_reason: &str| {
            parse_placement_end(
                PlacementEndInput {
                    ended_on: ended_on.into(),
                    end_reason: end_reason.into(),
                },
                d(2026, 1, 15),
                today(),
            )
        };
        assert_eq!(
            end("2026-01-15", "turned_18"),
            Ok((d(2026, 1, 15), PlacementEndReason::Turned18))
        );
        assert_eq!(fields(end("2026-01-14", "other")), ["ended_on"]);
        assert_eq!(fields(end("2026-05-11", "other")), ["ended_on"]);
        assert_eq!(fields(end("", "turned18")), ["ended_on", "end_reason"]);
    }

    #[test]
    fn juvenile_adaptation_centre_stays_are_limited_to_three_months() {
        let jac = PlacementType::JuvenileAdaptationCentre;
        let start = d(2026, 2, 10);
        assert!(
            !exceeds_limit(jac, start, d(2026, 5, 10)),
            "exactly 3 months"
        );
        assert!(
            exceeds_limit(jac, start, d(2026, 5, 11)),
            "3 months and a day"
        );
        assert!(!exceeds_limit(jac, start, start));
        // From 31 January, 3 months run to 30 April: chrono clamps to the month's last day.
        assert!(!exceeds_limit(jac, d(2026, 1, 31), d(2026, 4, 30)));
        assert!(exceeds_limit(jac, d(2026, 1, 31), d(2026, 5, 1)));
        // From 30 November, across the new year, to the end of February (leap year 2028).
        assert!(!exceeds_limit(jac, d(2027, 11, 30), d(2028, 2, 29)));
        assert!(exceeds_limit(jac, d(2027, 11, 30), d(2028, 3, 1)));
        // Other placements have no such limit.
        for kind in PlacementType::ALL.into_iter().filter(|k| *k != jac) {
            assert!(!exceeds_limit(kind, start, d(2030, 1, 1)), "{kind}");
        }
    }

    // Interviews

    fn interview() -> InterviewInput {
        InterviewInput {
            conducted_at: "2026-05-10T15:00:00+05:00".into(),
            interviewer_name: "Д. Нұрланова".into(),
            organisation_id: ORG.into(),
            present: vec!["psychologist".into(), "legal_representative".into()],
            recording_ref: Some("Case 2026/118, video 1".into()),
            repeat_reason: None,
        }
    }

    #[test]
    fn parses_a_first_interview() {
        let i = parse_interview(interview(), 0, now()).unwrap();
        assert_eq!(
            i.conducted_at,
            Utc.with_ymd_and_hms(2026, 5, 10, 10, 0, 0).unwrap()
        );
        assert_eq!(
            i.present,
            [Present::Psychologist, Present::LegalRepresentative]
        );
        assert_eq!(i.repeat_reason, None);
    }

    #[test]
    fn a_repeat_interview_needs_a_reason() {
        for blank in [None, Some("  ")] {
            assert_eq!(
                fields(parse_interview(
                    InterviewInput {
                        repeat_reason: blank.map(Into::into),
                        ..interview()
                    },
                    1,
                    now()
                )),
                ["repeat_reason"]
            );
        }
        let repeat = parse_interview(
            InterviewInput {
                repeat_reason: Some("The child disclosed a second abuser".into()),
                ..interview()
            },
            2,
            now(),
        )
        .unwrap();
        assert_eq!(
            repeat.repeat_reason.as_deref(),
            Some("The child disclosed a second abuser")
        );
    }

    #[test]
    fn names_every_bad_interview_field() {
        assert_eq!(
            fields(parse_interview(
                InterviewInput {
                    conducted_at: "2026-05-10T12:05:01Z".into(),
                    interviewer_name: "".into(),
                    organisation_id: "police".into(),
                    present: vec!["psychologist".into(), "mother".into()],
                    recording_ref: Some("r".repeat(RECORDING_REF_MAX + 1)),
                    repeat_reason: Some("x".repeat(TEXT_MAX + 1)),
                },
                0,
                now()
            )),
            [
                "conducted_at",
                "interviewer_name",
                "organisation_id",
                "present[1]",
                "recording_ref",
                "repeat_reason"
            ]
        );
        // Clock skew of up to five minutes is tolerated; duplicates of `present` are dropped.
        let i = parse_interview(
            InterviewInput {
                conducted_at: "2026-05-10T12:05:00Z".into(),
                present: vec!["lawyer".into(), "lawyer".into()],
                ..interview()
            },
            0,
            now(),
        )
        .unwrap();
        assert_eq!(i.present, [Present::Lawyer]);
    }

    #[test]
    fn present_codes_round_trip() {
        for p in Present::ALL {
            assert_eq!(Present::from_code(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }

    // Transfers

    fn transfer() -> TransferInput {
        TransferInput {
            region_code: "KZ-75".into(),
            district_code: "KZ-75-03".into(),
            reason: "The family moved to Almaty".into(),
        }
    }

    #[test]
    fn parses_a_transfer() {
        let t = parse_transfer(transfer(), "KZ-71").unwrap();
        assert_eq!(t.region.as_str(), "KZ-75");
        assert_eq!(t.district.as_str(), "KZ-75-03");
        assert_eq!(t.reason, "The family moved to Almaty");
    }

    #[test]
    fn names_every_bad_transfer_field() {
        assert_eq!(
            fields(parse_transfer(transfer(), "KZ-75")),
            ["region_code"],
            "same region"
        );
        assert_eq!(
            fields(parse_transfer(
                TransferInput {
                    region_code: "Almaty".into(),
                    reason: "".into(),
                    ..transfer()
                },
                "KZ-71"
            )),
            ["region_code", "reason"]
        );
        assert_eq!(
            fields(parse_transfer(
                TransferInput {
                    district_code: "KZ-71-03".into(),
                    reason: "x".repeat(TEXT_MAX + 1),
                    ..transfer()
                },
                "KZ-71"
            )),
            ["district_code", "reason"]
        );
    }

    #[test]
    fn a_declined_transfer_says_why() {
        assert_eq!(
            parse_decline_reason(Some(" No capacity ")),
            Ok("No capacity".into())
        );
        assert_eq!(fields(parse_decline_reason(None)), ["reason"]);
        assert_eq!(fields(parse_decline_reason(Some(""))), ["reason"]);
    }
}
