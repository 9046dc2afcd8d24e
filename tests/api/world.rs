//! A small region to work in: Astana's districts, their intake, a mobile group, the
//! child-rights department, and a supervisor of Almaty for out-of-scope checks.

use chrono::NaiveDate;
use qorgau_domain::iin::{Iin, Sex};
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, USER_PASSWORD};

/// Two districts of Astana with their intake coordinators, a mobile group, a supervisor and a
/// case manager of the region, and a supervisor of Almaty.
pub struct World {
    pub app: TestApp,
    pub mobile: String,
    pub intake: String,
    pub intake_elsewhere: String,
    pub supervisor: String,
    pub manager_id: String,
    pub manager: String,
    pub almaty_supervisor: String,
}

impl World {
    pub async fn new(backend: Backend) -> World {
        World::on(TestApp::start(backend).await).await
    }

    /// The same world on an application started by the caller (e.g. with another configuration).
    pub async fn on(app: TestApp) -> World {
        app.district("KZ-71", "KZ-71-01").await;
        app.district("KZ-71", "KZ-71-02").await;
        app.district("KZ-75", "KZ-75-01").await;
        let centre1 = app
            .organisation("family_support_centre", "KZ-71", Some("KZ-71-01"))
            .await;
        let centre2 = app
            .organisation("family_support_centre", "KZ-71", Some("KZ-71-02"))
            .await;
        let group = app
            .organisation("mobile_group", "KZ-71", Some("KZ-71-01"))
            .await;
        let department = app
            .organisation("child_rights_department", "KZ-71", None)
            .await;
        let almaty = app
            .organisation("child_rights_department", "KZ-75", None)
            .await;
        let (_, mobile) = app.user("mobile.one", "mobile_group_member", &group).await;
        let (_, intake) = app.user("intake.one", "intake_coordinator", &centre1).await;
        let (_, intake_elsewhere) = app.user("intake.two", "intake_coordinator", &centre2).await;
        let (_, supervisor) = app.user("sup.astana", "supervisor", &department).await;
        let (manager_id, manager) = app.user("cm.astana", "case_manager", &department).await;
        let (_, almaty_supervisor) = app.user("sup.almaty", "supervisor", &almaty).await;
        World {
            app,
            mobile,
            intake,
            intake_elsewhere,
            supervisor,
            manager_id,
            manager,
            almaty_supervisor,
        }
    }

    /// Moves the clock forward by `by` and logs everyone in again, as people do on the next
    /// working day: the access tokens they held have expired by then.
    pub async fn later(&mut self, by: chrono::Duration) {
        self.app.clock.advance(by);
        self.log_in_again().await;
    }

    /// Moves the clock to `at` and logs everyone in again (see [`World::later`]).
    pub async fn until(&mut self, at: chrono::DateTime<chrono::Utc>) {
        self.app.clock.set(at);
        self.log_in_again().await;
    }

    /// New access tokens for the admin and the world's users, issued at the clock's time.
    pub async fn log_in_again(&mut self) {
        self.app.log_admin_in_again().await;
        let mut tokens = Vec::new();
        for username in [
            "mobile.one",
            "intake.one",
            "intake.two",
            "sup.astana",
            "cm.astana",
            "sup.almaty",
        ] {
            tokens.push(self.app.login(username, USER_PASSWORD).await);
        }
        [
            self.mobile,
            self.intake,
            self.intake_elsewhere,
            self.supervisor,
            self.manager,
            self.almaty_supervisor,
        ] = tokens.try_into().expect("six tokens");
    }

    pub async fn file(&self, body: Value) -> crate::common::Response {
        self.app.post("/api/v1/signals", &self.mobile, body).await
    }

    pub async fn signal_count(&self) -> usize {
        let r = self
            .app
            .get("/api/v1/signals?limit=500", &self.supervisor)
            .await;
        r.body["items"].as_array().unwrap().len()
    }
}

pub fn iin(birth: &str, sex: Sex, serial: u32) -> String {
    let date = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    (serial..serial + 100)
        .find_map(|s| Iin::generate(date, sex, s))
        .unwrap()
        .as_str()
        .to_string()
}

