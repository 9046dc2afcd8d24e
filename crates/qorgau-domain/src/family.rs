//! Families (issue 20, item 5): a household record linking siblings and the adults around them.
//!
//! The decree counts families, not only children: in 2025 the mobile groups found 13 000
//! families in difficulty and took more than 17 000 into accompaniment (seed l. 310–312); the
//! family-support centres run an integrated model of family accompaniment (l. 1762–1764) for
//! which a single standard is to come (l. 3065). A family belongs to a district of a region —
//! its scope — and its members are:
//!
//! - **children**, by id, each with how they belong to the household (`child`, `sibling`,
//!   `half_sibling`, `other`). A child belongs to one household at a time.
//! - **adults**: a relation already recorded on a member child (`relation_id`, see
//!   `POST /children/{id}/relations`), or a name; each with a role (`mother`, `father`,
//!   `guardian`, `grandparent`, `other`).
//!
//! Who may create and change a family is the rule of a child's relations
//! ([`crate::access::Action::EditChild`]: the case manager of a member child's open case, the
//! region's supervisor); who may read it, the rule of the child's file (`ViewChildFile`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::geography::{DistrictCode, RegionCode};
use crate::ids::{ChildId, RelationId};
use crate::validation::{FieldError, Validation, bounded_text};

/// Longest label and adult's name.
pub const LABEL_MAX: usize = 200;
/// Longest address.
pub const ADDRESS_MAX: usize = 500;
/// Longest reason for removing a member.
pub const REASON_MAX: usize = 2_000;
/// Most members named in one request.
pub const MEMBERS_MAX: usize = 30;

crate::code_enum! {
    /// How a member belongs to the household: the first four for children, the others (and
    /// `other`) for adults.
    pub enum FamilyRelation {
        /// A child of the household's adults.
        Child = "child",
        Sibling = "sibling",
        HalfSibling = "half_sibling",
        Mother = "mother",
        Father = "father",
        /// A guardian or trustee (legal representative).
        Guardian = "guardian",
        Grandparent = "grandparent",
        Other = "other",
    }
}

impl FamilyRelation {
    /// The relations a child member may have.
    pub const FOR_CHILDREN: [FamilyRelation; 4] = [
        FamilyRelation::Child,
        FamilyRelation::Sibling,
        FamilyRelation::HalfSibling,
        FamilyRelation::Other,
    ];
    /// The roles an adult member may have.
    pub const FOR_ADULTS: [FamilyRelation; 5] = [
        FamilyRelation::Mother,
        FamilyRelation::Father,
        FamilyRelation::Guardian,
        FamilyRelation::Grandparent,
        FamilyRelation::Other,
    ];
}

/// A child member of the request body, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChildMemberInput {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub child_id: String,
    /// `child`, `sibling`, `half_sibling` or `other`.
    #[cfg_attr(feature = "openapi", schema(value_type = FamilyRelation))]
    pub relation: String,
}

/// An adult member of the request body, as received: `relation_id` (a relation recorded on a
/// member child) or `full_name`, not both.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AdultMemberInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub relation_id: Option<String>,
    /// At most 200 characters.
    pub full_name: Option<String>,
    /// `mother`, `father`, `guardian`, `grandparent` or `other`.
    #[cfg_attr(feature = "openapi", schema(value_type = FamilyRelation))]
    pub relation: String,
}

/// The members named when creating a family.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MembersInput {
    /// At least one child.
    pub children: Vec<ChildMemberInput>,
    pub adults: Vec<AdultMemberInput>,
}

/// The request body of `POST /families`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FamilyInput {
    /// The family's region (`KZ-71`).
    #[cfg_attr(feature = "openapi", schema(value_type = RegionCode))]
    pub region_code: String,
    /// A district of that region (`KZ-71-01`).
    #[cfg_attr(feature = "openapi", schema(value_type = DistrictCode))]
    pub district_code: String,
    /// How the team calls the household, at most 200 characters.
    pub label: String,
    /// At most 500 characters.
    pub address: Option<String>,
    pub members: MembersInput,
}

/// The request body of `POST /families/{id}/members`: one member, a child (`child_id`) or an
/// adult (`relation_id` or `full_name`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MemberInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub child_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub relation_id: Option<String>,
    pub full_name: Option<String>,
    /// For a child: `child`, `sibling`, `half_sibling`, `other`; for an adult: `mother`,
    /// `father`, `guardian`, `grandparent`, `other`.
    #[cfg_attr(feature = "openapi", schema(value_type = FamilyRelation))]
    pub relation: String,
}

/// The request body of `PATCH /families/{id}`: what is present changes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FamilyPatchInput {
    pub label: Option<String>,
    /// An empty string removes the address.
    pub address: Option<String>,
}

