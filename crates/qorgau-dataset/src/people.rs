//! Kazakh and Russian names (Cyrillic, as they are written in Kazakhstan's registers), with the
//! spelling-tolerant keys the registry stores next to them, computed once per name.

use qorgau_domain::iin::Sex;
use qorgau_domain::names::name_key;

use super::random::Gen;

const KAZAKH_BOYS: &[&str] = &[
    "Нұрлан",
    "Асқар",
    "Ерлан",
    "Дәурен",
    "Айбек",
    "Арман",
    "Бауыржан",
    "Ержан",
    "Нұрсұлтан",
    "Алихан",
    "Дамир",
    "Ислам",
    "Темірлан",
    "Санжар",
    "Ернар",
    "Мирас",
    "Алдияр",
    "Жандос",
    "Бекзат",
    "Нұрислам",
    "Айсұлтан",
    "Әли",
    "Омар",
    "Рамазан",
    "Ерасыл",
    "Абылай",
    "Ақжол",
    "Мағжан",
    "Данияр",
    "Аслан",
];

const KAZAKH_GIRLS: &[&str] = &[
    "Айгерім",
    "Айдана",
    "Аружан",
    "Әсел",
    "Жансая",
    "Мадина",
    "Гүлназ",
    "Дана",
    "Айлин",
    "Томирис",
    "Інжу",
    "Сабина",
    "Амина",
    "Аяла",
    "Камила",
    "Жасмин",
    "Аиша",
    "Меруерт",
    "Дильназ",
    "Назерке",
    "Ақбота",
    "Балжан",
    "Анель",
    "Самал",
    "Еркежан",
    "Жұлдыз",
    "Айым",
    "Аяулым",
];

/// Kazakh family names in their masculine form; the feminine adds «а».
const KAZAKH_FAMILY: &[&str] = &[
    "Ахметов",
    "Сейітов",
    "Омаров",
    "Қасымов",
    "Жақсылықов",
    "Нұрланов",
    "Серікбаев",
    "Әбенов",
    "Бекмұхамедов",
    "Тоқтаров",
    "Исаев",
    "Мұратов",
    "Жұмабаев",
    "Сәрсенбаев",
    "Ермеков",
    "Қалиев",
    "Байжанов",
    "Тұрсынов",
    "Смағұлов",
    "Оспанов",
    "Әлиев",
    "Есенов",
    "Кенжебаев",
    "Абдрахманов",
    "Сұлтанов",
    "Құдайбергенов",
    "Төлеуов",
    "Ибраев",
    "Жаксыбеков",
    "Мамыров",
];

/// Kazakh fathers' names, for the patronymic «…ұлы» / «…қызы».
const KAZAKH_FATHERS: &[&str] = &[
    "Нұрлан",
    "Серік",
    "Болат",
    "Ерлан",
    "Қайрат",
    "Марат",
    "Бауыржан",
    "Ержан",
    "Талғат",
    "Асхат",
    "Руслан",
    "Дәулет",
    "Ғалым",
    "Нұржан",
    "Бақыт",
    "Мұрат",
    "Самат",
    "Жанат",
];

const RUSSIAN_BOYS: &[&str] = &[
    "Александр",
    "Дмитрий",
    "Максим",
    "Иван",
    "Артём",
    "Михаил",
    "Никита",
    "Кирилл",
    "Егор",
    "Андрей",
    "Даниил",
    "Роман",
    "Сергей",
    "Владимир",
    "Тимофей",
    "Матвей",
    "Алексей",
    "Илья",
];

const RUSSIAN_GIRLS: &[&str] = &[
    "Анастасия",
    "Мария",
    "Дарья",
    "Анна",
    "Виктория",
    "Полина",
    "Елизавета",
    "Софья",
    "Екатерина",
    "Алина",
    "Ксения",
    "Варвара",
    "Вероника",
    "Алёна",
    "Ульяна",
    "Татьяна",
];

/// Russian family names in their masculine form; the feminine adds «а».
const RUSSIAN_FAMILY: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Макаров",
    "Захаров",
    "Зайцев",
];

/// Russian patronymics (son, daughter).
const RUSSIAN_PATRONYMICS: &[(&str, &str)] = &[
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Владимирович", "Владимировна"),
    ("Николаевич", "Николаевна"),
    ("Викторович", "Викторовна"),
    ("Игоревич", "Игоревна"),
    ("Олегович", "Олеговна"),
    ("Юрьевич", "Юрьевна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Михайлович", "Михайловна"),
];

const STREETS: &[&str] = &[
    "ул. Абая",
    "ул. Достык",
    "пр. Республики",
    "ул. Сейфуллина",
    "ул. Толе би",
    "ул. Кунаева",
    "мкр. Самал",
    "ул. Желтоксан",
    "ул. Байтурсынова",
    "ул. Гагарина",
    "ул. Мира",
    "пр. Назарбаева",
    "ул. Ауэзова",
    "ул. Пушкина",
    "мкр. Жетысу",
    "ул. Жамбыла",
];

