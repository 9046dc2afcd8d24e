//! The 20 regions and ~220 districts of the dataset, and how children spread over them.
//!
//! Weights: the number of children (0–17) living in each region, in thousands, rounded from the
//! Bureau of National Statistics' population estimates by age and region at the start of 2024
//! (stat.gov.kz, "Численность населения по полу и возрастным группам"; 6.4 M in all, against the
//! 6.9 M of the seed's l. 96, which counts to the end of 2025), multiplied by 2 for the three
//! cities of republican significance. The factor stands for reporting density: the 111 contact
//! centre, QR-111 self-referrals, schools' psychologists and the mobile groups reach urban
//! children far more often, so the cities carry more signals and cases per child than their
//! population alone would give — and Almaty, Astana and Shymkent come out largest, as the
//! target demands (targets.md § Dataset).
//!
//! Districts: the number of districts and cities of regional significance per region (about 220
//! in all, seed l. 317); the regional centre's district is weighted 4 against 1 for the others.
//! Real names are used for the city districts and the regional centres, numbered names elsewhere.

use super::random::{Gen, Weighted};

pub struct Region {
    pub code: &'static str,
    /// The Russian name, for organisations' names.
    pub name_ru: &'static str,
    /// Children (0–17), thousands, before the city factor.
    children_k: f64,
    city: bool,
    /// Share of children from Russian-speaking families, for names.
    pub russian_share: f64,
    /// Named districts (kk, ru, en), then numbered ones up to `districts`.
    named: &'static [(&'static str, &'static str, &'static str)],
    districts: usize,
}

const fn region(
    code: &'static str,
    name_ru: &'static str,
    children_k: f64,
    city: bool,
    russian_share: f64,
    named: &'static [(&'static str, &'static str, &'static str)],
    districts: usize,
) -> Region {
    Region {
        code,
        name_ru,
        children_k,
        city,
        russian_share,
        named,
        districts,
    }
}

pub const REGIONS: [Region; 20] = [
    region(
        "KZ-10",
        "Абайская область",
        170.0,
        false,
        0.20,
        &[("Семей", "Семей", "Semey")],
        11,
    ),
    region(
        "KZ-11",
        "Акмолинская область",
        210.0,
        false,
        0.40,
        &[("Көкшетау", "Кокшетау", "Kokshetau")],
        19,
    ),
    region(
        "KZ-15",
        "Актюбинская область",
        315.0,
        false,
        0.12,
        &[("Ақтөбе", "Актобе", "Aktobe")],
        13,
    ),
    region(
        "KZ-19",
        "Алматинская область",
        510.0,
        false,
        0.10,
        &[("Қонаев", "Конаев", "Konaev")],
        11,
    ),
    region(
        "KZ-23",
        "Атырауская область",
        265.0,
        false,
        0.05,
        &[("Атырау", "Атырау", "Atyrau")],
        8,
    ),
    region(
        "KZ-27",
        "Западно-Казахстанская область",
        205.0,
        false,
        0.25,
        &[("Орал", "Уральск", "Oral")],
        13,
    ),
    region(
        "KZ-31",
        "Жамбылская область",
        440.0,
        false,
        0.08,
        &[("Тараз", "Тараз", "Taraz")],
        11,
    ),
    region(
        "KZ-33",
        "Область Жетісу",
        220.0,
        false,
        0.15,
        &[("Талдықорған", "Талдыкорган", "Taldykorgan")],
        10,
    ),
    region(
        "KZ-35",
        "Карагандинская область",
        305.0,
        false,
        0.40,
        &[("Қарағанды", "Караганда", "Karaganda")],
        13,
    ),
    region(
        "KZ-39",
        "Костанайская область",
        190.0,
        false,
        0.45,
        &[("Қостанай", "Костанай", "Kostanay")],
        18,
    ),
    region(
        "KZ-43",
        "Кызылординская область",
        330.0,
        false,
        0.03,
        &[("Қызылорда", "Кызылорда", "Kyzylorda")],
        8,
    ),
    region(
        "KZ-47",
        "Мангистауская область",
        310.0,
        false,
        0.05,
        &[("Ақтау", "Актау", "Aktau")],
        7,
    ),
    region(
        "KZ-55",
        "Павлодарская область",
        185.0,
        false,
        0.40,
        &[("Павлодар", "Павлодар", "Pavlodar")],
        13,
    ),
    region(
        "KZ-59",
        "Северо-Казахстанская область",
        115.0,
        false,
        0.50,
        &[("Петропавл", "Петропавловск", "Petropavl")],
        14,
    ),
    region(
        "KZ-61",
        "Туркестанская область",
        840.0,
        false,
        0.02,
        &[("Түркістан", "Туркестан", "Turkistan")],
        17,
    ),
    region(
        "KZ-62",
        "Область Ұлытау",
        65.0,
        false,
        0.20,
        &[("Жезқазған", "Жезказган", "Zhezkazgan")],
        6,
    ),
    region(
        "KZ-63",
        "Восточно-Казахстанская область",
        180.0,
        false,
        0.45,
        &[("Өскемен", "Усть-Каменогорск", "Oskemen")],
        11,
    ),
    region(
        "KZ-71",
        "город Астана",
        450.0,
        true,
        0.20,
        &[
            ("Алматы ауданы", "район Алматы", "Almaty district"),
            ("Байқоңыр ауданы", "район Байконур", "Baikonur district"),
            ("Есіл ауданы", "район Есиль", "Yesil district"),
            ("Сарыарқа ауданы", "район Сарыарка", "Saryarka district"),
            ("Нұра ауданы", "район Нура", "Nura district"),
        ],
        5,
    ),
    region(
        "KZ-75",
        "город Алматы",
        620.0,
        true,
        0.30,
        &[
            ("Алатау ауданы", "Алатауский район", "Alatau district"),
            ("Алмалы ауданы", "Алмалинский район", "Almaly district"),
            ("Әуезов ауданы", "Ауэзовский район", "Auezov district"),
            (
                "Бостандық ауданы",
                "Бостандыкский район",
                "Bostandyk district",
            ),
            ("Жетісу ауданы", "Жетысуский район", "Zhetysu district"),
            ("Медеу ауданы", "Медеуский район", "Medeu district"),
            (
                "Наурызбай ауданы",
                "Наурызбайский район",
                "Nauryzbay district",
            ),
            ("Түрксіб ауданы", "Турксибский район", "Turksib district"),
        ],
        8,
    ),
    region(
        "KZ-79",
        "город Шымкент",
        480.0,
        true,
        0.08,
        &[
            ("Абай ауданы", "Абайский район", "Abai district"),
            ("Әл-Фараби ауданы", "район Аль-Фараби", "Al-Farabi district"),
            ("Еңбекші ауданы", "Енбекшинский район", "Enbekshi district"),
            ("Қаратау ауданы", "Каратауский район", "Karatau district"),
            ("Тұран ауданы", "район Туран", "Turan district"),
        ],
        5,
    ),
];

