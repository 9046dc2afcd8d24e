//! The console's lists — my tasks, the notifications, the triage queue, my cases: each a
//! [`ListPage`] read through its list's use case, 50 a page, with the link to the next.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::labels::{Lang, Ui};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Items on one page of a console list.
pub const PAGE_SIZE: i64 = 50;

/// The page of a list asked for.
#[derive(serde::Deserialize)]
pub struct Cursor {
    pub cursor: Option<String>,
}

impl Cursor {
    pub fn params(&self) -> ListParams {
        ListParams {
            limit: Some(PAGE_SIZE),
            cursor: self.cursor.clone(),
        }
    }
}

/// A list as a page shows it, or why not.
pub type Listed = Result<Markup, ConsoleError>;

/// A page listing records, at `GET` [`page`].
pub trait ListPage {
    /// What the page is asked: the cursor of the page, and the list's filters.
    type Query: DeserializeOwned + 'static;

    /// The page's entry of the navigation, and its title.
    const NAV: (Nav, Ui);

    /// The list, read through its use case as `signed`.
    async fn list(state: &AppState, signed: &Signed, query: Self::Query) -> Listed;
}

/// `GET` of a list page.
pub async fn page<L: ListPage>(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<L::Query>,
) -> Result<HttpResponse, ConsoleError> {
    let body = L::list(&state, &signed, query.into_inner()).await?;
    let (nav, title) = L::NAV;
    Ok(layout::render(
        &signed,
        &req,
        nav,
        signed.lang.t(title),
        body,
    ))
}

/// A list with how many it has in all, and the links to its pages.
pub fn counted<T>(
    lang: Lang,
    label: Ui,
    total: i64,
    rows: Markup,
    path: &str,
    list: &List<T>,
) -> Markup {
    html! {
        @if !list.items.is_empty() { p { (lang.t(label)) ": " strong { (total) } } }
        (rows)
        @if !list.items.is_empty() { (more(lang, path, &list.next_cursor)) }
    }
}

/// The link to the next page, and back to the first.
pub fn more(lang: Lang, path: &str, next: &Option<String>) -> Markup {
    let joiner = if path.contains('?') { '&' } else { '?' };
    html! {
        nav.pages aria-label=(lang.t(Ui::Pages)) {
            a href=(path) { (lang.t(Ui::FirstPage)) }
            @if let Some(cursor) = next {
                " " a rel="next" href=(format!("{path}{joiner}cursor={cursor}")) { (lang.t(Ui::NextPage)) }
            }
        }
    }
}
