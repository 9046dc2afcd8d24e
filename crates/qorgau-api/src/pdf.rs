//! A JSON document printed as a PDF (A4, one monospaced font): the printable form of a child's
//! exported file. The PDF shows exactly what the JSON export holds — it is drawn from it — with
//! field names as labels, nested records indented, and every page numbered.
//!
//! One monospaced font (DejaVu Sans Mono, vendored: Kazakh, Russian and Latin letters; its
//! licence is next to it) makes line wrapping exact without measuring glyphs; krilla embeds only
//! the glyphs used and writes the text so that it can be searched and copied.

use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::{Document, metadata::Metadata};
use serde_json::Value;

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono.ttf");

/// A4 in points.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 48.0;
const SIZE: f32 = 9.0;
const TITLE_SIZE: f32 = 13.0;
const LEADING: f32 = 12.0;
/// DejaVu Sans Mono's advance is 1233/2048 em for every glyph.
const ADVANCE: f32 = 1233.0 / 2048.0;
const INDENT: usize = 2;

/// One line of the document: its text, how far it is indented (in characters), and whether it
/// is a heading.
struct Line {
    text: String,
    indent: usize,
    heading: bool,
}

/// The lines of `value` under `label`, indented by `indent`.
fn lines(label: &str, value: &Value, indent: usize, out: &mut Vec<Line>) {
    let label = label.replace('_', " ");
    match value {
        Value::Null => {}
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) if items.iter().all(is_scalar) => {
            let joined: Vec<String> = items.iter().map(scalar).collect();
            out.push(plain(format!("{label}: {}", joined.join(", ")), indent));
        }
        Value::Array(items) => {
            out.push(heading(format!("{label} ({})", items.len()), indent));
            for (n, item) in items.iter().enumerate() {
                lines(&format!("{}.", n + 1), item, indent + INDENT, out);
            }
        }
        Value::Object(fields) => {
            out.push(heading(label, indent));
            for (key, field) in fields {
                lines(key, field, indent + INDENT, out);
            }
        }
        scalar_value => out.push(plain(format!("{label}: {}", scalar(scalar_value)), indent)),
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn plain(text: String, indent: usize) -> Line {
    Line {
        text,
        indent,
        heading: false,
    }
}

fn heading(text: String, indent: usize) -> Line {
    Line {
        text,
        indent,
        heading: true,
    }
}

/// `line` cut into pieces that fit the page, continuation lines indented a little further.
fn wrap(line: &Line, columns: usize) -> Vec<(usize, String)> {
    let mut pieces = Vec::new();
    for paragraph in line.text.split('\n') {
        let mut indent = line.indent;
        let mut rest: Vec<char> = paragraph.chars().collect();
        loop {
            let room = columns.saturating_sub(indent).max(20);
            if rest.len() <= room {
                pieces.push((indent, rest.iter().collect()));
                break;
            }
            // Break at the last space that fits, else mid-word.
            let cut = rest[..room]
                .iter()
                .rposition(|c| c.is_whitespace())
                .filter(|&at| at > room / 2)
                .unwrap_or(room);
            pieces.push((indent, rest[..cut].iter().collect()));
            rest = rest[cut..]
                .iter()
                .skip_while(|c| c.is_whitespace())
                .copied()
                .collect();
            indent = line.indent + INDENT;
        }
    }
    pieces
}

/// Prints `sections` (label, value), in that order, under `title` as a PDF.
pub fn render(title: &str, sections: &[(&str, &Value)]) -> Result<Vec<u8>, String> {
    let font = Font::new(FONT.into(), 0).ok_or("the vendored font does not load")?;
    let mut all = Vec::new();
    for (label, value) in sections {
        lines(label, value, 0, &mut all);
    }
    let columns = ((WIDTH - 2.0 * MARGIN) / (SIZE * ADVANCE)) as usize;
    let printed: Vec<(bool, usize, String)> = all
        .iter()
        .flat_map(|line| {
            wrap(line, columns)
                .into_iter()
                .map(|(indent, text)| (line.heading, indent, text))
        })
        .collect();
    let per_page = ((HEIGHT - 2.0 * MARGIN - 2.0 * LEADING) / LEADING) as usize;
    let pages: Vec<&[(bool, usize, String)]> = printed.chunks(per_page.max(1)).collect();
    let count = pages.len().max(1);

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("Qorgau".to_string()),
    );
    let settings = || PageSettings::from_wh(WIDTH, HEIGHT).ok_or("A4 is a page size");
    for n in 0..count {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        let mut write = |x: f32, y: f32, size: f32, text: &str| {
            if !text.is_empty() {
                let at = Point::from_xy(x, y);
                surface.draw_text(at, font.clone(), size, text, false, TextDirection::Auto);
            }
        };
        write(MARGIN, MARGIN, TITLE_SIZE, title);
        let footer = format!("{} / {count}", n + 1);
        write(MARGIN, HEIGHT - MARGIN / 2.0, SIZE, &footer);
        let mut y = MARGIN + 2.0 * LEADING;
        for (is_heading, indent, text) in pages.get(n).copied().unwrap_or_default() {
            let x = MARGIN + *indent as f32 * SIZE * ADVANCE;
            let text = if *is_heading {
                text.to_uppercase()
            } else {
                text.clone()
            };
            write(x, y, SIZE, &text);
            y += LEADING;
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_text_wraps_at_a_space_within_the_page() {
        let line = plain(format!("summary: {}", "сөз ".repeat(40)), 2);
        let pieces = wrap(&line, 40);
        assert!(pieces.len() > 3);
        assert!(pieces.iter().all(|(_, p)| p.chars().count() <= 38));
        assert_eq!(pieces[1].0, 4, "continuation lines are indented");
    }

    #[test]
    fn nested_records_become_headed_indented_lines() {
        let mut out = Vec::new();
        let value = json!({"first_name": "Айгерім", "items": [{"kind": "visit"}], "none": null});
        lines("child", &value, 0, &mut out);
        let texts: Vec<(usize, &str)> = out.iter().map(|l| (l.indent, l.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                (0, "child"),
                (2, "first name: Айгерім"),
                (2, "items (1)"),
                (4, "1."),
                (6, "kind: visit")
            ]
        );
    }

    #[test]
    fn a_document_is_a_pdf() {
        let value = json!({"name": "Қорғау"});
        let pdf = render("Test", &[("child", &value)]).expect("PDF");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
