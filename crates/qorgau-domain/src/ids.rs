//! Typed identifiers, so that a user id can never be passed where an organisation id is meant.
//!
//! Every id is a UUID (time-ordered v7 when made here), stored and sent as its lower-case
//! hyphenated text (`Uuid::to_string`), which is what the `id` columns hold and what the
//! dataset generator writes.
//!
//! Features add what the outer layers need, as for codes ([`crate::code`]): `diesel` makes
//! every id a `Text` value of both backends (bound in queries, read from rows; a stored string
//! that is not an id in that form is a deserialization error naming the kind of id and the
//! value, never a default), `openapi` derives `utoipa::ToSchema` (a `string` of format `uuid`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A stored or received string that is not an id of the kind named (not a UUID in its
/// lower-case hyphenated form).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {kind}")]
pub struct InvalidId {
    pub kind: &'static str,
    pub value: String,
}

/// `value` as a UUID if it is one in exactly the form ids are stored in.
fn parse_stored(kind: &'static str, value: &str) -> Result<Uuid, InvalidId> {
    match Uuid::try_parse(value) {
        Ok(uuid) if uuid.hyphenated().encode_lower(&mut Uuid::encode_buffer()) == value => Ok(uuid),
        _ => Err(InvalidId {
            kind,
            value: value.to_string(),
        }),
    }
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7 keeps B-tree inserts local).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id stored as `value`: a UUID in its lower-case hyphenated form, the only
            /// form ids are written in. Anything else is an error naming the value.
            pub fn from_stored(value: &str) -> Result<Self, InvalidId> {
                parse_stored(stringify!($name), value).map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        #[cfg(feature = "diesel")]
        id_diesel!($name);
    )+};
}

/// With the `diesel` feature: the id as a `Text` value of PostgreSQL and SQLite, what
/// `#[derive(AsExpression, FromSqlRow)] #[diesel(sql_type = Text)]` with hand-written
/// `ToSql`/`FromSql` would give (see `__code_enum_diesel!` for codes):
///
/// - `AsExpression<Text>` (and `Nullable<Text>`) for the id and a reference to it, bound as its
///   text: `.filter(cases::id.eq(case_id))`, `eq_any`, `.set(…)`, `Insertable` fields;
/// - `ToSql<Text, Pg>` and `ToSql<Text, Sqlite>`, and the same for `Nullable<Text>` (for `Option<Id>` fields and other generic
///   uses; the persistence crate adds its `MultiBackend`, a type only it can name), generic
///   `FromSql<Text, DB>` and `Queryable`, so a row or a `select` may hold the id.
///
/// Reading a string that is not an id fails with [`InvalidId`]: diesel reports it as a
/// deserialization error, the request fails with a logged 500, and no id is invented.
#[cfg(feature = "diesel")]
macro_rules! id_diesel {
    ($name:ident) => {
        const _: () = {
            use diesel::backend::Backend;
            use diesel::expression::AsExpression;
            use diesel::sql_types::{Nullable, Text};

            impl AsExpression<Text> for $name {
                type Expression = diesel::dsl::AsExprOf<String, Text>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Text>::as_expression(self.to_string())
                }
            }

            impl AsExpression<Text> for &$name {
                type Expression = diesel::dsl::AsExprOf<String, Text>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Text>::as_expression(self.to_string())
                }
            }

            impl AsExpression<Nullable<Text>> for $name {
                type Expression = diesel::dsl::AsExprOf<String, Nullable<Text>>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Nullable<Text>>::as_expression(self.to_string())
                }
            }

            impl AsExpression<Nullable<Text>> for &$name {
                type Expression = diesel::dsl::AsExprOf<String, Nullable<Text>>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Nullable<Text>>::as_expression(self.to_string())
                }
            }

            impl diesel::serialize::ToSql<Text, diesel::pg::Pg> for $name {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
                ) -> diesel::serialize::Result {
                    use std::io::Write;
                    let mut buffer = Uuid::encode_buffer();
                    out.write_all(self.0.hyphenated().encode_lower(&mut buffer).as_bytes())?;
                    Ok(diesel::serialize::IsNull::No)
                }
            }

            impl diesel::serialize::ToSql<Text, diesel::sqlite::Sqlite> for $name {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
                ) -> diesel::serialize::Result {
                    out.set_value(self.to_string());
                    Ok(diesel::serialize::IsNull::No)
                }
            }

            // `eq_any` on a nullable column binds each id as a `Nullable<Text>` value.
            impl diesel::serialize::ToSql<Nullable<Text>, diesel::pg::Pg> for $name {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
                ) -> diesel::serialize::Result {
                    diesel::serialize::ToSql::<Text, diesel::pg::Pg>::to_sql(self, out)
                }
            }

            impl diesel::serialize::ToSql<Nullable<Text>, diesel::sqlite::Sqlite> for $name {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
                ) -> diesel::serialize::Result {
                    diesel::serialize::ToSql::<Text, diesel::sqlite::Sqlite>::to_sql(self, out)
                }
            }

            impl<DB> diesel::deserialize::FromSql<Text, DB> for $name
            where
                DB: Backend,
                String: diesel::deserialize::FromSql<Text, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                    let text = <String as diesel::deserialize::FromSql<Text, DB>>::from_sql(bytes)?;
                    Ok($name::from_stored(&text)?)
                }
            }

            impl<DB, ST> diesel::deserialize::Queryable<ST, DB> for $name
            where
                DB: Backend,
                ST: diesel::sql_types::SingleValue,
                Self: diesel::deserialize::FromSql<ST, DB>,
            {
                type Row = Self;
                fn build(row: Self) -> diesel::deserialize::Result<Self> {
                    Ok(row)
                }
            }
        };
    };
}

