//! The organisations and staff of the dataset: in every district a family-support centre (ОҚО)
//! with its intake coordinator, a mobile group, the police juvenile unit, schools, a polyclinic,
//! the education department, the commission on minors (КТІҚҚК) and the guardianship authority;
//! in every region the child-rights department (supervisors, case managers, an analyst) and the
//! regional centres (ПҚО, mental health, ЖДО, crisis centre, assistance room, an NGO); nationally
//! the 111 contact centre, the ministry's analysts and the administration.
//!
//! Case managers are sized to the cases open at the end of the history, about 40 each (the
//! caseload the benchmark logs in with).

use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::role::Role;

use super::geography::{Geography, REGIONS};
use super::people::NameBook;
use super::random::Gen;
use super::time::{MINUTE, Micros};

/// Open cases per case manager the staffing aims at.
pub const OPEN_CASES_PER_MANAGER: usize = 40;

pub struct Org {
    pub id: u128,
    pub name: String,
    pub kind: OrganisationKind,
    pub region: usize,
    pub district: Option<usize>,
    pub email: Option<String>,
    pub created_at: Micros,
}

pub struct User {
    pub id: u128,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub org: usize,
    pub created_at: Micros,
}

/// Staff of one district.
#[derive(Default)]
pub struct DistrictStaff {
    pub intake: usize,
    pub mobile: Vec<usize>,
}

/// Staff of one region.
#[derive(Default)]
pub struct RegionStaff {
    pub department: usize,
    pub supervisors: Vec<usize>,
    pub managers: Vec<usize>,
    pub analysts: Vec<usize>,
}

pub struct World {
    pub orgs: Vec<Org>,
    pub users: Vec<User>,
    pub regions: Vec<RegionStaff>,
    pub districts: Vec<DistrictStaff>,
    /// Per organisation, the specialists working there.
    pub specialists: Vec<Vec<usize>>,
    pub admin: usize,
    /// Per district, per organisation kind (in `OrganisationKind::ALL` order), the nearest one.
    nearest: Vec<Vec<Option<usize>>>,
}

/// Kinds present in every district, with how many of each.
const DISTRICT_KINDS: [(OrganisationKind, usize); 8] = [
    (OrganisationKind::FamilySupportCentre, 1),
    (OrganisationKind::MobileGroup, 1),
    (OrganisationKind::Police, 1),
    (OrganisationKind::School, 2),
    (OrganisationKind::Health, 1),
    (OrganisationKind::EducationDepartment, 1),
    (OrganisationKind::Commission, 1),
    (OrganisationKind::GuardianshipAuthority, 1),
];

/// Kinds present once in every region, after the child-rights department.
const REGION_KINDS: [OrganisationKind; 6] = [
    OrganisationKind::PsychologicalSupportCentre,
    OrganisationKind::MentalHealthCentre,
    OrganisationKind::YouthHealthCentre,
    OrganisationKind::CrisisCentre,
    OrganisationKind::AssistanceRoom,
    OrganisationKind::Ngo,
];

fn org_name(kind: OrganisationKind, place: &str, n: usize) -> String {
    use OrganisationKind as K;
    match kind {
        K::ChildRightsDepartment => format!("Департамент по защите прав детей — {place}"),
        K::FamilySupportCentre => format!("Центр поддержки семьи (ОҚО) — {place}"),
        K::MobileGroup => format!("Мобильная группа — {place}"),
        K::PsychologicalSupportCentre => format!("Центр психологической поддержки (ПҚО) — {place}"),
        K::School => format!("Школа-гимназия № {} — {place}", 10 + 7 * n),
        K::Health => format!("Поликлиника — {place}"),
        K::MentalHealthCentre => format!("Центр психического здоровья — {place}"),
        K::YouthHealthCentre => format!("Молодёжный центр здоровья (ЖДО) — {place}"),
        K::CrisisCentre => format!("Кризисный центр — {place}"),
        K::AssistanceRoom => format!("Кабинет помощи детям-жертвам (Barnahus) — {place}"),
        K::Police => format!("Инспекция по делам несовершеннолетних — {place}"),
        K::Commission => format!("Комиссия по делам несовершеннолетних (КТІҚҚК) — {place}"),
        K::GuardianshipAuthority => format!("Орган опеки и попечительства — {place}"),
        K::EducationDepartment => format!("Отдел образования — {place}"),
        K::ContactCentre => "Единый контакт-центр 111".into(),
        K::Ngo => format!("ОФ «Балаларды қорғау» — {place}"),
        K::Other => place.into(),
    }
}