/// A name with its registry key.
pub struct Name {
    pub text: String,
    pub key: String,
}

impl Name {
    fn new(text: String) -> Name {
        Name {
            key: name_key(&text),
            text,
        }
    }
}

/// Given names and family names of one tradition, with both sexes' forms.
struct Tradition {
    boys: Vec<Name>,
    girls: Vec<Name>,
    /// (masculine, feminine)
    family: Vec<(Name, Name)>,
    /// (son's, daughter's)
    patronymics: Vec<(String, String)>,
}

impl Tradition {
    fn new(
        boys: &[&str],
        girls: &[&str],
        family: &[&str],
        patronymics: Vec<(String, String)>,
    ) -> Tradition {
        let names = |list: &[&str]| list.iter().map(|n| Name::new(n.to_string())).collect();
        Tradition {
            boys: names(boys),
            girls: names(girls),
            family: family
                .iter()
                .map(|f| (Name::new(f.to_string()), Name::new(format!("{f}а"))))
                .collect(),
            patronymics,
        }
    }
}

/// The names the dataset draws from.
pub struct NameBook {
    kazakh: Tradition,
    russian: Tradition,
}

/// A person's name as indexes into the [`NameBook`]: a million children fit in a few bytes each.
#[derive(Clone, Copy)]
pub struct PersonName {
    russian: bool,
    sex: Sex,
    given: u16,
    family: u16,
    patronymic: u16,
}

impl NameBook {
    pub fn new() -> NameBook {
        let kazakh_patronymics = KAZAKH_FATHERS
            .iter()
            .map(|f| (format!("{f}ұлы"), format!("{f}қызы")))
            .collect();
        let russian_patronymics = RUSSIAN_PATRONYMICS
            .iter()
            .map(|(s, d)| (s.to_string(), d.to_string()))
            .collect();
        NameBook {
            kazakh: Tradition::new(KAZAKH_BOYS, KAZAKH_GIRLS, KAZAKH_FAMILY, kazakh_patronymics),
            russian: Tradition::new(
                RUSSIAN_BOYS,
                RUSSIAN_GIRLS,
                RUSSIAN_FAMILY,
                russian_patronymics,
            ),
        }
    }

    fn tradition(&self, russian: bool) -> &Tradition {
        if russian { &self.russian } else { &self.kazakh }
    }

    pub fn draw(&self, rng: &mut Gen, sex: Sex, russian_share: f64) -> PersonName {
        let russian = rng.chance(russian_share);
        let t = self.tradition(russian);
        let given = match sex {
            Sex::Male => t.boys.len(),
            Sex::Female => t.girls.len(),
        };
        PersonName {
            russian,
            sex,
            given: rng.below(given) as u16,
            family: rng.below(t.family.len()) as u16,
            patronymic: rng.below(t.patronymics.len()) as u16,
        }
    }

    pub fn given(&self, p: PersonName) -> &Name {
        let t = self.tradition(p.russian);
        match p.sex {
            Sex::Male => &t.boys[usize::from(p.given)],
            Sex::Female => &t.girls[usize::from(p.given)],
        }
    }

    pub fn family(&self, p: PersonName) -> &Name {
        let (m, f) = &self.tradition(p.russian).family[usize::from(p.family)];
        match p.sex {
            Sex::Male => m,
            Sex::Female => f,
        }
    }

    pub fn patronymic(&self, p: PersonName) -> &str {
        let (son, daughter) = &self.tradition(p.russian).patronymics[usize::from(p.patronymic)];
        match p.sex {
            Sex::Male => son,
            Sex::Female => daughter,
        }
    }

    /// «Family Given», the way staff lists and relations are written.
    pub fn full(&self, p: PersonName) -> String {
        format!("{} {}", self.family(p).text, self.given(p).text)
    }

    /// A parent of the child: the same family name, the given sex.
    pub fn parent(&self, rng: &mut Gen, child: PersonName, sex: Sex) -> String {
        let mut parent = child;
        parent.sex = sex;
        let t = self.tradition(child.russian);
        parent.given = rng.below(match sex {
            Sex::Male => t.boys.len(),
            Sex::Female => t.girls.len(),
        }) as u16;
        self.full(parent)
    }
}

/// A street address in the child's district.
pub fn address(rng: &mut Gen, district: &str) -> String {
    format!(
        "{district}, {}, д. {}, кв. {}",
        rng.pick(STREETS),
        1 + rng.below(180),
        1 + rng.below(120)
    )
}

/// A Kazakhstan mobile number.
pub fn phone(rng: &mut Gen) -> String {
    let operator = *rng.pick(&[701, 702, 705, 707, 747, 771, 775, 777, 778]);
    format!(
        "+7 {operator} {:03} {:02} {:02}",
        rng.below(1000),
        rng.below(100),
        rng.below(100)
    )
}