/// Applies `$m!` to every id type, so that another crate (the persistence crate's backend
/// glue) can cover them all without listing them.
#[macro_export]
macro_rules! for_each_id {
    ($m:ident) => {
        $m!(
            $crate::ids::UserId,
            $crate::ids::OrganisationId,
            $crate::ids::SessionId,
            $crate::ids::ChildId,
            $crate::ids::SignalId,
            $crate::ids::SignalReportId,
            $crate::ids::CaseId,
            $crate::ids::AssessmentId,
            $crate::ids::PlanId,
            $crate::ids::PlanGoalId,
            $crate::ids::PlanMeasureId,
            $crate::ids::InterventionId,
            $crate::ids::RelationId,
            $crate::ids::ConsentId,
            $crate::ids::ReferralId,
            $crate::ids::TransferId,
            $crate::ids::CommissionMatterId,
            $crate::ids::CommissionMeasureId,
            $crate::ids::PlacementId,
            $crate::ids::InterviewId,
            $crate::ids::DeadlineId,
            $crate::ids::MergeId,
            $crate::ids::TimelineEventId,
            $crate::ids::NoteId,
            $crate::ids::FlagId,
            $crate::ids::DocumentId,
            $crate::ids::FamilyId,
            $crate::ids::FamilyMemberId,
            $crate::ids::PlanReviewId,
            $crate::ids::FollowUpId,
            $crate::ids::TrainingId,
            $crate::ids::NotificationId,
            $crate::ids::OutboxMessageId,
            $crate::ids::AuditEntryId,
            $crate::ids::BreakGlassId,
            $crate::ids::RoutingGapId,
            $crate::ids::EventId,
            $crate::ids::WebhookId,
            $crate::ids::WebhookDeliveryId,
        );
    };
}