/// The request body of `POST /families/{id}/members/{member_id}/remove`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RemovalInput {
    /// Why the person no longer belongs to the household (required, at most 2 000 characters).
    pub reason: String,
}

/// A well-formed member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewMember {
    Child(ChildId, FamilyRelation),
    /// An adult recorded as a relation of a member child.
    Relation(RelationId, FamilyRelation),
    /// An adult by name.
    Named(String, FamilyRelation),
}

impl NewMember {
    pub fn relation(&self) -> FamilyRelation {
        match self {
            NewMember::Child(_, r) | NewMember::Relation(_, r) | NewMember::Named(_, r) => *r,
        }
    }
}

/// A well-formed family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFamily {
    pub region: RegionCode,
    pub district: DistrictCode,
    pub label: String,
    pub address: Option<String>,
    /// Children first, in the order given, then adults.
    pub members: Vec<NewMember>,
}

/// A well-formed change of a family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyPatch {
    pub label: Option<String>,
    /// `Some(None)`: remove the address.
    pub address: Option<Option<String>>,
}

fn relation(
    v: &mut Validation,
    field: &str,
    value: &str,
    allowed: &[FamilyRelation],
) -> Option<FamilyRelation> {
    let found = FamilyRelation::from_code(value.trim()).filter(|r| allowed.contains(r));
    if found.is_none() {
        let codes: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        v.add(field, format!("must be one of {}", codes.join(", ")));
    }
    found
}

fn id<T: From<Uuid>>(v: &mut Validation, field: &str, value: &str) -> Option<T> {
    v.check(
        field,
        Uuid::parse_str(value.trim())
            .map(T::from)
            .map_err(|_| "must be a UUID"),
    )
}

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

fn child_member(v: &mut Validation, at: &str, input: &ChildMemberInput) -> Option<NewMember> {
    let child = id(v, &format!("{at}.child_id"), &input.child_id);
    let rel = relation(
        v,
        &format!("{at}.relation"),
        &input.relation,
        &FamilyRelation::FOR_CHILDREN,
    );
    Some(NewMember::Child(child?, rel?))
}

fn adult_member(
    v: &mut Validation,
    at: &str,
    relation_id: Option<&str>,
    full_name: Option<&str>,
    role: &str,
) -> Option<NewMember> {
    let rel = relation(
        v,
        &format!("{at}.relation"),
        role,
        &FamilyRelation::FOR_ADULTS,
    );
    let relation_id = relation_id.filter(|r| !r.trim().is_empty());
    let full_name = full_name.filter(|n| !n.trim().is_empty());
    match (relation_id, full_name) {
        (Some(r), None) => {
            let r = id(v, &format!("{at}.relation_id"), r);
            Some(NewMember::Relation(r?, rel?))
        }
        (None, Some(n)) => {
            let n = v.text(&format!("{at}.full_name"), n, LABEL_MAX);
            Some(NewMember::Named(n?, rel?))
        }
        (Some(_), Some(_)) => {
            v.add(
                format!("{at}.full_name"),
                "give relation_id or full_name, not both",
            );
            None
        }
        (None, None) => {
            v.add(format!("{at}.full_name"), "is required without relation_id");
            None
        }
    }
}

pub fn parse_family(input: FamilyInput) -> Result<NewFamily, Vec<FieldError>> {
    let mut v = Validation::new();
    let region = v.check("region_code", RegionCode::parse(input.region_code.trim()));
    let district = match &region {
        Some(region) => v.check(
            "district_code",
            DistrictCode::parse(region, input.district_code.trim()),
        ),
        None => None,
    };
    let label = v.text("label", &input.label, LABEL_MAX);
    let address = optional_text(&mut v, "address", input.address.as_deref(), ADDRESS_MAX);
    let MembersInput { children, adults } = input.members;
    if children.is_empty() {
        v.add("members.children", "must name at least one child");
    }
    if children.len() + adults.len() > MEMBERS_MAX {
        v.add(
            "members",
            format!("must name at most {MEMBERS_MAX} members; add more later"),
        );
    }
    let mut members = Vec::new();
    for (i, c) in children.iter().enumerate() {
        let at = format!("members.children[{i}]");
        if let Some(m) = child_member(&mut v, &at, c) {
            let listed = |o: &NewMember| matches!((o, &m), (NewMember::Child(a, _), NewMember::Child(b, _)) if a == b);
            if members.iter().any(listed) {
                v.add(format!("{at}.child_id"), "names a child already listed");
            }
            members.push(m);
        }
    }
    for (i, a) in adults.iter().enumerate() {
        let at = format!("members.adults[{i}]");
        if let Some(m) = adult_member(
            &mut v,
            &at,
            a.relation_id.as_deref(),
            a.full_name.as_deref(),
            &a.relation,
        ) {
            let listed = |o: &NewMember| matches!((o, &m), (NewMember::Relation(a, _), NewMember::Relation(b, _)) if a == b);
            if members.iter().any(listed) {
                v.add(
                    format!("{at}.relation_id"),
                    "names a relation already listed",
                );
            }
            members.push(m);
        }
    }
    match (region, district, label, address) {
        (Some(region), Some(district), Some(label), Some(address)) if v.is_empty() => {
            Ok(NewFamily {
                region,
                district,
                label,
                address,
                members,
            })
        }
        _ => Err(v.into_errors()),
    }
}

