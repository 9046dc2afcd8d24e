//! `qorgau demo`: a small dataset to explore the API — three districts in every region, the
//! district and regional organisations of Astana (KZ-71), and one user per role there, each
//! with a generated password printed once. Running it again changes nothing.

use anyhow::Context;
use qorgau_api::AppState;
use qorgau_api::accounts::{self, NewUser};
use qorgau_api::auth::tokens::random_token;
use qorgau_domain::ids::OrganisationId;
use qorgau_persistence::geography::{self, DistrictRow};
use qorgau_persistence::organisations::{self, OrganisationRow};
use qorgau_persistence::write;

const REGIONS: [&str; 20] = [
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
];

pub fn load(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.db.conn()?;
    let now = state.now();
    let passwords: Vec<(String, String)> = [
        "supervisor",
        "case_manager",
        "intake_coordinator",
        "mobile_group_member",
        "specialist",
        "analyst",
    ]
    .iter()
    .map(|role| (format!("demo.{}", role.replace('_', ".")), random_token()))
    .collect();
    let mut users = Vec::new();
    for ((username, password), role) in passwords.iter().zip([
        "supervisor",
        "case_manager",
        "intake_coordinator",
        "mobile_group_member",
        "specialist",
        "analyst",
    ]) {
        let org_kind = match role {
            "intake_coordinator" => "family_support_centre",
            "mobile_group_member" => "mobile_group",
            "specialist" => "psychological_support_centre",
            _ => "child_rights_department",
        };
        users.push((username.clone(), password.clone(), role, org_kind));
    }
    let hashed: Vec<_> = users
        .iter()
        .map(|(username, password, role, kind)| {
            let new = NewUser {
                username: username.clone(),
                full_name: format!("Demo {}", role.replace('_', " ")),
                email: None,
                password: password.clone(),
                role: (*role).into(),
                organisation_id: OrganisationId::new().to_string(),
            };
            (new, *kind)
        })
        .collect();
    let created = write(&mut conn, |conn| {
        if geography::find_district(conn, "KZ-71-01")?.is_some() {
            return Ok(false);
        }
        for region in REGIONS {
            for n in 1..=3 {
                geography::insert_district(
                    conn,
                    &DistrictRow {
                        code: format!("{region}-0{n}"),
                        region_code: region.into(),
                        name_kk: format!("{n}-аудан"),
                        name_ru: format!("Район {n}"),
                        name_en: format!("District {n}"),
                    },
                )?;
            }
        }
        let kinds = [
            (
                "child_rights_department",
                None,
                "Astana child-rights department",
            ),
            (
                "family_support_centre",
                Some("KZ-71-01"),
                "Family support centre, district 1",
            ),
            ("mobile_group", Some("KZ-71-01"), "Mobile group, district 1"),
            (
                "psychological_support_centre",
                None,
                "Psychological support centre",
            ),
            ("school", Some("KZ-71-01"), "School No. 1"),
            (
                "police",
                Some("KZ-71-01"),
                "Juvenile police unit, district 1",
            ),
        ];
        let mut orgs = Vec::new();
        for (kind, district, name) in kinds {
            let row = OrganisationRow {
                id: OrganisationId::new().to_string(),
                name: name.into(),
                kind: kind.into(),
                region_code: "KZ-71".into(),
                district_code: district.map(str::to_string),
                email: None,
                created_at: now.naive_utc(),
            };
            organisations::insert(conn, &row)?;
            orgs.push(row);
        }
        for (mut new, kind) in hashed {
            new.organisation_id = orgs
                .iter()
                .find(|o| o.kind == kind)
                .map(|o| o.id.clone())
                .unwrap_or_default();
            let valid = new
                .validate()
                .map_err(|e| anyhow::anyhow!("demo user invalid: {e:?}"))?;
            accounts::insert(conn, valid.hash()?, now)?;
        }
        Ok::<_, anyhow::Error>(true)
    })
    .context("loading the demo dataset")?;
    if created {
        println!(
            "Demo data loaded: 60 districts, 6 organisations in Astana (KZ-71), and these users:"
        );
        for (username, password, role, _) in &users {
            println!("  {username:<28} {role:<22} {password}");
        }
    } else {
        println!("Demo data already present; nothing changed.");
    }
    Ok(())
}
