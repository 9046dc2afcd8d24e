//! The authorisation matrix (issue 7 item 1; targets.md § Security): every operation of the
//! served OpenAPI document × every role × (a record in the caller's scope, a record outside it).
//!
//! The expectations in [`table`] are written by hand from `qorgau_domain::access` (role × action
//! → reach), the case state machine's movers (`qorgau_domain::lifecycle`), the referral actors
//! (`qorgau_domain::referral`) and the brief (§ 5; api.md's status rules) — never read back
//! from the server. One letter per role, in the order of [`ROLES`]:
//!
//! - `A` allowed: a 2xx. For a list (`list` rows): 200 with the record in it.
//! - `F` forbidden: 403 — the role may never do this and no record is named (a collection), or
//!   the caller may see the record but not do this to it.
//! - `N` not found: 404 — the record is outside the caller's scope, or of a kind the role may
//!   never see: a real id answers like a random one (issue 17, finding 8). For a list: 200
//!   without it.
//!
//! No cell counts a 409, 412 or 422 as "allowed past authorisation": every request is valid,
//! and a record that a request changes is made fresh for the cell (a fresh signal per triage, a
//! fresh pending referral per accept…), so anything other than 2xx, 403 or 404 fails the cell.
//!
//! The callers are one user per role in Astana (KZ-71, district KZ-71-01). "In scope" is a
//! record of that home place: a case assigned to the case manager (with an active referral to
//! the specialist's organisation), a signal the caller filed, the caller's own user record,
//! their region. "Out of scope" is the nearest record the role must not reach: for the
//! administrator, the supervisor and the analyst a record of Almaty (KZ-75); for the intake
//! coordinator one of the other district, KZ-71-02; for the mobile group member, the
//! integration account (the 111 contact centre's), the case manager and the specialist one of
//! their own district that is someone else's — a signal another account filed, another case manager's case, a referral to another organisation (and,
//! for the user directory, a user of another organisation).
//!
//! The test fails when the document has an operation without a row, when a row names an
//! operation the document does not have, and when public and secured operations disagree with
//! the document. Adding an operation is one row in [`table`]; a new kind of record is a variant
//! of [`T`] and an arm of [`resolve`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Backend, Response, TestApp, into_response};
use crate::on_both_backends;
use crate::world::{all_domains, day, ts};

const PASSWORD: &str = "long enough password";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    Mobile,
    Intake,
    Manager,
    Specialist,
    Supervisor,
    Analyst,
    Integration,
}

/// The order of the letters of every row.
const ROLES: [Role; 8] = [
    Role::Admin,
    Role::Mobile,
    Role::Intake,
    Role::Manager,
    Role::Specialist,
    Role::Supervisor,
    Role::Analyst,
    Role::Integration,
];

impl Role {
    fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Mobile => "mobile_group_member",
            Role::Intake => "intake_coordinator",
            Role::Manager => "case_manager",
            Role::Specialist => "specialist",
            Role::Supervisor => "supervisor",
            Role::Analyst => "analyst",
            Role::Integration => "integration",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Where this role's out-of-scope record lies: the nearest place it must not reach.
    fn outside(self) -> Where {
        match self {
            Role::Admin | Role::Supervisor | Role::Analyst => Where::Away,
            Role::Intake => Where::Next,
            Role::Mobile | Role::Manager | Role::Specialist | Role::Integration => Where::Peer,
        }
    }

    /// May file signals (access.rs `FileSignal`); a caller's own signal is filed by them.
    fn files_signals(self) -> bool {
        !matches!(self, Role::Specialist | Role::Analyst)
    }
}

/// Where records live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Where {
    /// Astana, district KZ-71-01: the callers' own place.
    Home,
    /// The same district, other people's: another member of the mobile group files, another
    /// case manager is assigned, another centre receives the referrals.
    Peer,
    /// Astana, district KZ-71-02: another district, case manager, mobile group, centre.
    Next,
    /// Almaty (KZ-75).
    Away,
}

impl Where {
    /// The other region, for transfers.
    fn elsewhere(self) -> Where {
        match self {
            Where::Home | Where::Peer | Where::Next => Where::Away,
            Where::Away => Where::Home,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// The status of the answer.
    Status,
    /// 200 with (`A`) or without (`N`) the record in the list, or 403.
    Listed,
    /// No token needed; every role (and nobody) is let through.
    Public,
}

/// The record a request is about, made or chosen for one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    /// None (the caller's own profile, reference data…).
    Nothing,
    /// The caller's credentials, sent without a token.
    Login,
    /// A refresh token from a fresh login, sent without a token.
    Refresh,
    /// A fresh login of the caller, whose access token is used (and ended).
    Session,
    /// The place's region (`{code}`, and `region_code=` as the query of an area report).
    Region,
    /// The place's psychological support centre.
    Organisation,
    /// Home: the caller themself; next door: a user of another organisation of the region;
    /// away: a user of Almaty.
    User,
    /// A fresh case manager to manage: home, of the place's department (Astana); away, of
    /// Almaty's.
    Colleague,
    /// As `Colleague`, with its version (1) as `If-Match`.
    ColleagueVersion,
    /// A fresh account of the caller's role and organisation, signed in: its access token is
    /// used (its password changes).
    FreshLogin,
    /// Home: the signal the caller filed (the mobile group's when the caller files none).
    Signal,
    /// As `Signal`, filed for this cell.
    FreshSignal,
    /// The child of the place's case.
    Child,
    /// `child_id=` of the place's child as the query, after the place's supervisor has read the
    /// child (so that the audit log has an entry about them); listed: the child.
    ChildQuery,
    /// A break-glass grant on a fresh case of the place, by a supervisor of another region.
    Grant,
    /// A fresh home child (in everyone's scope who sees children), and listed: a fresh child of
    /// the place, with a case, registered under the same name and birth date — a possible
    /// duplicate of the first.
    Duplicates,
    /// A fresh child with a case assigned to the place's manager, and a fresh duplicate: the
    /// same name and birth date, flagged as a possible duplicate.
    MergePair,
    /// As `MergePair`, merged by the place's supervisor: the child the duplicate went into.
    Merged,
    /// The place's case (open, assigned to its manager, an active referral to its centre).
    Case,
    /// The place's case with its current version as `If-Match`.
    CaseVersion,
    /// A fresh case in intake.
    FreshCase,
    /// A fresh case whose manager has requested closure.
    ClosureRequested,
    /// As `ClosureRequested`, closed by the place's supervisor.
    ClosedCase,
    /// The place's case with its plan's current `ETag` as `If-Match`.
    PlanVersion,
    /// The place's case with a fresh draft plan.
    PlanDraft,
    /// A measure of a freshly approved plan of the place's case.
    PlanMeasure,
    /// The place's case with a freshly approved plan.
    ApprovedPlan,
    /// A routing gap of a fresh case of the place (a concern whose organisation kind the world
    /// lacks); listed: the gap.
    Gap,
    /// The place's pending referral to its centre.
    Referral,
    /// A fresh pending referral of the place's case to its centre.
    PendingReferral,
    /// As `PendingReferral`, accepted by the centre's specialist.
    AcceptedReferral,
    /// A fresh case of the place on which the caller, when a supervisor, holds a break-glass
    /// grant: out of their region it opens the case for reading only.
    GlassCase,
    /// As `GlassCase`, the case's closure requested by its manager.
    GlassClosing,
    /// A pending referral of a `GlassCase` to the place's centre.
    GlassReferral,
    /// A fresh case with a pending transfer INTO the place's region; listed: the transfer.
    Incoming,
    /// A fresh consent on the place's case.
    Consent,
    /// A fresh commission matter of the place's case, not decided yet.
    Matter,
    /// A measure of a freshly decided commission matter of the place's case.
    CommissionMeasure,
    /// A fresh placement on the place's case, not ended yet.
    Placement,
    /// Home: a fresh notification to the caller; elsewhere: one to the place's case manager.
    Notification,
    /// A fresh webhook subscription to the region's events (subscriptions belong to no place).
    Webhook,
    /// A fresh case of the place flagged `watch` by its manager; second: the flag's kind.
    Flagged,
    /// A fresh document uploaded by the place's manager onto the place's case.
    Document,
    /// A fresh child of the place with a case assigned to its manager (`extra`: for the body).
    FamilyChild,
    /// A fresh family of the place, recorded by its supervisor: a fresh child with a case
    /// assigned to the place's manager, and an adult by name (`second`: the adult member).
    Family,
    /// As `Family`, with its version (1) as `If-Match`.
    FamilyVersion,
    /// The child of a fresh `Family`.
    FamilyOf,
}

type Body = fn(&Fx, &Cell, &Rec) -> Option<Value>;

struct Op {
    method: &'static str,
    path: &'static str,
    variant: &'static str,
    query: &'static str,
    /// The field of a list item that names the record (`id` unless told).
    key: &'static str,
    target: T,
    body: Body,
    check: Check,
    inside: &'static str,
    outside: &'static str,
}

fn op(
    method: &'static str,
    path: &'static str,
    target: T,
    body: Body,
    inside: &'static str,
    outside: &'static str,
) -> Op {
    Op {
        method,
        path,
        variant: "",
        query: "",
        key: "id",
        target,
        body,
        check: Check::Status,
        inside,
        outside,
    }
}

fn list(
    method: &'static str,
    path: &'static str,
    target: T,
    body: Body,
    inside: &'static str,
    outside: &'static str,
) -> Op {
    Op {
        check: Check::Listed,
        ..op(method, path, target, body, inside, outside)
    }
}

fn public(method: &'static str, path: &'static str, target: T, body: Body) -> Op {
    let all = "A A A A A A A A";
    Op {
        check: Check::Public,
        ..op(method, path, target, body, all, all)
    }
}

impl Op {
    /// Another row for the same operation (e.g. the manager's and the supervisor's moves).
    fn variant(self, variant: &'static str) -> Op {
        Op { variant, ..self }
    }

