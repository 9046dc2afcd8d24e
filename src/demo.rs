//! `qorgau demo`: a small dataset to explore the API — three districts in every region, the
//! organisations of Astana (KZ-71), and one user per role there, each with a generated password
//! printed once. Running it again changes nothing.

use anyhow::Context;
use qorgau_api::AppState;
use qorgau_app::accounts::{self, NewAccount};
use qorgau_app::secrets::random_token;
use qorgau_domain::ids::OrganisationId;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_persistence::geography::{self, DistrictRow};
use qorgau_persistence::organisations::{self, OrganisationRow};
use qorgau_persistence::{users, write};

const REGIONS: [&str; 20] = [
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
];

/// (kind, district, name) of the demo organisations in Astana.
const ORGANISATIONS: [(OrganisationKind, Option<&str>, &str); 6] = [
    (
        OrganisationKind::ChildRightsDepartment,
        None,
        "Astana child-rights department",
    ),
    (
        OrganisationKind::FamilySupportCentre,
        Some("KZ-71-01"),
        "Family support centre, district 1",
    ),
    (
        OrganisationKind::MobileGroup,
        Some("KZ-71-01"),
        "Mobile group, district 1",
    ),
    (
        OrganisationKind::PsychologicalSupportCentre,
        None,
        "Psychological support centre",
    ),
    (
        OrganisationKind::Police,
        Some("KZ-71-01"),
        "Juvenile police unit, district 1",
    ),
    (OrganisationKind::ContactCentre, None, "111 contact centre"),
];

/// (username, role, kind of the organisation they work in).
const USERS: [(&str, &str, OrganisationKind); 7] = [
    (
        "demo.supervisor",
        "supervisor",
        OrganisationKind::ChildRightsDepartment,
    ),
    (
        "demo.case.manager",
        "case_manager",
        OrganisationKind::ChildRightsDepartment,
    ),
    (
        "demo.intake",
        "intake_coordinator",
        OrganisationKind::FamilySupportCentre,
    ),
    (
        "demo.mobile",
        "mobile_group_member",
        OrganisationKind::MobileGroup,
    ),
    (
        "demo.psychologist",
        "specialist",
        OrganisationKind::PsychologicalSupportCentre,
    ),
    (
        "demo.analyst",
        "analyst",
        OrganisationKind::ChildRightsDepartment,
    ),
    // The 111 contact centre's system, filing as `contact_centre_111` and `qr_111`.
    (
        "demo.line111",
        "integration",
        OrganisationKind::ContactCentre,
    ),
];

pub fn load(state: &AppState) -> anyhow::Result<()> {
    let now = state.now();
    let orgs: Vec<OrganisationRow> = ORGANISATIONS
        .iter()
        .map(|(kind, district, name)| OrganisationRow {
            id: OrganisationId::new(),
            name: (*name).into(),
            kind: *kind,
            region_code: "KZ-71".into(),
            district_code: district.map(str::to_string),
            email: None,
            created_at: now.naive_utc(),
        })
        .collect();
    let mut people = Vec::new();
    for (username, role, kind) in USERS {
        let password = random_token();
        let organisation_id = orgs
            .iter()
            .find(|o| o.kind == kind)
            .map(|o| o.id.to_string())
            .unwrap_or_default();
        let new = NewAccount {
            username: username.into(),
            full_name: format!("Demo {}", role.replace('_', " ")),
            email: None,
            password: password.clone(),
            role: role.into(),
            organisation_id,
        };
        let hashed = new
            .validate()
            .map_err(|e| anyhow::anyhow!("demo user invalid: {e:?}"))?
            .hash()?;
        people.push((username, role, password, hashed));
    }

    let mut conn = state.db.conn()?;
    let created = write(&mut conn, |conn| {
        if users::find_active_by_username(conn, USERS[0].0)?.is_some() {
            return Ok(None);
        }
        for region in REGIONS {
            for n in 1..=3 {
                let code = format!("{region}-0{n}");
                if geography::find_district(conn, &code)?.is_none() {
                    let district = DistrictRow {
                        code,
                        region_code: region.into(),
                        name_kk: format!("{n}-аудан"),
                        name_ru: format!("Район {n}"),
                        name_en: format!("District {n}"),
                    };
                    geography::insert_district(conn, &district)?;
                }
            }
        }
        for org in &orgs {
            organisations::insert(conn, org)?;
        }
        let mut printed = Vec::new();
        for (username, role, password, hashed) in people {
            accounts::insert(conn, hashed, now)?;
            printed.push((username, role, password));
        }
        Ok::<_, anyhow::Error>(Some(printed))
    })
    .context("loading the demo dataset")?;

    match created {
        Some(printed) => {
            println!(
                "Demo data loaded: districts in every region, organisations in Astana (KZ-71), and these users:"
            );
            for (username, role, password) in printed {
                println!("  {username:<20} {role:<22} {password}");
            }
        }
        None => println!("Demo data already present; nothing changed."),
    }
    Ok(())
}
