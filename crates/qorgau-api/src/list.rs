//! List conventions (api.md § Conventions): `?limit=` (default 50, max 500), `?cursor=`, and
//! `{"items": [...], "next_cursor": ...}`. Cursors are opaque: the last id, base64url-encoded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qorgau_persistence::Page;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListParams {
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page: opaque, base64url; one this list did not give is
    /// 422.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl ListParams {
    /// The page to fetch: one row more than shown, to learn whether another page follows.
    pub fn page(&self) -> Result<Page, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor from this list"))?,
            ),
        };
        Ok(Page {
            after,
            limit: limit + 1,
        })
    }
}

/// Builds the response from up to `limit + 1` rows keyed by `key` (an id: its text is the cursor).
pub fn paginate<R, T>(
    mut rows: Vec<R>,
    page: &Page,
    key: impl Fn(&R) -> &dyn std::fmt::Display,
    view: impl FnMut(R) -> T,
) -> List<T> {
    let shown = usize::try_from(page.limit - 1).unwrap_or(0);
    let next_cursor = if rows.len() > shown {
        rows.truncate(shown);
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(key(r).to_string()))
    } else {
        None
    };
    List {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        for bad in [0, -1, 501] {
            let p = ListParams {
                limit: Some(bad),
                cursor: None,
            };
            assert!(matches!(p.page(), Err(ApiError::Validation(_))));
        }
        assert_eq!(
            ListParams::default().page().expect("default").limit,
            DEFAULT_LIMIT + 1
        );
    }

    #[test]
    fn cursor_round_trips_and_the_extra_row_is_dropped() {
        let page = ListParams {
            limit: Some(2),
            cursor: None,
        }
        .page()
        .expect("valid");
        let list = paginate(vec!["a", "b", "c"], &page, |r| r, str::to_string);
        assert_eq!(list.items, ["a", "b"]);
        let next = ListParams {
            limit: Some(2),
            cursor: list.next_cursor,
        }
        .page()
        .expect("valid");
        assert_eq!(next.after.as_deref(), Some("b"));
        let last = paginate(vec!["c"], &next, |r| r, str::to_string);
        assert_eq!(last.next_cursor, None);
        let bad = ListParams {
            limit: None,
            cursor: Some("!!".into()),
        };
        assert!(bad.page().is_err());
    }
}
