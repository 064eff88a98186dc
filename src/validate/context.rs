//! What a rule needs to report: the document, to locate a field, and the list to add to.
use crate::diagnostics::{Diagnostic, Severity};
use crate::load::Document;

use crate::source::pointer as paths;

/// Reporting helper for the rules of one document.
pub struct RuleContext<'a> {
    /// The document the rules look at.
    pub doc: &'a Document,
    /// Where findings go.
    pub out: &'a mut Vec<Diagnostic>,
}

impl<'a> RuleContext<'a> {
    /// Reports at the value of `pointer`.
    pub fn report(&mut self, severity: Severity, rule: &'static str, pointer: &str, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::new(severity, rule, message)
            .at(self.doc.finding_location(pointer))
            .field(pointer, paths::display(&self.doc.value, pointer))
            .resource(Some(self.doc.reference()));
        self.out.push(d);
        self.out.last_mut().expect("just pushed")
    }

    /// Reports an error at the key of `pointer` (a bad key rather than a bad value).
    pub fn key_error(&mut self, rule: &'static str, pointer: &str, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::error(rule, message)
            .at(self.doc.key_location(pointer))
            .field(pointer, paths::display(&self.doc.value, pointer))
            .resource(Some(self.doc.reference()));
        self.out.push(d);
        self.out.last_mut().expect("just pushed")
    }

    /// Reports an error at the value of `pointer`.
    pub fn error(&mut self, rule: &'static str, pointer: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report(Severity::Error, rule, pointer, message)
    }

    /// Reports a warning at the value of `pointer`.
    pub fn warning(&mut self, rule: &'static str, pointer: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report(Severity::Warning, rule, pointer, message)
    }

    /// Reports a note at the value of `pointer`.
    pub fn note(&mut self, rule: &'static str, pointer: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report(Severity::Note, rule, pointer, message)
    }

    /// Whether the document spells out the field at `pointer` (as opposed to a default).
    pub fn is_set(&self, pointer: &str) -> bool {
        self.doc.value.pointer(pointer).is_some()
    }
}
