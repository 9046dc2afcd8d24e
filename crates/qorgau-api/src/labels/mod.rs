//! The one catalogue of labels, in Kazakh, Russian and English: the console's own texts
//! ([`Ui`]) and the label of every code of every vocabulary of the domain (`codes`). The
//! console renders from it; API clients read it whole from `GET /api/v1/labels?lang=kk`.
//!
//! The language of a request: the user's choice (the `qorgau_lang` cookie the console's
//! language form sets), else the best of `Accept-Language` that is one of the three, else
//! Kazakh.

mod codes;
mod ui;

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::Serialize;
use utoipa::ToSchema;

pub use ui::Ui;

/// The languages of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Kk,
    Ru,
    En,
}

/// In the OpenAPI document, the codes `lang=` takes (any case, as `from_code` reads them).
impl utoipa::PartialSchema for Lang {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(Lang::ALL.map(Lang::code)))
            .into()
    }
}

impl ToSchema for Lang {}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    /// The BCP 47 tag (`kk`, `ru`, `en`), as `lang=` and `<html lang>` take it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The language's own name, as a language menu shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Kk => "Қазақша",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// A console text in this language.
    pub fn t(self, text: Ui) -> &'static str {
        text.texts()[self.index()]
    }

    /// The label of `code` of `vocabulary` (`"concern"`, `"neglect"`); the code itself for a
    /// code the catalogue lacks (the test `every_code_has_three_labels` keeps that from
    /// happening).
    pub fn code_label<'a>(self, vocabulary: &str, code: &'a str) -> &'a str {
        INDEX
            .get(&(vocabulary, code))
            .map_or(code, |labels| labels[self.index()])
    }

    /// The language of a request (see the module documentation).
    pub fn of_request(req: &HttpRequest) -> Lang {
        cookie(req, LANG_COOKIE)
            .and_then(|c| Lang::from_code(&c))
            .or_else(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(from_accept_language)
            })
            .unwrap_or(Lang::Kk)
    }
}

/// The cookie holding the user's choice of language.
pub const LANG_COOKIE: &str = "qorgau_lang";

/// The value of cookie `name` of the request, if sent.
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().to_string())
}

/// The most preferred of our languages in an `Accept-Language` value (`ru-RU,ru;q=0.9,en;q=0.8`),
/// by quality, then order; `None` when it names none of them.
pub fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("");
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::from_code(primary)
            && quality > 0.0
            && best.is_none_or(|(q, _)| quality > q)
        {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A code and its labels [kk, ru, en].
type Entry = (&'static str, [&'static str; 3]);

/// Every vocabulary's labels: those of `codes`, and the notification kinds' words of the domain.
static VOCABULARIES: LazyLock<Vec<(&'static str, Vec<Entry>)>> = LazyLock::new(|| {
    use qorgau_domain::notification::NotificationKind;
    let mut vocabularies: Vec<(&'static str, Vec<Entry>)> = Vec::new();
    for &(vocabulary, code, labels) in codes::CODES {
        match vocabularies.iter_mut().find(|(v, _)| *v == vocabulary) {
            Some((_, entries)) => entries.push((code, labels)),
            None => vocabularies.push((vocabulary, vec![(code, labels)])),
        }
    }
    let notifications = NotificationKind::ALL
        .iter()
        .map(|k| {
            let (kk, ru, en) = k.words();
            (k.as_str(), [kk, ru, en])
        })
        .collect();
    vocabularies.push(("notification_kind", notifications));
    vocabularies
});