    fn query(self, query: &'static str) -> Op {
        Op { query, ..self }
    }

    fn key(self, key: &'static str) -> Op {
        Op { key, ..self }
    }

    fn expected(&self, role: Role, inside: bool) -> Outcome {
        let row = if inside { self.inside } else { self.outside };
        let letters: Vec<char> = row.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(
            letters.len(),
            ROLES.len(),
            "{} {}: {row:?}",
            self.method,
            self.path
        );
        match letters[role.index()] {
            'A' => Outcome::Allowed,
            'F' => Outcome::Forbidden,
            'N' => Outcome::NotFound,
            other => panic!("{} {}: unknown letter {other:?}", self.method, self.path),
        }
    }

    fn name(&self) -> String {
        match self.variant {
            "" => format!("{} {}", self.method, self.path),
            v => format!("{} {} ({v})", self.method, self.path),
        }
    }
}

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const PATCH: &str = "PATCH";

/// The matrix. Left: the record in the caller's scope; right: the record outside it. One letter
/// per role, whose initials the column heads spell downwards: ad(min), mo(bile_group_member),
/// in(take_coordinator), cm (case_manager), sp(ecialist), su(pervisor), an(alyst).
///
/// Where a role may see a record but not do this to it, the answer is 403 in scope and 404 out
/// of scope (the handler looks the record up within the role's view first): e.g. the intake
/// coordinator and a child's relations, the case manager and the plan's approval.
#[rustfmt::skip]
fn table() -> Vec<Op> {
    use T::*;
    use body::*;
    vec![
        // Operations and sign-in: no token.
        public(GET,  "/health/live",                 Nothing, none),
        public(GET,  "/health/ready",                Nothing, none),
        public(GET,  "/metrics",                     Nothing, none),
        public(POST, "/api/v1/auth/login",           Login,   login),
        public(POST, "/api/v1/auth/refresh",         Refresh, refresh),
        public(GET,  "/api/v1/labels",               Nothing, none),
        //                                                                                    in scope           out of scope
        //                                                                                    a m i c s s a i    a m i c s s a i
        //                                                                                    d o n m p u n n    d o n m p u n n
        // Everyone signed in.
        op(POST,   "/api/v1/auth/logout",                       Session,      none,          "A A A A A A A A", "A A A A A A A A"),
        op(GET,    "/api/v1/me",                                Nothing,      none,          "A A A A A A A A", "A A A A A A A A"),
        // Each user's own tasks (an empty list for the roles with none): nothing to be out of scope of.
        op(GET,    "/api/v1/me/tasks",                          Nothing,      none,          "A A A A A A A A", "A A A A A A A A"),
        op(GET,    "/api/v1/regions",                           Nothing,      none,          "A A A A A A A A", "A A A A A A A A"),
        op(GET,    "/api/v1/protocols/active",                  Nothing,      none,          "A A A A A A A A", "A A A A A A A A"),
        // The caller's own inbox and email preference; another user's notification is not found.
        list(GET,  "/api/v1/me/notifications",                  Notification, none,          "A A A A A A A A", "N N N N N N N N"),
        op(POST,   "/api/v1/notifications/{id}/read",           Notification, none,          "A A A A A A A A", "N N N N N N N N"),
        op(POST,   "/api/v1/me/notifications/read-all",         Nothing,      none,          "A A A A A A A A", "A A A A A A A A"),
        op(GET,    "/api/v1/me/preferences",                    Nothing,      none,          "A A A A A A A A", "A A A A A A A A"),
        op(PUT,    "/api/v1/me/preferences",                    Nothing,      preference,    "A A A A A A A A", "A A A A A A A A"),
        list(GET,  "/api/v1/organisations",                     Organisation, none,          "A A A A A A A A", "A A A A A A A A"),
        op(GET,    "/api/v1/organisations/{id}",                Organisation, none,          "A A A A A A A A", "A A A A A A A A"),
        // Administration: ManageGeography, CreateOrganisation, CreateUser — admin only.
        op(POST,   "/api/v1/regions/{code}/districts",          Region,       district,      "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/organisations",                     Region,       organisation,  "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/users",                             Region,       user,          "A F F F F F F F", "A F F F F F F F"),
        // ViewUsers: admin all, supervisor region, others organisation. RecordTraining: admin, supervisor (region).
        list(GET,  "/api/v1/users",                             User,         none,          "A A A A A A A F", "A N N N N N N F"),
        op(GET,    "/api/v1/users/{id}",                        User,         none,          "A A A A A A A N", "A N N N N N N N"),
        op(GET,    "/api/v1/users/{id}/trainings",              User,         none,          "A A A A A A A N", "A N N N N N N N"),
        op(POST,   "/api/v1/users/{id}/trainings",              User,         training,      "A F F F F A F F", "A F F F F N F F"),
        // ManageUsers: admin only. HandOverCases: admin all, supervisor region.
        op(PATCH,  "/api/v1/users/{id}",                        ColleagueVersion, rename,    "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/users/{id}/deactivate",             Colleague,    none,          "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/users/{id}/reactivate",             Colleague,    none,          "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/users/{id}/password-reset",         Colleague,    empty,         "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/users/{id}/handover",               Colleague,    handover,      "A F F F F A F F", "A F F F F N F F"),
        // Everyone changes their own password (a fresh account's: the change ends its logins).
        op(POST,   "/api/v1/me/password",                       FreshLogin,   password,      "A A A A A A A A", "A A A A A A A A"),
        // FileSignal: all but specialist and analyst, anywhere. ViewSignals: admin all, supervisor region,
        // intake district, mobile group and case manager what they filed. TriageSignal: intake district, supervisor region.
        op(POST,   "/api/v1/signals",                           Region,       signal,        "A A A A F A F A", "A A A A F A F A"),
        list(GET,  "/api/v1/signals",                           Signal,       none,          "A A A A F A F A", "N N N N F N F N"),
        op(GET,    "/api/v1/signals/{id}",                      Signal,       none,          "A A A A N A N A", "N N N N N N N N"),
        op(GET,    "/api/v1/signals/{id}/reports",              Signal,       none,          "A A A A N A N A", "N N N N N N N N"),
        op(POST,   "/api/v1/signals/{id}/triage",               FreshSignal,  triage,        "F F A F N A N F", "N N N N N N N N"),
        // ViewChildren: supervisor region, intake district (the short card), case manager own case.
        // ViewChildFile (timeline, relations): case manager own case, supervisor region. EditChild: case manager, supervisor.
        // MergeChildren: supervisor.
        list(GET,  "/api/v1/children",                          Child,        none,          "F F A A F A F F", "F F N N F N F F"),
        op(GET,    "/api/v1/children/{id}",                     Child,        none,          "N N A A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/children/{id}/timeline",            Child,        none,          "N N F A N A N N", "N N N N N N N N"),
        // ExportChildFile: the region's supervisor only.
        op(GET,    "/api/v1/children/{id}/export",              Child,        none,          "N N F F N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/children/{id}/possible-duplicates", Child,        none,          "N N A A N A N N", "N N N N N N N N"),
        list(GET,  "/api/v1/children/{id}/possible-duplicates", Duplicates,   none,          "N N A A N A N N", "N N N N N N N N").variant("of a child in scope: only duplicates in scope are shown"),
        op(GET,    "/api/v1/children/{id}/relations",           Child,        none,          "N N F A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/children/{id}/relations",           Child,        relation,      "N N F A N A N N", "N N N N N N N N"),
        // Families: read under the rule of a child's file (ViewChildFile), changed under that of its relations
        // (EditChild): the case manager of a member child's open case, the region's supervisor.
        op(POST,   "/api/v1/families",                          FamilyChild,  family,        "F F F A F A F F", "F F F N F N F F"),
        op(GET,    "/api/v1/families/{id}",                     Family,       none,          "N N N A N A N N", "N N N N N N N N"),
        op(PATCH,  "/api/v1/families/{id}",                     FamilyVersion, family_patch, "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/families/{id}/members",             Family,       family_member, "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/families/{id}/members/{member_id}/remove", Family, reason,       "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/children/{id}/family",              FamilyOf,     none,          "N N F A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/children/{id}/merge",               MergePair,    merge,         "N N F F N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/children/{id}/unmerge",             Merged,       reason,        "N N F F N A N N", "N N N N N N N N"),
        // ViewCases, WorkCase: case manager own, supervisor region. AssignCase, DecidePlan: supervisor.
        list(GET,  "/api/v1/cases",                             Case,         none,          "F F F A F A F F", "F F F N F N F F"),
        op(GET,    "/api/v1/cases/{id}",                        Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(PATCH,  "/api/v1/cases/{id}",                        CaseVersion,  case_patch,    "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/assignment",             Case,         assignment,    "N N N F N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/transitions",            FreshCase,    to_assessment, "N N N A N F N N", "N N N N N N N N").variant("intake → assessment: the manager's move"),
        op(POST,   "/api/v1/cases/{id}/transitions",            ClosureRequested, to_closed, "N N N F N A N N", "N N N N N N N N").variant("closure_requested → closed: the supervisor's move"),
        op(GET,    "/api/v1/cases/{id}/assessments",            Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/assessments",            Case,         assessment,    "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/cases/{id}/plan",                   Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(PUT,    "/api/v1/cases/{id}/plan",                   PlanVersion,  plan,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/plan/approval",          PlanDraft,    approve,       "N N N F N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/plan/measures/{measure_id}/done", PlanMeasure, none,  "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/plan/review",            ApprovedPlan, plan_review,   "N N N A N A N N", "N N N N N N N N"),
        // Follow-up after closure: ViewCases to read, WorkCase to record (on a closed case).
        op(GET,    "/api/v1/cases/{id}/follow-ups",             Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/follow-ups",             ClosedCase,   follow_up,     "N N N A N A N N", "N N N N N N N N"),
        // The case file: ViewCases to read; WorkCase for contact notes and flags; SuperviseCase (supervisor) for
        // supervision notes.
        op(GET,    "/api/v1/cases/{id}/notes",                  Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/notes",                  Case,         contact_note,  "N N N A N A N N", "N N N N N N N N").variant("contact note"),
        op(POST,   "/api/v1/cases/{id}/notes",                  Case,         supervision_note, "N N N F N A N N", "N N N N N N N N").variant("supervision note: the supervisor's"),
        op(GET,    "/api/v1/cases/{id}/flags",                  Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/flags",                  FreshCase,    flag,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/flags/{kind}/clear",     Flagged,      reason,        "N N N A N A N N", "N N N N N N N N"),
        // Documents: ViewCases to read and download, WorkCase to upload and delete.
        op(GET,    "/api/v1/cases/{id}/documents",              Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/documents",              Case,         document,      "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/documents/{id}",                    Document,     none,          "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/documents/{id}/content",            Document,     none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/documents/{id}/delete",             Document,     reason,        "N N N A N A N N", "N N N N N N N N"),
        // Specialists log interventions and interviews while their organisation holds an active referral.
        op(GET,    "/api/v1/cases/{id}/interventions",          Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/interventions",          Case,         intervention,  "N N N A A A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/cases/{id}/interviews",             Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/interviews",             Case,         interview,     "N N N A A A N N", "N N N N N N N N"),
        // Referrals. ViewReferrals: specialist organisation (active referrals), case manager own, supervisor region.
        // Accept, decline, complete: the receiving organisation (RespondReferral); withdraw: the case team.
        op(GET,    "/api/v1/cases/{id}/referrals",              Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/referrals",              Case,         referral,      "N N N A N A N N", "N N N N N N N N"),
        list(GET,  "/api/v1/referrals",                         Referral,     none,          "F F F A A A F F", "F F F N N N F F"),
        op(GET,    "/api/v1/referrals/{id}",                    Referral,     none,          "N N N A A A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/referrals/{id}/accept",             PendingReferral, none,       "N N N F A F N N", "N N N N N N N N"),
        op(POST,   "/api/v1/referrals/{id}/decline",            PendingReferral, reason,     "N N N F A F N N", "N N N N N N N N"),
        op(POST,   "/api/v1/referrals/{id}/complete",           AcceptedReferral, outcome,   "N N N F A F N N", "N N N N N N N N"),
        op(POST,   "/api/v1/referrals/{id}/withdraw",           PendingReferral, none,       "N N N A F A N N", "N N N N N N N N"),
        // Transfers: requested by the case team; DecideTransfer: the supervisor of the receiving region.
        op(POST,   "/api/v1/cases/{id}/transfer",               FreshCase,    transfer,      "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/transfer/accept",        Incoming,     none,          "N N N N N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/transfer/decline",       Incoming,     reason,        "N N N N N A N N", "N N N N N N N N"),
        list(GET,  "/api/v1/transfers",                         Incoming,     none,          "F F F F F A F F", "F F F F F N F F"),
        // Interagency records of a case: ViewCases to read, WorkCase to write.
        op(GET,    "/api/v1/cases/{id}/consents",               Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/consents",               Case,         consent,       "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/consents/{id}/withdraw",            Consent,      none,          "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/cases/{id}/commission-matters",     Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/commission-matters",     Case,         matter,        "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/commission-matters/{id}/decision",  Matter,       decision,      "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/commission-measures/{id}/done",     CommissionMeasure, note,     "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/cases/{id}/placements",             Case,         none,          "N N N A N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/cases/{id}/placements",             Case,         placement,     "N N N A N A N N", "N N N N N N N N"),
        op(GET,    "/api/v1/placements/{id}",                   Placement,    none,          "N N N A N A N N", "N N N N N N N N"),
        op(PATCH,  "/api/v1/placements/{id}",                   Placement,    placement_end, "N N N A N A N N", "N N N N N N N N"),
        // ViewCaseload: supervisor region. ViewReports, ViewAggregates: supervisor region, analyst all.
        op(GET,    "/api/v1/supervision/caseload",              Region,       none,          "F F F F F A F F", "F F F F F N F F"),
        op(GET,    "/api/v1/supervision/overdue",               Region,       none,          "F F F F F A F F", "F F F F F N F F"),
        list(GET,  "/api/v1/supervision/routing-gaps",          Gap,          none,          "F F F F F A F F", "F F F F F N F F"),
        op(POST,   "/api/v1/supervision/routing-gaps/{id}/resolve", Gap,      note,          "F F F F F A F F", "F F F F F N F F"),
        op(GET,    "/api/v1/reports/kpis",                      Region,       none,          "F F F F F A A F", "F F F F F N A F"),
        op(GET,    "/api/v1/reports/aggregates",                Region,       none,          "F F F F F A A F", "F F F F F N A F").query("group_by=region"),
        // Audit. ViewAudit: admin all, supervisor region — the audit list (entries about the child) and the review
        // list of break-glass grants (on the region's cases); a child's access log only for the supervisor of the
        // child's region (the child must be theirs to see). BreakGlass: supervisors, any region's case.
        list(GET,  "/api/v1/audit",                             ChildQuery,   none,          "A F F F F A F F", "A F F F F N F F").key("child_id"),
        // The mail outbox (staff addresses, delivery errors): the administrator's.
        op(GET,    "/api/v1/admin/outbox",                      Nothing,      none,          "A F F F F F F F", "A F F F F F F F"),
        // ViewEvents (the feed): intake its district, a case manager her cases, a supervisor her region, an integration
        // account its signals' statuses; each sees only what is in its reach, so nothing here is out of scope.
        op(GET,    "/api/v1/events",                            Nothing,      none,          "F F A A F A F A", "F F A A F A F A"),
        // ManageWebhooks: the administrator's (subscriptions belong to no place: nothing is out of scope).
        op(POST,   "/api/v1/admin/webhooks",                    Nothing,      webhook,       "A F F F F F F F", "A F F F F F F F"),
        op(GET,    "/api/v1/admin/webhooks",                    Nothing,      none,          "A F F F F F F F", "A F F F F F F F"),
        op("DELETE", "/api/v1/admin/webhooks/{id}",             Webhook,      none,          "A F F F F F F F", "A F F F F F F F"),
        op(POST,   "/api/v1/admin/webhooks/{id}/resume",        Webhook,      none,          "A F F F F F F F", "A F F F F F F F"),
        op(GET,    "/api/v1/admin/webhooks/{id}/deliveries",    Webhook,      none,          "A F F F F F F F", "A F F F F F F F"),
        op(GET,    "/api/v1/children/{id}/access-log",          Child,        none,          "N N F F N A N N", "N N N N N N N N"),
        op(POST,   "/api/v1/break-glass",                       FreshCase,    break_glass,   "F F F F F A F F", "F F F F F A F F"),
        list(GET,  "/api/v1/break-glass",                       Grant,        none,          "A F F F F A F F", "A F F F F N F F"),
        // Break-glass opens a case of another region to the supervisor for reading only, while the grant lasts:
        // the supervisor's out-of-scope record here is a KZ-75 case they hold a grant on. Writes stay 404.
        op(GET,    "/api/v1/cases/{id}",                        GlassCase,    none,          "N N N A N A N N", "N N N N N A N N").variant("break-glass: read"),
        op(POST,   "/api/v1/cases/{id}/assessments",            GlassCase,    assessment,    "N N N A N A N N", "N N N N N N N N").variant("break-glass: no writing"),
        op(POST,   "/api/v1/cases/{id}/transitions",            GlassClosing, to_closed,     "N N N F N A N N", "N N N N N N N N").variant("break-glass: no closing"),
        op(POST,   "/api/v1/referrals/{id}/withdraw",           GlassReferral, none,         "N N N A F A N N", "N N N N N N N N").variant("break-glass: no withdrawing"),
    ]
}

// ---------------------------------------------------------------------------------------------
// The world the matrix runs in

#[derive(Clone, Debug)]
struct User {
    id: String,
    username: String,
    token: String,
}

struct Place {
    region: &'static str,
    district: &'static str,
    mobile: User,
    manager: User,
    /// The region's supervisor: triages, approves plans.
    supervisor: User,
    /// Of `centre`.
    specialist: User,
    department: String,
    /// A psychological support centre: the receiving end of the place's referrals.
    centre: String,
    case: String,
    child: String,
    referral: String,
    /// Filed by the place's mobile group.
    signal: String,
}

struct Fx {
    app: TestApp,
    /// By `Role::index`: the Astana user who makes the requests.
    callers: Vec<User>,
    /// By `Role::index`: the home signal the caller filed (the mobile group's if they file none).
    own_signals: Vec<String>,
    /// By `Where as usize`.
    places: Vec<Place>,
    commission: String,
    counter: AtomicU32,
}

/// One cell: a role, and a record in its scope or not.
struct Cell {
    role: Role,
    inside: bool,
    place: Where,
    /// Unique per cell: for names and codes that must not repeat.
    n: u32,
}

/// What a cell's request is about.
#[derive(Default)]
struct Rec {
    /// Fills the path's first parameter; for a list, what must (not) be listed unless `listed`.
    id: String,
    /// Fills the path's second parameter.
    second: String,
    listed: String,
    query: String,
    /// Whatever the body needs besides the place (a duplicate child, a refresh token…).
    extra: String,
    if_match: Option<String>,
    auth: Auth,
}

#[derive(Default)]
enum Auth {
    #[default]
    Caller,
    Anonymous,
    Token(String),
}

/// A distinct given name per number (children registered without an IIN are never matched).
fn given_name(mut n: u32) -> String {
    let mut name = String::from("Matrix");
    loop {
        name.push(char::from(b'a' + u8::try_from(n % 26).unwrap()));
        n /= 26;
        if n == 0 {
            return name;
        }
    }
}

fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

fn signal_body(p: &Place, n: u32) -> Value {
    // A concern with no mandatory routing: opening a case makes no referral of its own.
    json!({
        "source": "mobile_group",
        "concerns": ["vagrancy_begging"],
        "urgency": "medium",
        "description": "Child begging near the market in the evenings.",
        "observed_at": ts(-60),
        "region_code": p.region,
        "district_code": p.district,
        "child": {"first_name": given_name(n), "last_name": "Matrixova", "birth_date": "2014-05-05"},
        "reporter": {"name": "Neighbour", "relation": "neighbour", "anonymous": false}
    })
}

fn plan_body(organisation: &str) -> Value {
    json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "social", "description": "Benefit application", "responsible_organisation_id": organisation,
         "due_date": day(30)}]}]})
}

