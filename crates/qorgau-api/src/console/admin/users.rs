//! Users (`/console/admin/users?q=&role=&region_code=&active=&organisation_id=`): the staff
//! directory with its filters, 50 a page, through `GET /users`' use case; the form that creates
//! a user with a role in an organisation (`POST /console/admin/users` — `POST /users`' use case,
//! once per retry key); and each row's buttons: deactivate (`POST …/users/{id}/deactivate` —
//! `POST /users/{id}/deactivate`'s) and reset the password (`POST …/users/{id}/password-reset`
//! — `POST /users/{id}/password-reset`'s, a temporary password generated and shown on the
//! answer's page, that once, never stored in a page to come back to).

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::accounts::{Account, NewAccount};
use qorgau_app::organisations;
use qorgau_app::users::{self, Operator, UserSearch};
use qorgau_app::{App, AppError, Caller};
use qorgau_domain::access::Action;
use qorgau_domain::ids::{OrganisationId, UserId};
use qorgau_domain::role::Role;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::geography::{DistrictRow, RegionRow};
use qorgau_persistence::organisations::{OrganisationFilter, OrganisationRow};
use qorgau_persistence::{DbConnection, Page};
use serde::Deserialize;
use uuid::Uuid;

use super::{AdminPage, Target, may, path_with, region_options, regions, some};
use crate::console::fields::Fields;
use crate::console::form::{self, Command, FormPage, Said, Sent, View};
use crate::console::layout::{self, Nav};
use crate::console::listing::{Cursor, more};
use crate::console::session::{ConsoleError, Signed};
use crate::console::values::{Values, new_retry};
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::list::{List, paginate};
use crate::state::AppState;

/// The create form's name, and the last segment of the page's path.
pub const FORM: &str = "users";
/// A row's forms: the last segment of their paths.
pub const DEACTIVATE: &str = "deactivate";
pub const RESET: &str = "password-reset";

const PATH: &str = "/console/admin/users";

/// Organisations of a region the create form offers at most (a region of the national dataset
/// has about 100–200; the page stays under 100 KB with 300 and 50 users).
const ORGANISATIONS: i64 = 300;

/// The filters of the list (empty: none), and its page.
#[derive(Deserialize, Default)]
pub struct Query {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    region_code: String,
    /// `true`: active accounts only; `false`: deactivated ones only.
    #[serde(default)]
    active: String,
    #[serde(default)]
    organisation_id: String,
    cursor: Option<String>,
}

impl Query {
    fn search(&self) -> Result<UserSearch, ApiError> {
        let organisation_id = match some(&self.organisation_id) {
            Some(id) => Some(OrganisationId(id.parse().map_err(|_| {
                ApiError::invalid("organisation_id", "is not an organisation id")
            })?)),
            None => None,
        };
        Ok(UserSearch {
            organisation_id,
            role: some(&self.role),
            region_code: some(&self.region_code),
            district_code: None,
            active: match self.active.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            q: some(&self.q),
        })
    }
}

/// A password just reset: whose, and the temporary one, to show this once.
struct Reset {
    username: String,
    password: String,
}

pub struct Users {
    query: Query,
    list: List<Account>,
    regions: Vec<(RegionRow, Vec<DistrictRow>)>,
    /// The region whose organisations the create form offers: the filter's, else the
    /// administrator's own.
    region: String,
    organisations: Vec<OrganisationRow>,
    reset: Option<Reset>,
}

impl AdminPage for Users {
    type Query = Query;
    const CREATE: &'static str = FORM;

    fn read_with(
        conn: &mut DbConnection,
        _: &App,
        caller: &Caller,
        query: Query,
    ) -> Result<Users, ApiError> {
        may(caller, Action::CreateUser)?;
        let cursor = Cursor {
            cursor: query.cursor.clone(),
        };
        let page = cursor.params().page()?;
        let rows = users::list(conn, caller, query.search()?, &page)?;
        let region = some(&query.region_code).unwrap_or_else(|| caller.actor.region_code.clone());
        let offered = OrganisationFilter {
            kind: None,
            region_code: Some(region.clone()),
        };
        let first = Page {
            after: None,
            limit: ORGANISATIONS,
        };
        Ok(Users {
            list: paginate(rows, &page, |a| &a.user.id, |a| a),
            regions: regions(conn, caller)?,
            organisations: organisations::list(conn, caller, &offered, &first)?,
            region,
            query,
            reset: None,
        })
    }
}

impl FormPage for Users {
    type Id = Target;

    fn path(_: Target) -> String {
        PATH.into()
    }

    fn read(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        _: Target,
    ) -> Result<Users, ApiError> {
        Self::read_with(conn, app, caller, Query::default())
    }