/// A short slug for usernames.
fn slug(kind: OrganisationKind) -> &'static str {
    use OrganisationKind as K;
    match kind {
        K::ChildRightsDepartment => "department",
        K::FamilySupportCentre => "fsc",
        K::MobileGroup => "mobile",
        K::PsychologicalSupportCentre => "psych",
        K::School => "school",
        K::Health => "health",
        K::MentalHealthCentre => "mental",
        K::YouthHealthCentre => "youth",
        K::CrisisCentre => "crisis",
        K::AssistanceRoom => "barnahus",
        K::Police => "police",
        K::Commission => "commission",
        K::GuardianshipAuthority => "guardianship",
        K::EducationDepartment => "education",
        K::ContactCentre => "contact111",
        K::Ngo => "ngo",
        K::Other => "other",
    }
}

/// The administration organisation's name, the one `accounts::administration` looks for.
const ADMINISTRATION: &str = "Qorgau administration";
/// Staff e-mail addresses live under a reserved domain (RFC 2606): no mail reaches a person.
const MAIL_DOMAIN: &str = "qorgau.example";

struct Builder<'a> {
    world: World,
    rng: &'a mut Gen,
    names: &'a NameBook,
    at: Micros,
}

impl Builder<'_> {
    /// Accounts and organisations are created a minute apart, in a stable order: ids (and so
    /// "oldest first" in routing) follow it.
    fn tick(&mut self) -> Micros {
        self.at += MINUTE;
        self.at
    }

    fn org(
        &mut self,
        kind: OrganisationKind,
        region: usize,
        district: Option<usize>,
        name: String,
    ) -> usize {
        let created_at = self.tick();
        self.world.orgs.push(Org {
            id: self.rng.uuid_v7(created_at, 0),
            name,
            kind,
            region,
            district,
            email: None,
            created_at,
        });
        self.world.specialists.push(Vec::new());
        self.world.orgs.len() - 1
    }

    fn user(&mut self, username: String, role: Role, org: usize, russian_share: f64) -> usize {
        let created_at = self.tick();
        let sex = if self.rng.chance(0.7) {
            qorgau_domain::iin::Sex::Female
        } else {
            qorgau_domain::iin::Sex::Male
        };
        let name = self.names.draw(self.rng, sex, russian_share);
        let email = matches!(role, Role::Supervisor | Role::CaseManager | Role::Admin)
            .then(|| format!("{username}@{MAIL_DOMAIN}"));
        self.world.users.push(User {
            id: self.rng.uuid_v7(created_at, 0),
            username,
            full_name: self.names.full(name),
            email,
            role,
            org,
            created_at,
        });
        self.world.users.len() - 1
    }
}