/// A date `offset_days` from today (UTC), as the API takes dates.
pub fn day(offset_days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A time `offset_minutes` from now, to the second, as the API takes times.
pub fn ts(offset_minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(offset_minutes))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// All seven domains of a comprehensive assessment, each at `medium`.
pub fn all_domains() -> Value {
    let domains = [
        "safety",
        "health",
        "education",
        "family",
        "psycho_emotional",
        "legal",
        "material",
    ];
    domains
        .iter()
        .map(|d| json!({"domain": d, "level": "medium", "note": "observed"}))
        .collect()
}

/// Asks for a transition of `case` (`{"to", "reason"?, "closure_reason"?}`) as `token`.
pub async fn move_to(w: &World, token: &str, case: &str, body: Value) -> crate::common::Response {
    w.app
        .post(&format!("/api/v1/cases/{case}/transitions"), token, body)
        .await
}

pub fn signal(child: Value) -> Value {
    json!({
        "source": "mobile_group",
        "concerns": ["violence_physical", "neglect"],
        "urgency": "high",
        "description": "Neighbours report shouting and a child with bruises.",
        "observed_at": "2026-11-24T18:30:00Z",
        "region_code": "KZ-71",
        "district_code": "KZ-71-01",
        "child": child,
        "reporter": {"name": "Neighbour", "phone": "+7 701 000 00 00", "relation": "neighbour", "anonymous": false}
    })
}

impl World {
    /// Files a signal about a new child and opens a case for it, assigned to the case manager
    /// when `assigned`. Returns the case id.
    pub async fn open_case(&self, first_name: &str, assigned: bool) -> String {
        let child =
            json!({"first_name": first_name, "last_name": "Test", "birth_date": "2014-05-05"});
        let s = self.file(signal(child)).await.body;
        let mut decision = json!({"decision": "open_case", "risk_level": "medium"});
        if assigned {
            decision["assignee_id"] = json!(self.manager_id);
        }
        let r = self
            .app
            .post(
                &format!("/api/v1/signals/{}/triage", s["id"].as_str().unwrap()),
                &self.intake,
                decision,
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::OK, "{:?}", r.body);
        r.body["case_id"].as_str().unwrap().to_string()
    }

    /// Intake opens a high-risk case from `signal`, assigned to the case manager; returns the
    /// triaged signal. Panics unless 200.
    pub async fn triage_open(&self, signal: &str) -> Value {
        let r = self
            .app
            .post(
                &format!("/api/v1/signals/{signal}/triage"),
                &self.intake,
                json!({"decision": "open_case", "risk_level": "high", "assignee_id": self.manager_id}),
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::OK, "{:?}", r.body);
        r.body
    }

    /// The supervisor assigns `case` to the case manager; panics unless 200.
    pub async fn assign_to_manager(&self, case: &str) {
        let r = self
            .app
            .post(
                &format!("/api/v1/cases/{case}/assignment"),
                &self.supervisor,
                json!({"assignee_id": self.manager_id}),
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::OK, "{:?}", r.body);
    }

    /// A medium-risk case of the world's case manager, assessed, with its plan approved; returns
    /// its id.
    pub async fn with_approved_plan(&self, first_name: &str) -> String {
        let case = self.open_case(first_name, true).await;
        let cm = &self.manager;
        let assessments = format!("/api/v1/cases/{case}/assessments");
        let initial = self
            .app
            .post(
                &assessments,
                cm,
                json!({"kind": "initial", "summary": "Seen at home", "domains": [{"domain": "safety", "level": "medium"}]}),
            )
            .await;
        assert_eq!(
            initial.status,
            reqwest::StatusCode::CREATED,
            "{:?}",
            initial.body
        );
        let full = self
            .app
            .post(
                &assessments,
                cm,
                json!({"kind": "comprehensive", "summary": "Needs across domains", "risk_level": "medium", "domains": all_domains()}),
            )
            .await;
        assert_eq!(full.status, reqwest::StatusCode::CREATED, "{:?}", full.body);
        let org = self
            .app
            .organisation("psychological_support_centre", "KZ-71", None)
            .await;
        let due = (self.app.now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        let plan = json!({"goals": [{"title": "Safe at home", "measures": [
            {"kind": "psychological", "description": "Weekly sessions", "responsible_organisation_id": org, "due_date": due}]}]});
        let drafted = self.app.put_plan(&case, cm, plan).await;
        assert_eq!(
            drafted.status,
            reqwest::StatusCode::OK,
            "{:?}",
            drafted.body
        );
        let approved = self
            .app
            .post(
                &format!("/api/v1/cases/{case}/plan/approval"),
                &self.supervisor,
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(approved.body["status"], "approved", "{:?}", approved.body);
        case
    }
}