    /// The create form offers again the organisations of the region it was made with.
    fn read_again(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        _: Target,
        sent: &Values,
    ) -> Result<Users, ApiError> {
        let query = Query {
            region_code: sent.get("region_code").into(),
            ..Query::default()
        };
        Self::read_with(conn, app, caller, query)
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let body = html! {
            (view.notice())
            @if let Some(reset) = &self.reset { (shown_once(lang, reset)) }
            (self.filter(lang))
            (self.table(signed))
            (more(lang, &self.path(), &self.list.next_cursor))
            (self.create_form(signed, view.sent))
        };
        let title = lang.t(Ui::NavAdminUsers);
        layout::render(signed, view.req, Nav::AdminUsers, title, body)
    }

    fn fresh(&self, _: &Signed, _: &str) -> Values {
        self.fresh()
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        Some(match (form, what) {
            (FORM, Said::Saved) => Ui::UserCreated,
            (FORM, _) => Ui::FormErrors,
            (DEACTIVATE, Said::Saved) => Ui::UserDeactivated,
            (DEACTIVATE, _) => Ui::CannotDeactivate,
            _ => return None,
        })
    }

    fn command(
        form: &str,
        _: &Signed,
        target: Target,
        v: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        match (form, target.0) {
            (FORM, None) => Some(Ok(create(v))),
            (DEACTIVATE, Some(id)) => {
                let id = UserId(id);
                Some(Ok(Command::new(move |conn, _, caller| {
                    users::deactivate(conn, &Operator::Caller(caller), id)
                })))
            }
            _ => None,
        }
    }
}

/// The user the form creates, once per retry key (`Idempotency-Key` in the API); the use case
/// checks every field, and a username taken is named as the form's field.
fn create(v: &Values) -> Command {
    let new = NewAccount {
        username: v.get("username").into(),
        full_name: v.get("full_name").into(),
        email: v.some("email"),
        password: v.get("password").into(),
        role: v.get("role").into(),
        organisation_id: v.get("organisation_id").trim().into(),
    };
    Command::new(move |conn, _, caller| {
        users::create(conn, caller, new).map_err(|e| match e {
            AppError::Conflict { .. } => AppError::invalid("username", "is taken"),
            e => e,
        })
    })
    .once(v.retry_key(FORM))
}

/// `POST /console/admin/users/{id}/deactivate`: the form's use case, then the sessions this
/// instance remembers as valid forgotten, to be checked again (as the REST route does).
pub async fn deactivate(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    values: web::Form<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let target = Target::from(id.into_inner());
    let make = |s: &Signed, v: &Values| Users::command(DEACTIVATE, s, target, v);
    let made = form::submitted::<Users>(&signed, values.into_inner(), make)?;
    let form = DEACTIVATE.to_string();
    let answer = form::carry_out::<Users>(&state, &signed, &req, target, form, made).await;
    state.recent_sessions.forget_all();
    answer
}