fn referral_body(organisation: &str) -> Value {
    json!({"to_organisation_id": organisation, "service": "psychological support", "reason": "Distress",
           "consent_override": {"basis": "legal_duty", "note": "Mandatory notification"}})
}

/// Request bodies, from the cell and its record.
mod body {
    use serde_json::{Value, json};

    use super::{Cell, Fx, PASSWORD, Rec, day, plan_body, referral_body, signal_body, ts};

    /// No body — also for the POSTs that read none: actix drops a keep-alive connection whose
    /// body the handler left unread, and the next request on it fails.
    pub fn none(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        None
    }

    pub fn login(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"username": fx.caller(c.role).username, "password": PASSWORD}))
    }

    pub fn refresh(_: &Fx, _: &Cell, r: &Rec) -> Option<Value> {
        Some(json!({"refresh_token": r.extra}))
    }

    pub fn webhook(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"url": "https://example.kz/hook", "region_code": "KZ-71"}))
    }

    pub fn preference(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"email": "daily_digest"}))
    }

    pub fn district(_: &Fx, c: &Cell, r: &Rec) -> Option<Value> {
        Some(json!({"code": format!("{}-M{}", r.id, c.n),
                    "name": {"kk": "Аудан", "ru": "Район", "en": "District"}}))
    }

    pub fn organisation(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"name": format!("Matrix NGO {}", c.n), "kind": "ngo",
                    "region_code": fx.place(c.place).region}))
    }

    pub fn user(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        let username = format!("matrix.user.{}", c.n);
        Some(
            json!({"username": username, "full_name": "Matrix User", "email": format!("{username}@example.kz"),
                    "password": PASSWORD, "role": "case_manager",
                    "organisation_id": fx.place(c.place).department}),
        )
    }

    pub fn empty(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({}))
    }

    pub fn rename(_: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"full_name": format!("Matrix Renamed {}", c.n)}))
    }

    pub fn handover(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        // The place's case manager, of the colleague's region.
        Some(json!({"to": fx.place(c.place).manager.id}))
    }

    pub fn password(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"current": PASSWORD, "new": "a changed matrix password"}))
    }

    pub fn training(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"course": "Child rights and child protection basics", "completed_on": day(-2)}))
    }

    pub fn signal(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        let mut body = signal_body(fx.place(c.place), c.n);
        body["source"] = json!(fx.source_of(fx.caller(c.role)));
        Some(body)
    }

    pub fn triage(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(
            json!({"decision": "screen_out", "risk_level": "low", "reason": "Already known, no new concern"}),
        )
    }

    pub fn relation(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"full_name": "Aunt Matrixova", "relation": "aunt",
                    "is_legal_representative": false, "alleged_perpetrator": false}))
    }

    pub fn family(fx: &Fx, c: &Cell, r: &Rec) -> Option<Value> {
        let p = fx.place(c.place);
        Some(
            json!({"region_code": p.region, "district_code": p.district, "label": "Matrix household",
                    "members": {"children": [{"child_id": r.extra, "relation": "child"}]}}),
        )
    }

    pub fn family_patch(_: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"label": format!("Matrix household {}", c.n)}))
    }

    pub fn family_member(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"full_name": "Matrix Grandmother", "relation": "grandparent"}))
    }

    pub fn merge(_: &Fx, _: &Cell, r: &Rec) -> Option<Value> {
        Some(json!({"duplicate_id": r.extra, "reason": "The same child, registered twice"}))
    }

    pub fn case_patch(_: &Fx, _: &Cell, r: &Rec) -> Option<Value> {
        // The same risk level: a new version, nothing else changes.
        Some(json!({"risk_level": r.extra}))
    }

    pub fn assignment(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        // The manager it already has: the case stays in the same hands.
        Some(json!({"assignee_id": fx.place(c.place).manager.id}))
    }

    pub fn to_assessment(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"to": "assessment"}))
    }

    pub fn to_closed(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"to": "closed"}))
    }

    pub fn assessment(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"kind": "initial", "summary": "Child safe at grandmother's for now"}))
    }

    pub fn plan(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(plan_body(&fx.place(c.place).centre))
    }

    pub fn approve(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"decision": "approve"}))
    }

    pub fn plan_review(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"decision": "unchanged", "note": "Goals still fit"}))
    }

    pub fn follow_up(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        // A minute ahead: after the closure whatever the rounding, within the allowed skew.
        Some(
            json!({"occurred_at": ts(1), "child_seen": true, "outcome": "stable",
                    "note": "Seen at school, doing well"}),
        )
    }

    pub fn contact_note(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"kind": "contact", "text": "Phoned the mother", "occurred_at": ts(-60)}))
    }

    pub fn supervision_note(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"kind": "supervision", "text": "See the child this week", "sensitive": true}))
    }

    pub fn flag(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"kind": "court_pending", "reason": "Hearing set", "date": day(30)}))
    }

    pub fn intervention(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(
            json!({"kind": "consultation", "assistance_type": "psychological", "occurred_at": ts(-60),
                    "summary": "Talked with the family", "child_seen": false}),
        )
    }

    pub fn interview(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(
            json!({"conducted_at": ts(-60), "interviewer_name": "Inspector",
                    "organisation_id": fx.place(c.place).centre, "present": ["psychologist"],
                    "repeat_reason": "New facts"}),
        )
    }

    pub fn referral(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(referral_body(&fx.place(c.place).centre))
    }

    pub fn reason(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"reason": "No capacity this month"}))
    }

    pub fn outcome(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"outcome": "Six sessions, anxiety reduced"}))
    }

    pub fn note(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"note": "Carried out"}))
    }

    pub fn transfer(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        let to = fx.place(c.place.elsewhere());
        Some(
            json!({"region_code": to.region, "district_code": to.district, "reason": "The family moved"}),
        )
    }

    /// Sent as `multipart/form-data` (`Fx::send`): a PDF court decision.
    pub fn document(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"$multipart": {"kind": "court_decision"}}))
    }

    pub fn consent(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(
            json!({"given_by_name": "Mother", "relation": "mother", "services": true,
                    "share_with": ["psychological_support_centre"], "given_at": ts(-60)}),
        )
    }

    pub fn matter(fx: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"commission_organisation_id": fx.commission, "grounds": "Repeated begging"}))
    }

    pub fn decision(fx: &Fx, c: &Cell, _: &Rec) -> Option<Value> {
        Some(super::decision_body(&fx.place(c.place).centre))
    }

    pub fn placement(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"type": "temporary_shelter", "started_on": day(-10)}))
    }

    pub fn placement_end(_: &Fx, _: &Cell, _: &Rec) -> Option<Value> {
        Some(json!({"ended_on": day(-2), "end_reason": "planned_end"}))
    }

    pub fn break_glass(_: &Fx, _: &Cell, r: &Rec) -> Option<Value> {
        Some(
            json!({"case_id": r.id, "reason": "Child in danger tonight, the case team unreachable"}),
        )
    }
}