/// One member to add to a family.
pub fn parse_member(input: MemberInput) -> Result<NewMember, Vec<FieldError>> {
    let mut v = Validation::new();
    let child_id = input.child_id.as_deref().filter(|c| !c.trim().is_empty());
    let member = match child_id {
        Some(child) => {
            if input.relation_id.is_some() || input.full_name.is_some() {
                v.add(
                    "child_id",
                    "a member is a child or an adult: give child_id alone, or relation_id or full_name",
                );
            }
            let c = ChildMemberInput {
                child_id: child.to_string(),
                relation: input.relation.clone(),
            };
            child_member(&mut v, "", &c)
        }
        None => adult_member(
            &mut v,
            "",
            input.relation_id.as_deref(),
            input.full_name.as_deref(),
            &input.relation,
        ),
    };
    // Fields of a lone member are named without the leading dot of `members.x[i]`.
    let errors: Vec<FieldError> = v
        .into_errors()
        .into_iter()
        .map(|e| FieldError {
            field: e.field.trim_start_matches('.').to_string(),
            ..e
        })
        .collect();
    match member {
        Some(m) if errors.is_empty() => Ok(m),
        _ => Err(errors),
    }
}

pub fn parse_patch(input: FamilyPatchInput) -> Result<FamilyPatch, Vec<FieldError>> {
    let mut v = Validation::new();
    let label = match input.label.as_deref() {
        Some(l) => v.text("label", l, LABEL_MAX).map(Some),
        None => Some(None),
    };
    let address = match input.address.as_deref() {
        Some(a) if a.trim().is_empty() => Some(Some(None)),
        Some(a) => v.text("address", a, ADDRESS_MAX).map(|a| Some(Some(a))),
        None => Some(None),
    };
    match (label, address) {
        (Some(label), Some(address)) if v.is_empty() => Ok(FamilyPatch { label, address }),
        _ => Err(v.into_errors()),
    }
}

pub fn parse_removal(input: RemovalInput) -> Result<String, Vec<FieldError>> {
    let mut v = Validation::new();
    let reason = v.text("reason", &input.reason, REASON_MAX);
    match reason {
        Some(r) if v.is_empty() => Ok(r),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> FamilyInput {
        FamilyInput {
            region_code: "KZ-71".into(),
            district_code: "KZ-71-01".into(),
            label: "Ахметовтар".into(),
            address: None,
            members: MembersInput {
                children: vec![ChildMemberInput {
                    child_id: Uuid::now_v7().to_string(),
                    relation: "child".into(),
                }],
                adults: vec![AdultMemberInput {
                    relation_id: None,
                    full_name: Some("Гүлнар Ахметова".into()),
                    relation: "mother".into(),
                }],
            },
        }
    }

    fn fields(r: Result<NewFamily, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_family_needs_a_child_and_names_each_bad_field() {
        assert!(parse_family(input()).is_ok());
        let mut bad = input();
        bad.members.children.clear();
        assert_eq!(fields(parse_family(bad)), ["members.children"]);
        let mut bad = input();
        bad.members.children[0].relation = "mother".into();
        bad.members.adults[0].relation = "sibling".into();
        bad.district_code = "KZ-75-01".into();
        assert_eq!(
            fields(parse_family(bad)),
            [
                "district_code",
                "members.children[0].relation",
                "members.adults[0].relation"
            ]
        );
        let mut bad = input();
        bad.members.adults[0].full_name = None;
        assert_eq!(fields(parse_family(bad)), ["members.adults[0].full_name"]);
        let mut twice = input();
        let again = twice.members.children[0].clone();
        twice.members.children.push(again);
        assert_eq!(
            fields(parse_family(twice)),
            ["members.children[1].child_id"]
        );
    }

    #[test]
    fn a_lone_member_is_a_child_or_an_adult() {
        let child = MemberInput {
            child_id: Some(Uuid::now_v7().to_string()),
            relation: "sibling".into(),
            ..MemberInput::default()
        };
        assert!(matches!(parse_member(child), Ok(NewMember::Child(..))));
        let nobody = MemberInput {
            relation: "mother".into(),
            ..MemberInput::default()
        };
        let errors = parse_member(nobody).unwrap_err();
        assert_eq!(errors[0].field, "full_name");
    }
}
