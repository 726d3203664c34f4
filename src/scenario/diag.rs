//! Collecting diagnostics: problems found in a scenario, located by file,
//! line, column and dotted key path, so an analyst can go straight to the
//! mistake.

use std::ops::Range;

use crate::error::Diagnostic;

/// The texts a scenario was read from: the file itself, then each `--set`
/// value. Spans are byte offsets into their concatenation, so one `Range`
/// locates a problem in any of them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
struct Segment {
    origin: String,
    start: usize,
    text: String,
}

impl Sources {
    /// Adds a text named `origin` (a file path or `--set key=…`) and returns
    /// the offset its spans must be shifted by.
    pub fn add(&mut self, origin: impl Into<String>, text: impl Into<String>) -> usize {
        let start = self
            .segments
            .last()
            .map_or(0, |s| s.start + s.text.len() + 1);
        self.segments.push(Segment {
            origin: origin.into(),
            start,
            text: text.into(),
        });
        start
    }

    /// Resolves a global byte offset to (origin, 1-based line, 1-based column).
    pub fn locate(&self, offset: usize) -> (String, usize, usize) {
        let Some(seg) = self.segments.iter().rev().find(|s| s.start <= offset) else {
            return (String::from("<input>"), 1, 1);
        };
        let local = (offset - seg.start).min(seg.text.len());
        // Column counts characters, not bytes, as editors do.
        let before = seg.text.get(..local).unwrap_or(&seg.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (seg.origin.clone(), line, col)
    }
}

/// Collects diagnostics while a scenario is read, so that every problem is
/// reported at once rather than only the first.
#[derive(Debug, Default)]
pub struct Diagnostics {
    sources: Sources,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Starts collecting against the given sources.
    pub fn new(sources: Sources) -> Diagnostics {
        Diagnostics {
            sources,
            items: Vec::new(),
        }
    }

    /// Records a problem at `span` for key `path`.
    pub fn error(&mut self, span: &Range<usize>, path: &str, message: impl Into<String>) {
        let (origin, line, column) = self.sources.locate(span.start);
        self.items.push(Diagnostic {
            origin,
            line,
            column,
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems in source order, without exact duplicates.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.origin, a.line, a.column, &a.path, &a.message)
                .cmp(&(&b.origin, b.line, b.column, &b.path, &b.message))
        });
        self.items.dedup();
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns_across_sources() {
        let mut s = Sources::default();
        s.add("a.toml", "x = 1\ny = \"é\" z");
        let off = s.add("--set k", "k = 2");
        assert_eq!(s.locate(0), ("a.toml".into(), 1, 1));
        assert_eq!(s.locate(6), ("a.toml".into(), 2, 1));
        // 'z' comes after a two-byte character: column counts characters.
        let z = "x = 1\ny = \"é\" ".len();
        assert_eq!(s.locate(z), ("a.toml".into(), 2, 9));
        assert_eq!(s.locate(off + 4), ("--set k".into(), 1, 5));
    }
}
