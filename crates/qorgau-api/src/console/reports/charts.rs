//! Bar charts as server-rendered SVG: no script, nothing fetched. Each chart is a `figure` (under
//! its section's heading) of an SVG (`role="img"`, named by its `<title>`, its numbers said in
//! `<desc>`) and the same numbers in a table under it, for whoever does not see the bars.

use maud::{Markup, html};

/// The chart's width, and where the bars start and end within it.
const WIDTH: f64 = 640.0;
const BAR_SPAN: f64 = 440.0;
/// Heights: of a group's label line, of a bar, between bars, after a group.
const LABEL: f64 = 18.0;
const BAR: f64 = 14.0;
const GAP: f64 = 4.0;
const AFTER: f64 = 10.0;

/// The colour of each series, in order: at least 3:1 against the white page (WCAG 1.4.11).
const COLOURS: [&str; 3] = ["#1f5f8b", "#9a4d00", "#4d7326"];

/// One bar: its value (`None`: not shown — nothing measured, or withheld) and how it reads.
pub struct Bar {
    pub value: Option<f64>,
    pub text: String,
}

/// One group of bars, one per series, under its label.
pub struct Group {
    pub label: String,
    pub bars: Vec<Bar>,
}

/// A chart: `id` (unique on the page), its caption, the series' names (the legend), its groups,
/// the least value the longest bar stands for (so that bars of next to nothing stay short), and
/// the table that gives the same numbers.
pub struct Chart<'a> {
    pub id: &'a str,
    pub caption: &'a str,
    pub at_least: f64,
    pub series: &'a [&'a str],
    pub groups: Vec<Group>,
    pub table: Markup,
}

impl Chart<'_> {
    pub fn render(&self) -> Markup {
        let max = self
            .groups
            .iter()
            .flat_map(|g| g.bars.iter().filter_map(|b| b.value))
            .fold(self.at_least, f64::max);
        let per_group = LABEL + self.series.len() as f64 * (BAR + GAP) + AFTER;
        let legend = if self.series.len() > 1 {
            LABEL + AFTER
        } else {
            0.0
        };
        let height = legend + per_group * self.groups.len() as f64;
        html! {
            figure.chart {
                @if !self.groups.is_empty() { (self.svg(legend, per_group, height, max)) }
                (self.table)
            }
        }
    }

    fn svg(&self, legend: f64, per_group: f64, height: f64, max: f64) -> Markup {
        let (title, desc) = (format!("{}-title", self.id), format!("{}-desc", self.id));
        html! {
                svg xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
                    viewBox=(format!("0 0 {WIDTH} {height}")) aria-labelledby=(format!("{title} {desc}")) {
                    title id=(title) { (self.caption) }
                    desc id=(desc) { (self.description()) }
                    @if self.series.len() > 1 { (self.legend()) }
                    @for (i, group) in self.groups.iter().enumerate() {
                        (self.group(legend + i as f64 * per_group, group, max))
                    }
                }
        }
    }

    /// Every bar's number, in words: what the picture shows.
    fn description(&self) -> String {
        self.groups
            .iter()
            .map(|g| {
                let bars: Vec<String> = self
                    .series
                    .iter()
                    .zip(&g.bars)
                    .map(|(s, b)| format!("{s}: {}", b.text))
                    .collect();
                format!("{} — {}", g.label, bars.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn legend(&self) -> Markup {
        let step = WIDTH / self.series.len() as f64;
        html! {
            @for (i, (name, colour)) in self.series.iter().zip(COLOURS).enumerate() {
                rect x=(i as f64 * step) y="2" width="12" height="12" fill=(colour) {}
                text x=(i as f64 * step + 18.0) y="13" font-size="13" fill="#1a1a1a" { (name) }
            }
        }
    }

    fn group(&self, top: f64, group: &Group, max: f64) -> Markup {
        html! {
            text x="0" y=(top + 13.0) font-size="13" font-weight="bold" fill="#1a1a1a" { (group.label) }
            @for (i, (bar, colour)) in group.bars.iter().zip(COLOURS).enumerate() {
                @let y = top + LABEL + i as f64 * (BAR + GAP);
                @let width = bar.value.map_or(0.0, |v| if max > 0.0 { v / max * BAR_SPAN } else { 0.0 });
                @if width > 0.0 { rect x="0" y=(y) width=(format!("{width:.1}")) height=(BAR) fill=(colour) {} }
                text x=(format!("{:.1}", width + 6.0)) y=(y + 11.0) font-size="12" fill="#1a1a1a" { (bar.text) }
            }
        }
    }
}

/// A number of hours as read: one decimal.
pub fn hours(value: Option<f64>, none: &str) -> String {
    value.map_or_else(|| none.to_string(), |h| format!("{h:.1}"))
}

/// A share as a percentage.
pub fn percent(value: Option<f64>, none: &str) -> String {
    value.map_or_else(|| none.to_string(), |s| format!("{:.0} %", s * 100.0))
}