fn decision_body(organisation: &str) -> Value {
    json!({"hearing_date": day(-1), "decision": "Supervision by the school",
           "measures": [{"description": "Weekly report", "responsible_organisation_id": organisation,
                         "due_date": day(30)}]})
}

async fn organisation(
    app: &TestApp,
    name: &str,
    kind: &str,
    region: &str,
    district: Option<&str>,
) -> String {
    let r = app
        .post(
            "/api/v1/organisations",
            &app.admin_token,
            json!({"name": name, "kind": kind, "region_code": region, "district_code": district}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    str_of(&r.body["id"])
}

async fn user(app: &TestApp, username: &str, role: &str, organisation: &str) -> User {
    let (id, token) = app.user(username, role, organisation).await;
    User {
        id,
        username: username.into(),
        token,
    }
}

fn place(
    region: &'static str,
    district: &'static str,
    [mobile, manager, supervisor, specialist]: [&User; 4],
    department: &str,
    centre: &str,
) -> Place {
    Place {
        region,
        district,
        mobile: mobile.clone(),
        manager: manager.clone(),
        supervisor: supervisor.clone(),
        specialist: specialist.clone(),
        department: department.into(),
        centre: centre.into(),
        case: String::new(),
        child: String::new(),
        referral: String::new(),
        signal: String::new(),
    }
}

/// The organisations of the world: (name, kind, region, district), in the order `Fx::build`
/// names them.
#[rustfmt::skip]
const ORGANISATIONS: [(&str, &str, &str, Option<&str>); 12] = [
    ("Mobile group 1",       "mobile_group",                 "KZ-71", Some("KZ-71-01")),
    ("Mobile group 2",       "mobile_group",                 "KZ-71", Some("KZ-71-02")),
    ("FSC 1",                "family_support_centre",        "KZ-71", Some("KZ-71-01")),
    ("Child rights, Astana", "child_rights_department",      "KZ-71", None),
    ("PSC Astana",           "psychological_support_centre", "KZ-71", None),
    ("PSC Astana 2",         "psychological_support_centre", "KZ-71", Some("KZ-71-02")),
    ("Ministry analytics",   "other",                        "KZ-71", None),
    ("Mobile group Almaty",  "mobile_group",                 "KZ-75", Some("KZ-75-01")),
    ("Child rights, Almaty", "child_rights_department",      "KZ-75", None),
    ("PSC Almaty",           "psychological_support_centre", "KZ-75", None),
    ("Commission Astana",    "commission",                   "KZ-71", None),
    ("111 contact centre",   "contact_centre",               "KZ-71", None),
];

impl Fx {
    async fn build(backend: Backend) -> Fx {
        let app = TestApp::start(backend).await;
        for (region, district) in [
            ("KZ-71", "KZ-71-01"),
            ("KZ-71", "KZ-71-02"),
            ("KZ-75", "KZ-75-01"),
        ] {
            app.district(region, district).await;
        }
        let a = &app;
        let mut ids = Vec::new();
        for (name, kind, region, district) in ORGANISATIONS {
            ids.push(organisation(a, name, kind, region, district).await);
        }
        let [
            group,
            group_next,
            intake_centre,
            department,
            centre,
            centre_next,
            ministry,
            group_away,
            department_away,
            centre_away,
            commission,
            contact_centre,
        ] = ids.try_into().unwrap();

        let admin = user(a, "m.admin", "admin", &department).await;
        let mobile = user(a, "m.mobile", "mobile_group_member", &group).await;
        let intake = user(a, "m.intake", "intake_coordinator", &intake_centre).await;
        let manager = user(a, "m.manager", "case_manager", &department).await;
        let specialist = user(a, "m.specialist", "specialist", &centre).await;
        let supervisor = user(a, "m.supervisor", "supervisor", &department).await;
        let analyst = user(a, "m.analyst", "analyst", &ministry).await;
        let integration = user(a, "m.integration", "integration", &contact_centre).await;
        let mobile_peer = user(a, "m.mobile.peer", "mobile_group_member", &group).await;
        let mobile_next = user(a, "m.mobile.next", "mobile_group_member", &group_next).await;
        let manager_next = user(a, "m.manager.next", "case_manager", &department).await;
        let specialist_next = user(a, "m.specialist.next", "specialist", &centre_next).await;
        let mobile_away = user(a, "m.mobile.away", "mobile_group_member", &group_away).await;
        let manager_away = user(a, "m.manager.away", "case_manager", &department_away).await;
        let supervisor_away = user(a, "m.supervisor.away", "supervisor", &department_away).await;
        let specialist_away = user(a, "m.specialist.away", "specialist", &centre_away).await;

        let places = vec![
            place(
                "KZ-71",
                "KZ-71-01",
                [&mobile, &manager, &supervisor, &specialist],
                &department,
                &centre,
            ),
            place(
                "KZ-71",
                "KZ-71-01",
                [&mobile_peer, &manager_next, &supervisor, &specialist_next],
                &department,
                &centre_next,
            ),
            place(
                "KZ-71",
                "KZ-71-02",
                [&mobile_next, &manager_next, &supervisor, &specialist_next],
                &department,
                &centre_next,
            ),
            place(
                "KZ-75",
                "KZ-75-01",
                [
                    &mobile_away,
                    &manager_away,
                    &supervisor_away,
                    &specialist_away,
                ],
                &department_away,
                &centre_away,
            ),
        ];
        let mut fx = Fx {
            app,
            callers: vec![
                admin,
                mobile,
                intake,
                manager,
                specialist,
                supervisor,
                analyst,
                integration,
            ],
            own_signals: Vec::new(),
            places,
            commission,
            counter: AtomicU32::new(0),
        };
        for w in [Where::Home, Where::Peer, Where::Next, Where::Away] {
            let (case, child) = fx.fresh_case(w).await;
            let p = fx.place(w);
            fx.put_plan(&case, &p.manager, plan_body(&p.centre)).await;
            let mobile = p.mobile.clone();
            let signal = str_of(&fx.file_signal(&mobile, w).await["id"]);
            let i = w as usize;
            fx.places[i].case = case;
            fx.places[i].child = child;
            fx.places[i].signal = signal;
            fx.places[i].referral = fx.refer(w).await;
        }
        for role in ROLES {
            let filer = fx.filer(role, Where::Home).clone();
            let signal = str_of(&fx.file_signal(&filer, Where::Home).await["id"]);
            fx.own_signals.push(signal);
        }
        fx
    }

    fn place(&self, w: Where) -> &Place {
        &self.places[w as usize]
    }

    fn caller(&self, role: Role) -> &User {
        &self.callers[role.index()]
    }

    fn next(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh webhook subscription to KZ-71's events, written as its creation writes it.
    /// Returns its id.
    fn webhook(&self) -> String {
        use qorgau_persistence::webhooks::{self, WebhookRow};
        let mut conn = self.app.state.db.conn().unwrap();
        let admin = qorgau_persistence::users::find_active_by_username(&mut conn, "admin")
            .unwrap()
            .unwrap()
            .0
            .id;
        let row = WebhookRow {
            id: qorgau_domain::ids::WebhookId::new(),
            url: "https://example.kz/matrix".into(),
            event_types: String::new(),
            account_id: None,
            region_code: Some("KZ-71".into()),
            secret: "matrix secret, long enough to sign".into(),
            created_by: admin,
            created_at: self.app.now().naive_utc(),
            cursor_seq: 0,
            consecutive_failures: 0,
            paused_at: None,
        };
        webhooks::insert(&mut conn, &row).unwrap();
        row.id.to_string()
    }

    /// A fresh unread notification to `recipient` about `case`, written as an event writes it
    /// (no operation makes one for every role). Returns its id.
    fn notification(&self, recipient: &str, case: &str) -> String {
        use qorgau_domain::notification::{Mail, NotificationKind};
        use qorgau_persistence::notifications::{self, NotificationRow};
        let row = NotificationRow {
            id: qorgau_domain::ids::NotificationId::new(),
            recipient_id: recipient.parse().unwrap(),
            kind: NotificationKind::CaseAssigned,
            case_id: Some(case.parse().unwrap()),
            signal_id: None,
            ref_id: None,
            subject: "KZ-71-2026-matrix".into(),
            created_at: self.app.now().naive_utc(),
            read_at: None,
            mail: Mail::Off,
            digested_at: None,
        };
        let mut conn = self.app.state.db.conn().unwrap();
        notifications::insert(&mut conn, &row).unwrap();
        row.id.to_string()
    }

    /// Who files the cell's signal: the caller at home if they may, else the place's mobile group.
    fn filer(&self, role: Role, w: Where) -> &User {
        if w == Where::Home && role.files_signals() {
            self.caller(role)
        } else {
            &self.place(w).mobile
        }
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Response {
        let mut req = self
            .app
            .http
            .request(method, format!("{}{url}", self.app.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        match body {
            Some(body) if body.get("$multipart").is_some() => {
                let kind = body["$multipart"]["kind"].as_str().unwrap_or_default();
                let boundary = "matrix-boundary-5e4d";
                let pdf = "%PDF-1.4\n%%EOF\n";
                let form = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
                     --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.pdf\"\r\n\
                     Content-Type: application/pdf\r\n\r\n{pdf}\r\n--{boundary}--\r\n"
                );
                req = req
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(form);
            }
            Some(body) => req = req.json(&body),
            None => {}
        }
        into_response(req.send().await.unwrap()).await
    }

    /// A request of the fixture's own: it must succeed with `want`. A null body sends none
    /// (actix drops a keep-alive connection whose body the handler left unread).
    async fn must(&self, method: Method, path: &str, by: &User, body: Value, want: u16) -> Value {
        let body = (!body.is_null()).then_some(body);
        let r = self
            .send(method.clone(), path, Some(&by.token), body, None)
            .await;
        assert_eq!(
            r.status.as_u16(),
            want,
            "fixture: {method} {path} as {}: {:?}",
            by.username,
            r.body
        );
        r.body
    }

    /// The source `by` may file as (docs/api.md): the 111 channel for the integration account.
    fn source_of(&self, by: &User) -> &'static str {
        if by.id == self.caller(Role::Integration).id {
            "contact_centre_111"
        } else {
            "mobile_group"
        }
    }

    async fn file_signal(&self, by: &User, w: Where) -> Value {
        let mut body = signal_body(self.place(w), self.next());
        body["source"] = json!(self.source_of(by));
        self.must(Method::POST, "/api/v1/signals", by, body, 201)
            .await
    }

    /// A new child with a case assigned to the place's manager, and a possible duplicate of
    /// them registered by a signal under the same name and birth date: (child, duplicate).
    async fn merge_pair(&self, w: Where) -> (String, String) {
        let p = self.place(w);
        let n = self.next();
        let (_, keep) = self.fresh_case_named(w, n).await;
        let body = signal_body(p, n);
        let duplicate = self
            .must(Method::POST, "/api/v1/signals", &p.mobile, body, 201)
            .await;
        (keep, str_of(&duplicate["child_id"]))
    }

    /// A new child with a case in intake, assigned to the place's manager: (case, child).
    async fn fresh_case(&self, w: Where) -> (String, String) {
        self.fresh_case_named(w, self.next()).await
    }

    /// As `fresh_case`, the child named after `n`.
    async fn fresh_case_named(&self, w: Where, n: u32) -> (String, String) {
        let p = self.place(w);
        let body = signal_body(p, n);
        let signal = self
            .must(Method::POST, "/api/v1/signals", &p.mobile, body, 201)
            .await;
        let path = format!("/api/v1/signals/{}/triage", str_of(&signal["id"]));
        let body =
            json!({"decision": "open_case", "risk_level": "medium", "assignee_id": p.manager.id});
        let triaged = self
            .must(Method::POST, &path, &p.supervisor, body, 200)
            .await;
        (str_of(&triaged["case_id"]), str_of(&triaged["child_id"]))
    }

    /// A pending referral of the place's case to its centre.
    async fn refer(&self, w: Where) -> String {
        self.refer_on(w, &self.place(w).case).await
    }

    /// A pending referral of `case` (of the place) to the place's centre.
    async fn refer_on(&self, w: Where, case: &str) -> String {
        let p = self.place(w);
        let path = format!("/api/v1/cases/{case}/referrals");
        let r = self
            .must(
                Method::POST,
                &path,
                &p.manager,
                referral_body(&p.centre),
                201,
            )
            .await;
        str_of(&r["id"])
    }

    /// A new draft of the place's case's plan.
    async fn draft_plan(&self, w: Where) -> Value {
        let p = self.place(w);
        self.put_plan(&p.case, &p.manager, plan_body(&p.centre))
            .await
    }

    /// Writes a new version of `case`'s plan as `by`, as a client does: with the plan's
    /// current `ETag` (`If-None-Match: *` for the first version). It must succeed.
    async fn put_plan(&self, case: &str, by: &User, plan: Value) -> Value {
        let r = self.app.put_plan(case, &by.token, plan).await;
        assert_eq!(r.status, 200, "fixture: PUT plan of {case}: {:?}", r.body);
        r.body
    }

    /// A fresh case taken to `closure_requested` by its manager.
    async fn closure_requested(&self, w: Where) -> String {
        let p = self.place(w);
        let (case, _) = self.fresh_case(w).await;
        let at = |rest: &str| format!("/api/v1/cases/{case}/{rest}");
        let (cm, sup) = (&p.manager, &p.supervisor);
        let initial = json!({"kind": "initial", "summary": "Safe for now"});
        self.must(Method::POST, &at("assessments"), cm, initial, 201)
            .await;
        let full = json!({"kind": "comprehensive", "summary": "Needs", "domains": all_domains()});
        self.must(Method::POST, &at("assessments"), cm, full, 201)
            .await;
        self.put_plan(&case, cm, plan_body(&p.centre)).await;
        let approve = json!({"decision": "approve"});
        self.must(Method::POST, &at("plan/approval"), sup, approve, 200)
            .await;
        for body in [
            json!({"to": "in_progress"}),
            json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
        ] {
            self.must(Method::POST, &at("transitions"), cm, body, 200)
                .await;
        }
        case
    }

    /// A routing gap of a fresh case of the place: `addiction` is referred to a youth health
    /// centre, of which the world has none.
    async fn gap(&self, w: Where) -> String {
        let p = self.place(w);
        let mut body = signal_body(p, self.next());
        body["concerns"] = json!(["addiction"]);
        let signal = self
            .must(Method::POST, "/api/v1/signals", &p.mobile, body, 201)
            .await;
        let path = format!("/api/v1/signals/{}/triage", str_of(&signal["id"]));
        let open =
            json!({"decision": "open_case", "risk_level": "medium", "assignee_id": p.manager.id});
        let case = str_of(
            &self
                .must(Method::POST, &path, &p.supervisor, open, 200)
                .await["case_id"],
        );
        let mut cursor = String::new();
        loop {
            let path = format!("/api/v1/supervision/routing-gaps?resolved=false&limit=500{cursor}");
            let page = self
                .must(Method::GET, &path, &p.supervisor, Value::Null, 200)
                .await;
            let items = page["items"].as_array().unwrap();
            if let Some(gap) = items.iter().find(|g| g["case_id"] == case.as_str()) {
                return str_of(&gap["id"]);
            }
            let next = page["next_cursor"]
                .as_str()
                .expect("the case's gap is listed");
            cursor = format!("&cursor={next}");
        }
    }

    /// A fresh case with a pending transfer into the place's region: (case, transfer).
    async fn incoming(&self, w: Where) -> (String, String) {
        let (from, to) = match w {
            Where::Home => (Where::Away, Where::Home),
            Where::Peer | Where::Next => (w, Where::Away),
            Where::Away => (Where::Home, Where::Away),
        };
        let (case, _) = self.fresh_case(from).await;
        let dest = self.place(to);
        let body = json!({"region_code": dest.region, "district_code": dest.district, "reason": "The family moved"});
        let path = format!("/api/v1/cases/{case}/transfer");
        let t = self
            .must(Method::POST, &path, &self.place(from).manager, body, 202)
            .await;
        (case, str_of(&t["id"]))
    }
}

/// Makes or picks the record of one cell.
async fn resolve(fx: &Fx, target: T, cell: &Cell) -> Rec {
    let w = cell.place;
    let p = fx.place(w);
    let on = |id: &str| Rec {
        id: id.to_string(),
        listed: id.to_string(),
        ..Rec::default()
    };
    let created = |path: String, by: &User, body: Value| {
        let by = by.clone();
        async move { str_of(&fx.must(Method::POST, &path, &by, body, 201).await["id"]) }
    };
    match target {
        T::Nothing => Rec::default(),
        T::Login => Rec {
            auth: Auth::Anonymous,
            ..Rec::default()
        },
        T::Refresh => {
            let pair = fx
                .app
                .login_pair(&fx.caller(cell.role).username, PASSWORD)
                .await;
            assert_eq!(pair.status, 200, "{:?}", pair.body);
            Rec {
                extra: str_of(&pair.body["refresh_token"]),
                auth: Auth::Anonymous,
                ..Rec::default()
            }
        }
        T::Session => Rec {
            auth: Auth::Token(fx.app.login(&fx.caller(cell.role).username, PASSWORD).await),
            ..Rec::default()
        },
        T::Region => Rec {
            id: p.region.into(),
            query: match w {
                Where::Home => "region_code=KZ-71".into(),
                Where::Peer => "region_code=KZ-71&district_code=KZ-71-01".into(),
                Where::Next => "region_code=KZ-71&district_code=KZ-71-02".into(),
                Where::Away => "region_code=KZ-75".into(),
            },
            ..Rec::default()
        },
        T::Organisation => on(&p.centre),
        T::User => on(match w {
            Where::Home => &fx.caller(cell.role).id,
            Where::Peer | Where::Next => &fx.place(Where::Next).mobile.id,
            Where::Away => &p.manager.id,
        }),
        T::Colleague | T::ColleagueVersion => {
            let username = format!("matrix.colleague.{}", cell.n);
            let (id, _) = fx.app.user(&username, "case_manager", &p.department).await;
            Rec {
                if_match: (target == T::ColleagueVersion).then(|| "\"1\"".to_string()),
                ..on(&id)
            }
        }
        T::FreshLogin => {
            let me = fx.caller(cell.role);
            let path = format!("/api/v1/users/{}", me.id);
            let admin = &fx.app.admin_token;
            let r = fx.send(Method::GET, &path, Some(admin), None, None).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            let username = format!("matrix.login.{}", cell.n);
            let organisation = str_of(&r.body["organisation_id"]);
            let (_, token) = fx
                .app
                .user(&username, cell.role.code(), &organisation)
                .await;
            Rec {
                auth: Auth::Token(token),
                ..Rec::default()
            }
        }
        T::Signal if w == Where::Home => on(&fx.own_signals[cell.role.index()]),
        T::Signal => on(&p.signal),
        T::FreshSignal => {
            let filer = fx.filer(cell.role, w);
            on(&str_of(&fx.file_signal(filer, w).await["id"]))
        }
        T::Child => on(&p.child),
        T::ChildQuery => {
            let path = format!("/api/v1/children/{}", p.child);
            let read = fx
                .send(Method::GET, &path, Some(&p.supervisor.token), None, None)
                .await;
            assert_eq!(read.status, 200, "{:?}", read.body);
            Rec {
                query: format!("child_id={}", p.child),
                listed: p.child.clone(),
                ..Rec::default()
            }
        }
        T::Grant => {
            // Never on a shared record: the grant opens the case to its grantor.
            let (case, _) = fx.fresh_case(w).await;
            let by = &fx.place(w.elsewhere()).supervisor;
            let body =
                json!({"case_id": case, "reason": "Child in danger tonight, team unreachable"});
            let grant = fx
                .must(Method::POST, "/api/v1/break-glass", by, body, 201)
                .await;
            on(&str_of(&grant["id"]))
        }
        T::MergePair => {
            let (keep, duplicate) = fx.merge_pair(w).await;
            Rec {
                extra: duplicate,
                ..on(&keep)
            }
        }
        T::Merged => {
            let (keep, duplicate) = fx.merge_pair(w).await;
            let path = format!("/api/v1/children/{keep}/merge");
            let body =
                json!({"duplicate_id": duplicate, "reason": "The same child, registered twice"});
            fx.must(Method::POST, &path, &p.supervisor, body, 200).await;
            on(&keep)
        }
        T::Duplicates => {
            let (_, child) = fx.fresh_case_named(Where::Home, cell.n).await;
            let (_, duplicate) = fx.fresh_case_named(w, cell.n).await;
            Rec {
                listed: duplicate,
                ..on(&child)
            }
        }
        T::Case => on(&p.case),
        T::CaseVersion => {
            let path = format!("/api/v1/cases/{}", p.case);
            let card = fx
                .send(Method::GET, &path, Some(&p.supervisor.token), None, None)
                .await;
            assert_eq!(card.status, 200, "{:?}", card.body);
            Rec {
                extra: str_of(&card.body["risk_level"]),
                if_match: Some(card.headers["etag"].to_str().unwrap().to_string()),
                ..on(&p.case)
            }
        }
        T::FreshCase => on(&fx.fresh_case(w).await.0),
        T::ClosureRequested => on(&fx.closure_requested(w).await),
        T::ClosedCase => {
            let case = fx.closure_requested(w).await;
            let path = format!("/api/v1/cases/{case}/transitions");
            fx.must(
                Method::POST,
                &path,
                &p.supervisor,
                json!({"to": "closed"}),
                200,
            )
            .await;
            on(&case)
        }
        T::PlanVersion => {
            let path = format!("/api/v1/cases/{}/plan", p.case);
            let plan = fx
                .send(Method::GET, &path, Some(&p.supervisor.token), None, None)
                .await;
            assert_eq!(plan.status, 200, "{:?}", plan.body);
            Rec {
                if_match: Some(plan.headers["etag"].to_str().unwrap().to_string()),
                ..on(&p.case)
            }
        }
        T::Gap => on(&fx.gap(w).await),
        T::PlanDraft => {
            fx.draft_plan(w).await;
            on(&p.case)
        }
        T::PlanMeasure | T::ApprovedPlan => {
            let draft = fx.draft_plan(w).await;
            let path = format!("/api/v1/cases/{}/plan/approval", p.case);
            let approve = json!({"decision": "approve"});
            fx.must(Method::POST, &path, &p.supervisor, approve, 200)
                .await;
            Rec {
                second: str_of(&draft["goals"][0]["measures"][0]["id"]),
                ..on(&p.case)
            }
        }
        T::GlassCase | T::GlassClosing | T::GlassReferral => {
            let case = match target {
                T::GlassClosing => fx.closure_requested(w).await,
                _ => fx.fresh_case(w).await.0,
            };
            if cell.role == Role::Supervisor {
                let body =
                    json!({"case_id": case, "reason": "Child in danger tonight, team unreachable"});
                let by = fx.caller(Role::Supervisor);
                fx.must(Method::POST, "/api/v1/break-glass", by, body, 201)
                    .await;
            }
            match target {
                T::GlassReferral => on(&fx.refer_on(w, &case).await),
                _ => on(&case),
            }
        }
        T::Referral => on(&p.referral),
        T::PendingReferral => on(&fx.refer(w).await),
        T::AcceptedReferral => {
            let id = fx.refer(w).await;
            let path = format!("/api/v1/referrals/{id}/accept");
            fx.must(Method::POST, &path, &p.specialist, Value::Null, 200)
                .await;
            on(&id)
        }
        T::Incoming => {
            let (case, transfer) = fx.incoming(w).await;
            Rec {
                listed: transfer,
                ..on(&case)
            }
        }
        T::Consent => {
            let path = format!("/api/v1/cases/{}/consents", p.case);
            let body = body::consent(fx, cell, &Rec::default()).unwrap();
            on(&created(path, &p.manager, body).await)
        }
        T::Matter => {
            let path = format!("/api/v1/cases/{}/commission-matters", p.case);
            let body = body::matter(fx, cell, &Rec::default()).unwrap();
            on(&created(path, &p.manager, body).await)
        }
        T::CommissionMeasure => {
            let path = format!("/api/v1/cases/{}/commission-matters", p.case);
            let body = body::matter(fx, cell, &Rec::default()).unwrap();
            let matter = created(path, &p.manager, body).await;
            let path = format!("/api/v1/commission-matters/{matter}/decision");
            let decided = fx
                .must(
                    Method::POST,
                    &path,
                    &p.manager,
                    decision_body(&p.centre),
                    200,
                )
                .await;
            on(&str_of(&decided["measures"][0]["id"]))
        }
        T::Placement => {
            let path = format!("/api/v1/cases/{}/placements", p.case);
            let body = body::placement(fx, cell, &Rec::default()).unwrap();
            Rec {
                // A fresh placement is at its first version.
                if_match: Some("\"1\"".into()),
                ..on(&created(path, &p.manager, body).await)
            }
        }
        T::Flagged => {
            let (case, _) = fx.fresh_case(w).await;
            let path = format!("/api/v1/cases/{case}/flags");
            let body = json!({"kind": "watch", "reason": "Third signal this year"});
            fx.must(Method::POST, &path, &p.manager, body, 201).await;
            Rec {
                second: "watch".into(),
                ..on(&case)
            }
        }
        T::Document => {
            let path = format!("/api/v1/cases/{}/documents", p.case);
            let body = body::document(fx, cell, &Rec::default()).unwrap();
            on(&created(path, &p.manager, body).await)
        }
        T::FamilyChild => {
            let (_, child) = fx.fresh_case(w).await;
            Rec {
                extra: child,
                ..Rec::default()
            }
        }
        T::Family | T::FamilyVersion | T::FamilyOf => {
            let (_, child) = fx.fresh_case(w).await;
            let body = json!({"region_code": p.region, "district_code": p.district, "label": "Matrix household",
                "members": {"children": [{"child_id": child, "relation": "child"}],
                            "adults": [{"full_name": "Matrix Mother", "relation": "mother"}]}});
            let family = fx
                .must(Method::POST, "/api/v1/families", &p.supervisor, body, 201)
                .await;
            let id = match target {
                T::FamilyOf => child,
                _ => str_of(&family["id"]),
            };
            Rec {
                second: str_of(&family["members"][1]["id"]),
                if_match: (target == T::FamilyVersion).then(|| "\"1\"".to_string()),
                ..on(&id)
            }
        }
        T::Webhook => on(&fx.webhook()),
        T::Notification => {
            let recipient = match w {
                Where::Home => &fx.caller(cell.role).id,
                _ => &p.manager.id,
            };
            on(&fx.notification(recipient, &p.case))
        }
    }
}

/// The path with its parameters filled in, and the query.
fn url(path: &str, rec: &Rec, query: &[&str]) -> String {
    let mut filled = String::new();
    let mut rest = path;
    let mut values = [rec.id.as_str(), rec.second.as_str()].into_iter();
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        filled.push_str(&rest[..open]);
        let value = values.next().expect("at most two path parameters");
        // An empty id would hit no route at all: a 404 that proves nothing.
        assert!(
            !value.is_empty(),
            "{path}: no record for {}",
            &rest[open..=close]
        );
        filled.push_str(value);
        rest = &rest[close + 1..];
    }
    filled.push_str(rest);
    let query: Vec<&str> = query.iter().copied().filter(|q| !q.is_empty()).collect();
    if !query.is_empty() {
        filled.push('?');
        filled.push_str(&query.join("&"));
    }
    filled
}

fn short(body: &Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// Sends the cell's request and reads the answer as an outcome (or what else came back).
async fn run(fx: &Fx, op: &Op, cell: &Cell, rec: &Rec) -> Result<Outcome, String> {
    let method = Method::from_bytes(op.method.as_bytes()).unwrap();
    let token = match &rec.auth {
        Auth::Caller => Some(fx.caller(cell.role).token.as_str()),
        Auth::Anonymous => None,
        Auth::Token(t) => Some(t.as_str()),
    };
    let body = (op.body)(fx, cell, rec);
    assert!(
        op.check != Check::Listed || !rec.listed.is_empty(),
        "{}: nothing to look for",
        op.name()
    );
    if op.check != Check::Listed {
        let url = url(op.path, rec, &[op.query, &rec.query]);
        let r = fx
            .send(method, &url, token, body, rec.if_match.as_deref())
            .await;
        return match r.status.as_u16() {
            200..=299 => Ok(Outcome::Allowed),
            403 => Ok(Outcome::Forbidden),
            404 => Ok(Outcome::NotFound),
            _ => Err(format!("{} {}", r.status, short(&r.body))),
        };
    }
    let mut cursor = String::new();
    loop {
        let url = url(op.path, rec, &[op.query, &rec.query, "limit=500", &cursor]);
        let r = fx.send(method.clone(), &url, token, None, None).await;
        match r.status.as_u16() {
            200 => {}
            403 => return Ok(Outcome::Forbidden),
            // A list under a record the caller may not see (a child's possible duplicates).
            404 => return Ok(Outcome::NotFound),
            _ => return Err(format!("{} {}", r.status, short(&r.body))),
        }
        // Every list is `{"items", "next_cursor"}` (api.md § Lists): a bare array is not one.
        let items = r.body["items"]
            .as_array()
            .ok_or_else(|| format!("200 but not a list: {}", short(&r.body)))?;
        if items
            .iter()
            .any(|i| i[op.key].as_str() == Some(rec.listed.as_str()))
        {
            return Ok(Outcome::Allowed);
        }
        match r.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("cursor={next}"),
            None => return Ok(Outcome::NotFound),
        }
    }
}

fn describe(check: Check, outcome: Outcome) -> &'static str {
    match (check, outcome) {
        (Check::Listed, Outcome::Allowed) => "200 and listed",
        (Check::Listed, Outcome::NotFound) => "200 and not listed",
        (_, Outcome::Allowed) => "2xx",
        (_, Outcome::Forbidden) => "403",
        (_, Outcome::NotFound) => "404",
    }
}

/// Every operation of the served document: (method, path) → public (no security requirement).
async fn served_operations(fx: &Fx) -> BTreeMap<(String, String), bool> {
    let r = fx
        .send(Method::GET, "/api/v1/openapi.json", None, None, None)
        .await;
    assert_eq!(r.status, 200);
    let doc = r.body;
    let default_security = doc.get("security").cloned().unwrap_or(json!([]));
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if let Some(operation) = item.get(method) {
                let security = operation.get("security").unwrap_or(&default_security);
                let requirements = security.as_array().cloned().unwrap_or_default();
                let public = requirements.is_empty()
                    || requirements
                        .iter()
                        .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
                ops.insert((method.to_uppercase(), path.clone()), public);
            }
        }
    }
    ops
}