/// (vocabulary, code) → its three labels.
static INDEX: LazyLock<HashMap<(&'static str, &'static str), [&'static str; 3]>> =
    LazyLock::new(|| {
        VOCABULARIES
            .iter()
            .flat_map(|(vocabulary, entries)| {
                entries
                    .iter()
                    .map(move |(code, labels)| ((*vocabulary, *code), *labels))
            })
            .collect()
    });

/// The whole catalogue in one language (`GET /api/v1/labels`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalogue {
    /// `kk`, `ru` or `en`.
    #[schema(value_type = Lang)]
    pub lang: &'static str,
    /// The console's texts by key (`sign_in`, `nav_cases`…).
    pub ui: BTreeMap<&'static str, &'static str>,
    /// Vocabulary (`concern`, `case_status`, `risk_level`…) → code → label.
    pub codes: BTreeMap<&'static str, BTreeMap<&'static str, &'static str>>,
}

impl Catalogue {
    pub fn of(lang: Lang) -> Catalogue {
        let i = lang.index();
        Catalogue {
            lang: lang.code(),
            ui: Ui::ALL.iter().map(|t| (t.key(), t.texts()[i])).collect(),
            codes: VOCABULARIES
                .iter()
                .map(|(vocabulary, entries)| {
                    let labels = entries.iter().map(|(code, l)| (*code, l[i])).collect();
                    (*vocabulary, labels)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every code of every vocabulary the domain declares (read from the domain, so that a new
    /// code — or a new vocabulary — without its labels fails here) has a label in each language.
    #[test]
    fn every_code_has_three_labels() {
        let mut missing = Vec::new();
        for vocabulary in qorgau_domain::vocabulary::all() {
            for code in &vocabulary.codes {
                let labels = INDEX.get(&(vocabulary.name, *code));
                for lang in Lang::ALL {
                    if labels.is_none_or(|l| l[lang.index()].trim().is_empty()) {
                        missing.push(format!("{}.{code} ({})", vocabulary.name, lang.code()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "labels missing: {missing:?}");
    }

    /// …and the catalogue labels nothing the domain does not declare (a renamed code).
    #[test]
    fn every_label_is_of_a_code() {
        let declared: BTreeSet<(&str, &str)> = qorgau_domain::vocabulary::all()
            .into_iter()
            .flat_map(|v| v.codes.into_iter().map(move |c| (v.name, c)))
            .collect();
        let labelled: Vec<(&str, &str)> = VOCABULARIES
            .iter()
            .flat_map(|(v, entries)| entries.iter().map(move |(c, _)| (*v, *c)))
            .collect();
        let stray: Vec<_> = labelled.iter().filter(|k| !declared.contains(k)).collect();
        assert!(stray.is_empty(), "labels of no code: {stray:?}");
        assert_eq!(labelled.len(), INDEX.len(), "a code labelled twice");
    }

    #[test]
    fn every_console_text_is_in_three_languages() {
        let keys: BTreeSet<_> = Ui::ALL.iter().map(|t| t.key()).collect();
        assert_eq!(keys.len(), Ui::ALL.len(), "a key used twice");
        for text in Ui::ALL {
            for lang in Lang::ALL {
                assert!(
                    !lang.t(*text).trim().is_empty(),
                    "{} {}",
                    text.key(),
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn accept_language_picks_the_best_of_ours() {
        assert_eq!(
            from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Ru)
        );
        assert_eq!(
            from_accept_language("de-DE,en;q=0.5,kk;q=0.7"),
            Some(Lang::Kk)
        );
        assert_eq!(from_accept_language("en-GB"), Some(Lang::En));
        assert_eq!(from_accept_language("de, fr;q=0.5"), None);
        assert_eq!(from_accept_language("ru;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn labels_are_looked_up_and_unknown_codes_shown_as_they_are() {
        assert_eq!(Lang::Ru.code_label("risk_level", "critical"), "Критический");
        assert_eq!(
            Lang::En.code_label("case_status", "in_progress"),
            "In progress"
        );
        assert_eq!(
            Lang::Kk.code_label("concern", "no_such_code"),
            "no_such_code"
        );
        let catalogue = Catalogue::of(Lang::Kk);
        assert_eq!(catalogue.codes["concern"]["neglect"], "Қараусыз қалдыру");
        assert_eq!(catalogue.ui["sign_in"], "Кіру");
    }
}