/// Staffing by scale: `managers[r]` case managers in region `r`, `small` for a minimal staff.
pub fn build(
    rng: &mut Gen,
    names: &NameBook,
    geo: &Geography,
    managers: &[usize],
    small: bool,
    created: Micros,
) -> World {
    let mut b = Builder {
        world: World {
            orgs: Vec::new(),
            users: Vec::new(),
            regions: Vec::new(),
            districts: Vec::new(),
            specialists: Vec::new(),
            admin: 0,
            nearest: Vec::new(),
        },
        rng,
        names,
        at: created,
    };
    let capital = super::geography::region_index("KZ-71").unwrap_or(0);
    let administration = b.org(
        OrganisationKind::Other,
        capital,
        None,
        ADMINISTRATION.into(),
    );
    b.world.admin = b.user("admin".into(), Role::Admin, administration, 0.3);
    let ministry = b.org(
        OrganisationKind::Other,
        capital,
        None,
        "Министерство просвещения РК".into(),
    );
    b.user("national.analyst.1".into(), Role::Analyst, ministry, 0.3);
    let contact = b.org(
        OrganisationKind::ContactCentre,
        capital,
        None,
        org_name(OrganisationKind::ContactCentre, "", 0),
    );
    b.user(
        "contact111.operator.1".into(),
        Role::Specialist,
        contact,
        0.3,
    );

    for (r, region) in REGIONS.iter().enumerate() {
        let code = region.code.to_lowercase();
        let russian = region.russian_share;
        let department = b.org(
            OrganisationKind::ChildRightsDepartment,
            r,
            None,
            org_name(OrganisationKind::ChildRightsDepartment, region.name_ru, 0),
        );
        let mut staff = RegionStaff {
            department,
            ..RegionStaff::default()
        };
        let supervisors = if small {
            1
        } else if region.code == "KZ-75" || region.code == "KZ-71" || region.code == "KZ-79" {
            3
        } else {
            2
        };
        for n in 1..=supervisors {
            let u = b.user(
                format!("{code}.supervisor.{n}"),
                Role::Supervisor,
                department,
                russian,
            );
            staff.supervisors.push(u);
        }
        for n in 1..=managers[r].max(1) {
            let u = b.user(
                format!("{code}.manager.{n:03}"),
                Role::CaseManager,
                department,
                russian,
            );
            staff.managers.push(u);
        }
        let analyst = b.user(
            format!("{code}.analyst.1"),
            Role::Analyst,
            department,
            russian,
        );
        staff.analysts.push(analyst);
        for kind in REGION_KINDS {
            let org = b.org(kind, r, None, org_name(kind, region.name_ru, 0));
            let count = if kind == OrganisationKind::PsychologicalSupportCentre && !small {
                3
            } else {
                1
            };
            for n in 1..=count {
                let u = b.user(
                    format!("{code}.{}.{n}", slug(kind)),
                    Role::Specialist,
                    org,
                    russian,
                );
                b.world.specialists[org].push(u);
            }
        }
        b.world.regions.push(staff);
    }
    for (d, district) in geo.districts.iter().enumerate() {
        let code = district.code.to_lowercase();
        let russian = REGIONS[district.region].russian_share;
        let mut staff = DistrictStaff::default();
        for (kind, count) in DISTRICT_KINDS {
            for n in 0..count {
                let org = b.org(
                    kind,
                    district.region,
                    Some(d),
                    org_name(kind, &district.name_ru, n),
                );
                match kind {
                    OrganisationKind::FamilySupportCentre => {
                        staff.intake = b.user(
                            format!("{code}.intake.1"),
                            Role::IntakeCoordinator,
                            org,
                            russian,
                        );
                    }
                    OrganisationKind::MobileGroup => {
                        for m in 1..=if small { 1 } else { 2 } {
                            let u = b.user(
                                format!("{code}.mobile.{m}"),
                                Role::MobileGroupMember,
                                org,
                                russian,
                            );
                            staff.mobile.push(u);
                        }
                        continue;
                    }
                    _ => {}
                }
                let suffix = if count > 1 {
                    format!("{}{}", slug(kind), n + 1)
                } else {
                    slug(kind).to_string()
                };
                let u = b.user(format!("{code}.{suffix}.1"), Role::Specialist, org, russian);
                b.world.specialists[org].push(u);
            }
        }
        b.world.districts.push(staff);
    }
    let mut world = b.world;
    world.nearest = geo
        .districts
        .iter()
        .enumerate()
        .map(|(d, district)| {
            OrganisationKind::ALL
                .iter()
                .map(|kind| world.find_nearest(*kind, district.region, d))
                .collect()
        })
        .collect();
    world
}

impl World {
    /// The organisation of `kind` nearest a child of `district`.
    pub fn nearest(&self, kind: OrganisationKind, district: usize) -> Option<usize> {
        let k = OrganisationKind::ALL.iter().position(|x| *x == kind)?;
        self.nearest[district][k]
    }

    /// As `routing::nearest_organisation` finds it: the oldest of the kind in the district, else
    /// the oldest in the region.
    fn find_nearest(
        &self,
        kind: OrganisationKind,
        region: usize,
        district: usize,
    ) -> Option<usize> {
        self.orgs
            .iter()
            .position(|o| o.kind == kind && o.district == Some(district))
            .or_else(|| {
                self.orgs
                    .iter()
                    .position(|o| o.kind == kind && o.region == region)
            })
    }

    /// A private address per account, so that the audit log's `ip` tells people apart.
    pub fn ip(&self, user: usize) -> String {
        let org = &self.orgs[self.users[user].org];
        format!(
            "10.{}.{}.{}",
            org.region + 1,
            user / 250 % 250,
            user % 250 + 1
        )
    }
}