/// The cities' reporting factor (see the module documentation).
const CITY_FACTOR: f64 = 2.0;
/// The regional centre's weight against 1 for each other district of an oblast.
const CENTRE_WEIGHT: f64 = 4.0;

pub struct District {
    pub code: String,
    pub region: usize,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
}

pub struct Geography {
    pub districts: Vec<District>,
    /// Per region, the indexes of its districts.
    pub by_region: Vec<Vec<usize>>,
    regions: Weighted<usize>,
    district_weights: Vec<Weighted<usize>>,
}

impl Geography {
    pub fn new() -> Geography {
        let mut districts = Vec::new();
        let mut by_region = Vec::new();
        let mut district_weights = Vec::new();
        for (r, region) in REGIONS.iter().enumerate() {
            let mut mine = Vec::new();
            let mut weights = Vec::new();
            for n in 1..=region.districts {
                let (kk, ru, en) = match region.named.get(n - 1) {
                    Some((kk, ru, en)) => (kk.to_string(), ru.to_string(), en.to_string()),
                    None => (
                        format!("{n}-аудан"),
                        format!("Район {n}"),
                        format!("District {n}"),
                    ),
                };
                let weight = if region.city || n > 1 {
                    1.0
                } else {
                    CENTRE_WEIGHT
                };
                weights.push((districts.len(), weight));
                mine.push(districts.len());
                districts.push(District {
                    code: format!("{}-{n:02}", region.code),
                    region: r,
                    name_kk: kk,
                    name_ru: ru,
                    name_en: en,
                });
            }
            by_region.push(mine);
            district_weights.push(Weighted::new(&weights));
        }
        let regions: Vec<(usize, f64)> = REGIONS
            .iter()
            .enumerate()
            .map(|(r, region)| (r, region.weight()))
            .collect();
        Geography {
            districts,
            by_region,
            regions: Weighted::new(&regions),
            district_weights,
        }
    }

    /// A district drawn by the weights above.
    pub fn draw_district(&self, rng: &mut Gen) -> usize {
        let region = self.regions.draw(rng);
        self.district_weights[region].draw(rng)
    }

    pub fn region_of(&self, district: usize) -> &'static Region {
        &REGIONS[self.districts[district].region]
    }
}

impl Region {
    fn weight(&self) -> f64 {
        self.children_k * if self.city { CITY_FACTOR } else { 1.0 }
    }
}

/// The index of a region code.
pub fn region_index(code: &str) -> Option<usize> {
    REGIONS.iter().position(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_220_districts_and_the_three_cities_largest() {
        let geo = Geography::new();
        assert!((215..=225).contains(&geo.districts.len()));
        let mut shares: Vec<(f64, &str)> = REGIONS.iter().map(|r| (r.weight(), r.code)).collect();
        shares.sort_by(|a, b| b.0.total_cmp(&a.0));
        let top: Vec<&str> = shares.iter().take(3).map(|s| s.1).collect();
        assert_eq!(top, ["KZ-75", "KZ-79", "KZ-71"]);
        assert!(geo.districts.iter().all(|d| d.code.starts_with("KZ-")));
    }
}