/// `POST /console/admin/users/{id}/password-reset`: refused without its token (403, nothing
/// done); then `POST /users/{id}/password-reset`'s use case with no password chosen — a
/// temporary one generated, the user's logins ended — and the page, showing it this once (not
/// a 303: it is in no page to come back to; `Cache-Control: no-store`). One's own: 409.
pub async fn reset_password(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    values: web::Form<Values>,
) -> Result<HttpResponse, ConsoleError> {
    signed.check(values.get("csrf"))?;
    let id = UserId(id.into_inner());
    let app = state.app.clone();
    let (mut page, reset) = signed
        .run(&state, move |conn, caller| {
            let reset = match users::reset_password(conn, &Operator::Caller(caller), id, None) {
                Ok(reset) => Some(reset),
                Err(AppError::Conflict { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            Ok((Users::read(conn, &app, caller, Target(None))?, reset))
        })
        .await?;
    state.recent_sessions.forget_all();
    let (notice, status) = match reset {
        Some(reset) => {
            page.reset = Some(Reset {
                username: reset.account.user.username,
                password: reset.temporary_password.unwrap_or_default(),
            });
            (None, StatusCode::OK)
        }
        None => (Some((Ui::CannotResetOwn, true)), StatusCode::CONFLICT),
    };
    let view = View {
        signed: &signed,
        req: &req,
        notice,
        sent: None,
    };
    let mut response = page.render(&view);
    *response.status_mut() = status;
    let no_store = HeaderValue::from_static("no-store");
    response.headers_mut().insert(CACHE_CONTROL, no_store);
    Ok(response)
}

/// The temporary password, and that it is shown only now.
fn shown_once(lang: Lang, reset: &Reset) -> Markup {
    html! {
        section.notice role="status" aria-labelledby="password-reset" {
            h2 #password-reset { (lang.t(Ui::PasswordResetFor)) " " (reset.username) }
            p { (lang.t(Ui::OneTimePassword)) ": " code.secret #one-time-password { (reset.password) } }
            p { (lang.t(Ui::ShownOnce)) }
        }
    }
}

impl Users {
    fn path(&self) -> String {
        let q = &self.query;
        let filters = [
            ("q", q.q.as_str()),
            ("role", &q.role),
            ("region_code", &q.region_code),
            ("active", &q.active),
            ("organisation_id", &q.organisation_id),
        ];
        path_with(PATH, &filters)
    }

    /// The create form as made with the page: a new retry key, the region it offers.
    fn fresh(&self) -> Values {
        Values::default()
            .with("retry", new_retry())
            .with("region_code", self.region.clone())
    }

    fn filter(&self, lang: Lang) -> Markup {
        let q = &self.query;
        let values = Values::default()
            .with("q", q.q.as_str())
            .with("role", q.role.trim())
            .with("region_code", q.region_code.trim())
            .with("active", q.active.trim());
        let f = Fields::new(lang, "filter", (&values, &[]), &[]);
        let roles = Role::ALL.map(Role::as_str);
        let states = [
            ("true", lang.t(Ui::AccountActive)),
            ("false", lang.t(Ui::AccountDeactivated)),
        ];
        html! {
            form.filters method="get" action=(PATH) {
                @if let Some(org) = some(&q.organisation_id) {
                    input type="hidden" name="organisation_id" value=(org);
                }
                (f.input("q", lang.t(Ui::SearchUsers), "search"))
                (f.codes("role", lang.t(Ui::Role), Ui::Any, "role", &roles))
                (f.select("region_code", lang.t(Ui::Region), Ui::Any, region_options(lang, &self.regions)))
                (f.select("active", lang.t(Ui::AccountState), Ui::Any, states))
                p { button type="submit" { (lang.t(Ui::Apply)) } }
            }
        }
    }

    fn table(&self, signed: &Signed) -> Markup {
        let lang = signed.lang;
        let me = signed.caller.actor.user_id;
        let heads = [
            Ui::Username,
            Ui::FullName,
            Ui::Role,
            Ui::Organisation,
            Ui::AccountState,
            Ui::Actions,
        ];
        let button = |id: UserId, form: &str, text: Ui| {
            html! {
                form.inline method="post" action=(format!("{PATH}/{id}/{form}")) {
                    (layout::token(&signed.form_token))
                    button type="submit" { (lang.t(text)) }
                }
            }
        };
        layout::table(lang, "users", &heads, Ui::NoUsers, &self.list.items, |a| {
            let (u, o) = (&a.user, &a.organisation);
            html! { tr {
                td { (u.username) }
                td { (u.full_name) }
                td { (lang.code_label("role", u.role.as_str())) }
                td { (o.name) br; (o.district_code.as_deref().unwrap_or(&o.region_code)) }
                td {
                    @if u.active { (lang.t(Ui::AccountActive)) } @else { (lang.t(Ui::AccountDeactivated)) }
                    @if u.must_change_password { br; span.badge { (lang.t(Ui::MustChoosePassword)) } }
                }
                td {
                    @if u.id != me {
                        @if u.active { (button(u.id, DEACTIVATE, Ui::Deactivate)) " " }
                        (button(u.id, RESET, Ui::ResetPassword))
                    }
                }
            } }
        })
    }

    fn create_form(&self, signed: &Signed, sent: Option<&Sent>) -> Markup {
        let lang = signed.lang;
        let fresh = self.fresh();
        let (values, errors) = Sent::shown(sent, FORM, &fresh);
        // A password is never sent back in a page.
        let values = values.clone().with("password", "");
        let required = [
            "username",
            "full_name",
            "password",
            "role",
            "organisation_id",
        ];
        let f = Fields::new(lang, FORM, (&values, errors), &required);
        let roles = Role::ALL.map(Role::as_str);
        let organisations = self.organisations.iter().map(|o| {
            let place = o.district_code.as_deref().unwrap_or(&o.region_code);
            (o.id.to_string(), format!("{} ({place})", o.name))
        });
        let content = html! {
            p { (lang.t(Ui::OrganisationsOfRegion)) }
            form.record-form method="post" action=(PATH) novalidate {
                (layout::token(&signed.form_token))
                (f.hidden(&["retry", "region_code"]))
                (f.input("username", lang.t(Ui::Username), "text"))
                (f.input("full_name", lang.t(Ui::FullName), "text"))
                (f.input("email", lang.t(Ui::Email), "email"))
                (f.input("password", lang.t(Ui::InitialPassword), "password"))
                (f.codes("role", lang.t(Ui::Role), Ui::Choose, "role", &roles))
                (f.select("organisation_id", lang.t(Ui::Organisation), Ui::Choose, organisations))
                p { button type="submit" { (lang.t(Ui::CreateUser)) } }
            }
        };
        layout::section(FORM, lang.t(Ui::CreateUser), content)
    }
}
