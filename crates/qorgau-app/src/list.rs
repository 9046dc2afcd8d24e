//! Pages of lists: a list query fetches one row more than it shows, to learn whether another
//! page follows (`Page::limit` counts that look-ahead row).

use qorgau_persistence::Page;

/// The rows of `rows` that the answer will show: all but the look-ahead row. What is audited as
/// shown (issue 17, finding 6) must be exactly this.
pub fn shown<'r, R>(rows: &'r [R], page: &Page) -> &'r [R] {
    let shown = usize::try_from(page.limit - 1).unwrap_or(0);
    &rows[..rows.len().min(shown)]
}
