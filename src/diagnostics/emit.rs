//! The emitter of each report format (the interface is [`super::report`]).
use super::{github, human, json, sarif};

pub use super::report::{Emitter, Format, Report};

/// The emitter of a format; `color` only affects the human format.
pub fn emitter(format: Format, color: bool) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(human::Human { color, cap: human::FINDINGS_SHOWN }),
        Format::Short => Box::new(human::Short),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Github => Box::new(github::Github),
    }
}

/// A report as text (tests, the benchmark).
pub fn to_string(format: Format, report: &Report<'_>, color: bool) -> String {
    let mut out = Vec::new();
    emitter(format, color).emit(report, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}