async fn authorisation_matrix(backend: Backend) {
    let fx = Fx::build(backend).await;
    let served = served_operations(&fx).await;
    let table = table();
    let mut failures = Vec::new();

    for (method, path) in served.keys() {
        if !table
            .iter()
            .any(|o| o.method == method.as_str() && o.path == path.as_str())
        {
            failures.push(format!(
                "{method} {path}: served but not in the matrix — add a row to `table()`"
            ));
        }
    }
    let mut rows = Vec::new();
    for op in &table {
        match served.get(&(op.method.to_string(), op.path.to_string())) {
            None => failures.push(format!(
                "{}: in the matrix but not in the OpenAPI document",
                op.name()
            )),
            Some(&public) => {
                if public != (op.check == Check::Public) {
                    failures.push(format!(
                        "{}: the document says {}, the matrix says {}",
                        op.name(),
                        if public { "public" } else { "secured" },
                        if op.check == Check::Public {
                            "public"
                        } else {
                            "secured"
                        },
                    ));
                }
                rows.push(op);
            }
        }
    }

    let mut cells = 0;
    for op in &rows {
        for inside in [true, false] {
            for role in ROLES {
                let cell = Cell {
                    role,
                    inside,
                    place: if inside { Where::Home } else { role.outside() },
                    n: fx.next(),
                };
                let expected = op.expected(role, inside);
                let rec = resolve(&fx, op.target, &cell).await;
                let got = run(&fx, op, &cell, &rec).await;
                cells += 1;
                if got != Ok(expected) {
                    let got = match got {
                        Ok(o) => describe(op.check, o).to_string(),
                        Err(other) => other,
                    };
                    failures.push(format!(
                        "{} — {} {}: expected {}, got {got}",
                        op.name(),
                        role.code(),
                        if cell.inside {
                            "in scope"
                        } else {
                            "out of scope"
                        },
                        describe(op.check, expected),
                    ));
                }
            }
        }
        // Without a token: public operations answer, every other one is 401 before anything else.
        let nobody = Rec {
            id: if op.path.contains("{code}") {
                "KZ-71".into()
            } else {
                uuid::Uuid::new_v4().to_string()
            },
            second: uuid::Uuid::new_v4().to_string(),
            ..Rec::default()
        };
        let method = Method::from_bytes(op.method.as_bytes()).unwrap();
        let r = fx
            .send(method, &url(op.path, &nobody, &[]), None, None, None)
            .await;
        if op.check != Check::Public && r.status != 401 {
            failures.push(format!(
                "{} — no token: expected 401, got {} {}",
                op.name(),
                r.status,
                short(&r.body)
            ));
        }
        if op.check == Check::Public && op.target == T::Nothing && !r.status.is_success() {
            failures.push(format!(
                "{} — no token: expected 2xx, got {} {}",
                op.name(),
                r.status,
                short(&r.body)
            ));
        }
    }

    let operations: std::collections::BTreeSet<_> =
        rows.iter().map(|o| (o.method, o.path)).collect();
    eprintln!(
        "matrix ({backend:?}): {} operations ({} rows) × {} roles × 2 scopes = {cells} cells, {} failures",
        operations.len(),
        rows.len(),
        ROLES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of the authorisation matrix's checks failed ({backend:?}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_backends!(authorisation_matrix);