id_type!(
    /// A person using Qorgau.
    UserId,
    /// An organisation: department, centre, school, mobile group…
    OrganisationId,
    /// One login: the refresh tokens issued from it and the access tokens it carries.
    SessionId,
    /// A child (`children`).
    ChildId,
    /// A signal: a report that a child may be at risk (`signals`).
    SignalId,
    /// A later report of a signal already triaged (`signal_reports`).
    SignalReportId,
    /// A case (`cases`); its number is a separate, human code.
    CaseId,
    /// An assessment of a case (`assessments`).
    AssessmentId,
    /// One version of a case's plan (`plans`).
    PlanId,
    /// A goal of a plan (`plan_goals`).
    PlanGoalId,
    /// A measure of a plan (`plan_measures`).
    PlanMeasureId,
    /// An intervention recorded on a case (`interventions`).
    InterventionId,
    /// A person around a child (`relations`).
    RelationId,
    /// A consent given for a case (`consents`).
    ConsentId,
    /// A referral of a case to an organisation (`referrals`).
    ReferralId,
    /// A transfer of a case to another district (`transfers`).
    TransferId,
    /// A matter before the commission (`commission_matters`).
    CommissionMatterId,
    /// A measure the commission decided (`commission_measures`).
    CommissionMeasureId,
    /// A placement of a child (`placements`).
    PlacementId,
    /// An interview of a child (`interviews`).
    InterviewId,
    /// A protocol deadline of a case (`deadlines`).
    DeadlineId,
    /// A merge of two child records (`child_merges`).
    MergeId,
    /// An event on a child's timeline (`timeline_events`).
    TimelineEventId,
    /// A contact or supervision note on a case (`case_notes`).
    NoteId,
    /// A flag on a case, active or cleared (`case_flags`).
    FlagId,
    /// A document or photo on a case (`documents`).
    DocumentId,
    /// A household: siblings and the adults around them (`families`).
    FamilyId,
    /// A member of a family, current or removed (`family_members`).
    FamilyMemberId,
    /// A review of a plan version (`plan_reviews`).
    PlanReviewId,
    /// A follow-up contact after a case's closure (`follow_ups`).
    FollowUpId,
    /// A training a user completed (`trainings`).
    TrainingId,
    /// A notification to one user (`notifications`).
    NotificationId,
    /// An email waiting in, sent from or given up by the outbox (`outbox`).
    OutboxMessageId,
    /// One entry of the audit log (`audit_log`).
    AuditEntryId,
    /// A supervisor's time-limited access to a case outside their scope (`break_glass`).
    BreakGlassId,
    /// A mandatory step of the protocol with no organisation to take it (`routing_gaps`).
    RoutingGapId,
    /// A domain event of the feed (`domain_events`): the id a webhook receiver de-duplicates by.
    EventId,
    /// A webhook subscription (`webhooks`).
    WebhookId,
    /// One event's delivery to one webhook (`webhook_deliveries`).
    WebhookDeliveryId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_display_the_same_uuid() {
        let id = UserId::new();
        let parsed: UserId = id.to_string().parse().expect("round trip");
        assert_eq!(parsed, id);
        assert!("not-a-uuid".parse::<OrganisationId>().is_err());
    }

    #[test]
    fn only_the_stored_form_is_a_stored_id() {
        let id = CaseId::new();
        assert_eq!(CaseId::from_stored(&id.to_string()), Ok(id));
        let upper = id.to_string().to_uppercase();
        for value in ["", "not-a-uuid", upper.as_str(), &id.0.simple().to_string()] {
            let err = CaseId::from_stored(value).expect_err("not the stored form");
            assert_eq!(err.to_string(), format!("`{value}` is not a CaseId"));
        }
    }

    #[test]
    fn ids_are_json_strings() {
        let id = ChildId::new();
        let json = serde_json::to_value(id).expect("serialises");
        assert_eq!(json, id.to_string());
        assert_eq!(
            serde_json::from_value::<ChildId>(json).expect("deserialises"),
            id
        );
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn the_schema_is_a_uuid_string() {
        let schema = serde_json::to_value(<SignalId as utoipa::PartialSchema>::schema())
            .expect("serialises");
        assert_eq!(schema["type"], "string", "{schema}");
        assert_eq!(schema["format"], "uuid", "{schema}");
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = SessionId::new();
        let b = SessionId::new();
        assert!(a < b);
    }
}
