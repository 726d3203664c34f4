//! The repository makes sense in a fresh clone: no file refers to a path
//! outside it, and no reference leads nowhere.
//!
//! The files are those `git ls-files` lists from the crate root (tracked,
//! or new and not ignored), or, without git or outside a checkout, every
//! file below the root except build, run and fuzzing output
//! ([`SKIPPED_FOLDERS`]). Binary files and `Cargo.lock` are skipped. The
//! rules:
//!
//! 1. Markdown and HTML files: a link `[text](target)`, a reference
//!    `[text]: target`, or an `href` / `src` attribute must lead to a file or
//!    folder of the repository, by a relative path that stays inside it; a
//!    `#anchor` into a Markdown file (or into the same file) must be the
//!    GitHub slug of one of its headings (or an `id` / `name` it declares).
//!    Code spans and fenced code blocks are not links.
//! 2. Every text file: a mention of a Markdown file (`docs/sources.md`,
//!    `docs/sources.md#contract-timeline`, `BENCHMARKS.md`) must name a file
//!    that exists, relative to the mentioning file's folder or to the
//!    repository root, and its anchor a heading there. The specification and
//!    the facts file the project started from lived outside it: any mention
//!    of them by file name ([`RETIRED`]) fails.
//! 3. Every text file: a relative path whose `../` climbs above the
//!    repository root, and an absolute path into a home or work folder
//!    ([`PRIVATE`], and `~/`), fail. System paths (`/proc/`, `/tmp/`, …) are
//!    fine, and URLs are not paths.
//!
//! Every offence is reported at once, as `file:line: what`. This file is
//! not scanned: it spells out the strings it looks for. `checks_*` below
//! feed each rule in-memory examples it must catch, and some it must let
//! pass.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::process::Command;

/// This file, which names everything it looks for.
const THIS_FILE: &str = "tests/docs.rs";

/// What the walk skips when git cannot list the files: git's own folder
/// (a file, in a worktree), build output, run output and fuzzing state
/// (all ignored by git).
const SKIPPED_FOLDERS: [&str; 9] = [
    ".git",
    "target",
    "output",
    "benches/target",
    "fuzz/target",
    "fuzz/corpus",
    "fuzz/artifacts",
    "fuzz/coverage",
    "fuzz/logs",
];

/// Absolute paths into a home or work folder: they exist on one machine.
const PRIVATE: [&str; 4] = ["/work/", "/root/", "/home/", "/Users/"];

/// Files the project started from, outside the repository, by file name,
/// with what replaced them.
const RETIRED: [(&str, &str); 2] = [
    (
        "MODEL.md",
        "the original specification is not in the repository; the project's own is docs/model.md",
    ),
    (
        "FACTS.md",
        "the original facts file is not in the repository; cite docs/sources.md",
    ),
];

/// The files of a repository, read into memory.
struct Repo {
    /// Text of every text file, by path from the root (`/`-separated).
    texts: BTreeMap<String, String>,
    /// Every file, and every folder that holds one (`""` is the root).
    paths: BTreeSet<String>,
    /// The anchors of every Markdown file: its headings' slugs, and the
    /// `id` / `name` attributes it declares.
    anchors: BTreeMap<String, BTreeSet<String>>,
}

impl Repo {
    /// A repository of `files`: (path, text), text `None` for a file not
    /// scanned (binary, `Cargo.lock`).
    fn new(files: impl IntoIterator<Item = (String, Option<String>)>) -> Repo {
        let mut texts = BTreeMap::new();
        let mut paths = BTreeSet::from([String::new()]);
        for (path, text) in files {
            let mut folder = path.as_str();
            while let Some((parent, _)) = folder.rsplit_once('/') {
                paths.insert(parent.to_string());
                folder = parent;
            }
            paths.insert(path.clone());
            if let Some(text) = text {
                texts.insert(path, text);
            }
        }
        let anchors = texts
            .iter()
            .filter(|(p, _)| p.ends_with(".md"))
            .map(|(p, t)| (p.clone(), anchors_of(t)))
            .collect();
        Repo {
            texts,
            paths,
            anchors,
        }
    }

    /// Reads the files below `root` (see the module documentation).
    fn read(root: &Path) -> Repo {
        let listed = git_files(root).unwrap_or_else(|| {
            let mut files = Vec::new();
            walk(root, "", &mut files);
            files
        });
        Repo::new(listed.into_iter().filter_map(|path| {
            let bytes = std::fs::read(root.join(&path)).ok()?;
            let skipped = path.rsplit('/').next() == Some("Cargo.lock") || bytes.contains(&0);
            let text = if skipped {
                None
            } else {
                String::from_utf8(bytes).ok()
            };
            Some((path, text))
        }))
    }
}

/// The files git lists below `root`: tracked, or untracked and not ignored
/// (so that a new page is checked before it is committed). `None` when git
/// is missing or `root` is not in a checkout.
fn git_files(root: &Path) -> Option<Vec<String>> {
    let out = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let files: BTreeSet<String> = text
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    Some(files.into_iter().collect())
}

/// Every file below `dir` (`rel` its path from the root), skipping
/// [`SKIPPED_FOLDERS`].
fn walk(root: &Path, rel: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        // `.git` is a file in a worktree: skipped whatever its kind.
        if SKIPPED_FOLDERS.contains(&path.as_str()) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(root, &path, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

// ---------------------------------------------------------------------------
// Markdown: headings, anchors, code, links
// ---------------------------------------------------------------------------

/// GitHub's anchor for a heading: lower case, spaces to `-`, letters,
/// digits, `-` and `_` kept, everything else dropped.
fn slug(heading: &str) -> String {
    let mut text = String::new();
    // A link in a heading shows its text only: drop the `(target)`.
    let mut rest = heading;
    while let Some(i) = rest.find("](") {
        text.push_str(&rest[..i]);
        match rest[i..].find(')') {
            Some(j) => rest = &rest[i + j + 1..],
            None => rest = "",
        }
    }
    text.push_str(rest);
    text.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Tracks fenced code blocks line by line.
#[derive(Default)]
struct Fences {
    /// The open fence's character and length.
    open: Option<(char, usize)>,
}

impl Fences {
    /// Whether `line` is code (inside a block, or a fence line itself).
    fn is_code(&mut self, line: &str) -> bool {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        let fence = ['`', '~'].into_iter().find_map(|c| {
            let n = body.chars().take_while(|&x| x == c).count();
            (indent <= 3 && n >= 3).then_some((c, n))
        });
        match (self.open, fence) {
            (None, Some(f)) => {
                self.open = Some(f);
                true
            }
            (Some((c, n)), Some((c2, n2)))
                if c == c2 && n2 >= n && body[n2..].trim().is_empty() =>
            {
                self.open = None;
                true
            }
            (Some(_), _) => true,
            (None, None) => false,
        }
    }
}

/// The anchors a Markdown text declares: heading slugs (a repeated heading
/// gets `-1`, `-2`… as on GitHub) and `id="…"` / `name="…"` attributes.
fn anchors_of(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut fences = Fences::default();
    for line in text.lines() {
        if fences.is_code(line) {
            continue;
        }
        for key in ["id=\"", "name=\""] {
            for (i, _) in line.match_indices(key) {
                let value = &line[i + key.len()..];
                if let Some(end) = value.find('"') {
                    out.insert(value[..end].to_string());
                }
            }
        }
        let trimmed = line.trim_start_matches(' ');
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        if line.len() - trimmed.len() > 3 || !(1..=6).contains(&hashes) {
            continue;
        }
        let rest = &trimmed[hashes..];
        if !(rest.is_empty() || rest.starts_with(' ')) {
            continue;
        }
        let heading = rest.trim().trim_end_matches('#').trim();
        let base = slug(heading);
        let n = seen.entry(base.clone()).or_insert(0);
        out.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// `line` with its code spans (`` `…` ``, with any number of backticks)
/// blanked out, byte for byte, so positions stay where they were.
fn blank_code_spans(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = line.to_string().into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let mut j = i + run;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let n = bytes[j..].iter().take_while(|&&b| b == b'`').count();
                if n == run {
                    close = Some(j + n);
                    break;
                }
                j += n;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out[i..end].fill(b' ');
                i = end;
            }
            None => i += run,
        }
    }
    // Only ASCII bytes were replaced, by ASCII spaces: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| line.to_string())
}

/// A link found in a line: where its text and its target are.
struct Link {
    /// Byte range of the link text `[…]` (inline links only).
    text: Option<Range<usize>>,
    /// Byte range of the target.
    at: Range<usize>,
    /// The target as written.
    target: String,
}

/// The links of one line of Markdown or HTML (code spans already blanked).
fn links(line: &str) -> Vec<Link> {
    let mut out = Vec::new();
    // Inline links and images: `](target)` or `](<target>)`, maybe with a title.
    for (i, _) in line.match_indices("](") {
        let start = i + 2;
        let rest = &line[start..];
        let (inner, len) = if let Some(stripped) = rest.strip_prefix('<') {
            match stripped.find('>') {
                Some(end) => (&stripped[..end], end + 2),
                None => continue,
            }
        } else {
            let end = rest.find([')', ' ', '\t']).unwrap_or(rest.len());
            (&rest[..end], end)
        };
        out.push(Link {
            text: line[..i].rfind('[').map(|open| open..i + 1),
            at: start..start + len,
            target: inner.to_string(),
        });
    }
    // Reference definitions: `[label]: target` at the start of the line.
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && !trimmed.starts_with("[^")
        && let Some(i) = trimmed.find("]:")
    {
        let offset = line.len() - trimmed.len() + i + 2;
        let rest = &line[offset..];
        let lead = rest.len() - rest.trim_start().len();
        let target = rest.split_whitespace().next().unwrap_or("");
        let start = offset + lead;
        out.push(Link {
            text: None,
            at: start..start + target.len(),
            target: target.to_string(),
        });
    }
    // HTML attributes.
    for key in ["href=\"", "href='", "src=\"", "src='"] {
        let quote = if key.ends_with('"') { '"' } else { '\'' };
        for (i, _) in line.match_indices(key) {
            let start = i + key.len();
            if let Some(end) = line[start..].find(quote) {
                out.push(Link {
                    text: None,
                    at: start..start + end,
                    target: line[start..start + end].to_string(),
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

/// Characters that make up a path in running text.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '~')
}

/// The folder of a file (`""` at the root).
fn folder_of(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `rel` resolved against `base` (both `/`-separated, from the root);
/// `None` when it climbs above the root.
fn resolve(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// `%XX` escapes decoded (as in a link target); others left as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `line` with every URL (`http://…`, `https://…`) blanked out.
fn blank_urls(line: &str) -> String {
    let mut out = line.to_string();
    for scheme in ["https://", "http://"] {
        let mut from = 0;
        while let Some(i) = out[from..].find(scheme) {
            let start = from + i;
            let end = out[start..]
                .find(|c: char| c.is_whitespace() || "()<>\"'`[]".contains(c))
                .map_or(out.len(), |e| start + e);
            out.replace_range(start..end, &" ".repeat(end - start));
            from = end;
        }
    }
    out
}

/// The path-like tokens of a line: (byte offset, token).
fn tokens(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain([(line.len(), ' ')]) {
        match (start, is_path_char(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------

/// One offence: file, line (from 1), what.
type Offence = (String, usize, String);

/// Checks a `#anchor` of `target` (a file of the repository).
fn anchor_problem(repo: &Repo, target: &str, anchor: &str) -> Option<String> {
    let anchors = repo.anchors.get(target)?;
    (!anchor.is_empty() && !anchors.contains(anchor))
        .then(|| format!("{target} has no heading with the anchor #{anchor}"))
}

/// Rule 1 for one link target written in `file`.
fn check_link(repo: &Repo, file: &str, target: &str) -> Option<String> {
    let target = target.trim();
    let scheme = target.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    if target.is_empty() || scheme {
        return None;
    }
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let path = percent_decode(path);
    if path.is_empty() {
        return anchor_problem(repo, file, anchor);
    }
    if path.starts_with('/') || path.starts_with('~') {
        return Some(format!(
            "link to `{target}`: an absolute path; link relative to this file"
        ));
    }
    let Some(resolved) = resolve(folder_of(file), &path) else {
        return Some(format!("link to `{target}` leaves the repository"));
    };
    if !repo.paths.contains(&resolved) {
        return Some(format!("link to `{target}`: {resolved} does not exist"));
    }
    anchor_problem(repo, &resolved, anchor)
}

/// Rules 2 and 3 for one line (URLs, and in Markdown the link targets,
/// already blanked). A Markdown file named in a link's text (`labels`) is
/// not checked again: the link was.
fn check_text(repo: &Repo, file: &str, line: &str, labels: &[Range<usize>], out: &mut Vec<String>) {
    let folder = folder_of(file);
    let before = |i: usize| line[..i].chars().next_back();
    for needle in PRIVATE {
        for (i, _) in line.match_indices(needle) {
            if !before(i).is_some_and(is_path_char) {
                out.push(format!(
                    "`{}` is an absolute path on one machine; refer to files inside the repository",
                    path_at(line, i)
                ));
            }
        }
    }
    for (i, _) in line.match_indices("~/") {
        if !before(i).is_some_and(is_path_char) {
            out.push(format!(
                "`{}` is a path in a home folder; refer to files inside the repository",
                path_at(line, i)
            ));
        }
    }
    for (start, token) in tokens(line) {
        let token = token.trim_end_matches('.');
        let name = token.rsplit('/').next().unwrap_or(token);
        if let Some((_, why)) = RETIRED.iter().find(|(n, _)| *n == name) {
            out.push(format!("mentions `{token}`: {why}"));
            continue;
        }
        // Absolute paths: only those into home or work folders fail (above).
        if token.starts_with('/') || token.starts_with('~') {
            continue;
        }
        let climbs = token.contains("../") || token.ends_with("/..");
        if climbs && resolve(folder, token).is_none() {
            out.push(format!("`{token}` climbs above the repository root"));
            continue;
        }
        let Some(stem) = token.strip_suffix(".md") else {
            continue;
        };
        if stem.is_empty() || stem.ends_with('/') || labels.iter().any(|r| r.contains(&start)) {
            continue;
        }
        let after = &line[start + token.len()..];
        let anchor: String = after
            .strip_prefix('#')
            .map(|a| {
                a.chars()
                    .take_while(|&c| c.is_alphanumeric() || c == '-' || c == '_')
                    .collect()
            })
            .unwrap_or_default();
        let relative_only = token.starts_with("./") || token.starts_with("../");
        let found = [Some(folder), (!relative_only).then_some("")]
            .into_iter()
            .flatten()
            .filter_map(|base| resolve(base, token))
            .find(|p| repo.paths.contains(p));
        match found {
            None => out.push(format!("mentions `{token}`, which does not exist")),
            Some(target) => {
                if let Some(problem) = anchor_problem(repo, &target, &anchor) {
                    out.push(problem);
                }
            }
        }
    }
}

/// The path-like text starting at byte `i` of `line`, for messages.
fn path_at(line: &str, i: usize) -> &str {
    let end = line[i..]
        .find(|c: char| !is_path_char(c))
        .map_or(line.len(), |e| i + e);
    &line[i..end]
}

/// Every offence in the repository, sorted by file and line.
fn offences(repo: &Repo) -> Vec<Offence> {
    let mut out = Vec::new();
    for (file, text) in &repo.texts {
        if file == THIS_FILE {
            continue;
        }
        let markup = [".md", ".html", ".htm"].iter().any(|e| file.ends_with(e));
        let mut fences = Fences::default();
        for (n, raw) in text.lines().enumerate() {
            let mut found = Vec::new();
            let mut line = blank_urls(raw);
            let mut labels = Vec::new();
            if markup && !fences.is_code(raw) {
                for link in links(&blank_code_spans(&line)) {
                    found.extend(check_link(repo, file, &link.target));
                    line.replace_range(link.at.clone(), &" ".repeat(link.at.len()));
                    labels.extend(link.text);
                }
            }
            check_text(repo, file, &line, &labels, &mut found);
            out.extend(found.into_iter().map(|what| (file.clone(), n + 1, what)));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Offences as `file:line: what`, one per line.
fn report(offences: &[Offence]) -> String {
    offences
        .iter()
        .map(|(file, line, what)| format!("{file}:{line}: {what}\n"))
        .collect()
}

#[test]
fn no_reference_leaves_the_repository_or_leads_nowhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = Repo::read(root);
    assert!(
        repo.texts.contains_key("README.md") && repo.texts.contains_key("src/lib.rs"),
        "found no README.md or src/lib.rs under {}",
        root.display()
    );
    let found = offences(&repo);
    assert!(
        found.is_empty(),
        "{} references leave the repository or lead nowhere:\n{}",
        found.len(),
        report(&found)
    );
}

// ---------------------------------------------------------------------------
// Self-checks: each rule on examples it must catch, and some it must pass
// ---------------------------------------------------------------------------

/// A repository of text files.
fn repo(files: &[(&str, &str)]) -> Repo {
    Repo::new(
        files
            .iter()
            .map(|(p, t)| (p.to_string(), Some(t.to_string()))),
    )
}

/// The offences of a repository, as `file:line: what` lines.
fn lines_of(files: &[(&str, &str)]) -> Vec<String> {
    report(&offences(&repo(files)))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Asserts that exactly the offences starting with `expected` (file:line:
/// and a fragment of the message) are found.
fn assert_offences(files: &[(&str, &str)], expected: &[(&str, &str)]) {
    let found = lines_of(files);
    let matched = |(at, what): &(&str, &str)| {
        found
            .iter()
            .any(|l| l.starts_with(&format!("{at}: ")) && l.contains(what))
    };
    let missing: Vec<_> = expected.iter().filter(|e| !matched(e)).collect();
    assert!(
        missing.is_empty() && found.len() == expected.len(),
        "expected {expected:?}\nfound:\n{}",
        found.join("\n")
    );
}

const GUIDE: &str = "# Guide\n\n## `rofrsim run SCENARIO.toml [options]`\n\n## Memory and disk\n\n## Memory and disk\n\n<a id=\"custom\"></a>\n";

#[test]
fn checks_markdown_links_and_anchors() {
    let readme = "\
[guide](docs/guide.md) and [a folder](docs/) and [web](https://example.com/x.md)
[run](docs/guide.md#rofrsim-run-scenariotoml-options) [twice](docs/guide.md#memory-and-disk-1)
[custom](docs/guide.md#custom) [here](#top) [mail](mailto:a@b.c)
[missing](docs/gone.md)
[bad anchor](docs/guide.md#memory)
[escape](../elsewhere/x.md)
[absolute](/docs/guide.md)
`[code](gone.txt)` is not a link
```
[fenced](gone.txt)
```
[ref]: docs/gone.md
<a href=\"docs/nothere.html\">html</a>
# Top
";
    assert_offences(
        &[("README.md", readme), ("docs/guide.md", GUIDE)],
        &[
            ("README.md:4", "docs/gone.md does not exist"),
            ("README.md:5", "no heading with the anchor #memory"),
            ("README.md:6", "leaves the repository"),
            ("README.md:7", "an absolute path"),
            ("README.md:12", "docs/gone.md does not exist"),
            ("README.md:13", "docs/nothere.html does not exist"),
        ],
    );
    // Relative to the linking file's folder.
    assert_offences(
        &[
            ("docs/a.md", "[up](../README.md) [sibling](guide.md#custom)"),
            ("docs/guide.md", GUIDE),
            ("README.md", ""),
        ],
        &[],
    );
}

#[test]
fn checks_mentions_of_markdown_files_in_any_file() {
    let toml = "\
x = 1  # docs/guide.md#memory-and-disk
y = 2  # docs/guide.md#no-such-section
z = 3  # see docs/gone.md.
w = 4  # BENCHMARKS.md, and guide.md from the root is not docs/guide.md
";
    assert_offences(
        &[
            ("scenarios/a.toml", toml),
            ("docs/guide.md", GUIDE),
            ("BENCHMARKS.md", ""),
        ],
        &[
            (
                "scenarios/a.toml:2",
                "no heading with the anchor #no-such-section",
            ),
            ("scenarios/a.toml:3", "`docs/gone.md`, which does not exist"),
            ("scenarios/a.toml:4", "`guide.md`, which does not exist"),
        ],
    );
}

#[test]
fn checks_retired_files_and_paths_outside_the_repository() {
    // The outside folder the retired files lived in, and a machine's work
    // folder, are put together here so that this file names neither.
    let shared = ["sha", "red"].concat();
    let up_shared = format!("../{shared}");
    let work_shared = format!("/{}/{shared}", ["wo", "rk"].concat());
    let source = format!(
        "\
//! As MODEL.md says, see {up_shared}/FACTS.md
//! cites {work_shared}/FACTS.md by section
let home = \"/home/ana/x\"; let mac = \"/Users/ana/x\"; let tilde = \"~/x\"; let r = \"/root/x\";
let ok = [\"/proc/meminfo\", \"/tmp/x\", \"/dev/null\", \"/usr/bin/time\", \"https://example.com/home/x\"];
let ok2 = \"../scenarios/a.toml\"; let ok3 = \"a/work/b\"; let ok4 = \"$(dirname $0)/../../x\";
let up = \"../../outside\";
"
    );
    let facts_up = format!("mentions `{up_shared}/FACTS.md`");
    let facts_abs = format!("`{work_shared}/FACTS.md` is an absolute path");
    let facts_abs_mention = format!("mentions `{work_shared}/FACTS.md`");
    assert_offences(
        &[("src/a.rs", source.as_str()), ("scenarios/a.toml", "")],
        &[
            ("src/a.rs:1", "mentions `MODEL.md`"),
            ("src/a.rs:1", facts_up.as_str()),
            ("src/a.rs:2", facts_abs.as_str()),
            ("src/a.rs:2", facts_abs_mention.as_str()),
            ("src/a.rs:3", "`/home/ana/x`"),
            ("src/a.rs:3", "`/Users/ana/x`"),
            ("src/a.rs:3", "`~/x` is a path in a home folder"),
            ("src/a.rs:3", "`/root/x`"),
            (
                "src/a.rs:6",
                "`../../outside` climbs above the repository root",
            ),
        ],
    );
    // A Markdown link to a retired file is reported as a link that leaves
    // the repository, and its text as a mention of the retired file; a
    // link's text naming a missing file is not reported twice.
    let readme =
        format!("specified in [MODEL.md]({up_shared}/MODEL.md)\n[x.md](x.md) and [z](z.md)");
    assert_offences(
        &[("README.md", readme.as_str())],
        &[
            ("README.md:1", "leaves the repository"),
            ("README.md:1", "mentions `MODEL.md`"),
            ("README.md:2", "link to `x.md`: x.md does not exist"),
            ("README.md:2", "link to `z.md`: z.md does not exist"),
        ],
    );
}

#[test]
fn skips_binary_files_and_lock_files_and_reports_every_offence() {
    let r = Repo::new([
        (
            "a.md".to_string(),
            Some("[x](gone.md)\n\n[y](gone2.md)\n".to_string()),
        ),
        (
            "b.txt".to_string(),
            Some("see /home/x and /work/y".to_string()),
        ),
        ("Cargo.lock".to_string(), None),
    ]);
    let found = report(&offences(&r));
    assert_eq!(
        found,
        "a.md:1: link to `gone.md`: gone.md does not exist\n\
         a.md:3: link to `gone2.md`: gone2.md does not exist\n\
         b.txt:1: `/home/x` is an absolute path on one machine; refer to files inside the repository\n\
         b.txt:1: `/work/y` is an absolute path on one machine; refer to files inside the repository\n"
    );
    // Files read from disk: a NUL byte or a Cargo.lock means not scanned.
    let dir = std::env::temp_dir().join(format!("rofrsim-docs-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("temporary folder");
    std::fs::write(dir.join("bin.dat"), b"/home/x\0").expect("write");
    std::fs::write(dir.join("sub/Cargo.lock"), "/home/x").expect("write");
    std::fs::write(dir.join("a.md"), "[ok](sub/Cargo.lock)").expect("write");
    let read = Repo::read(&dir);
    let found = offences(&read);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(read.paths.contains("bin.dat"), "{:?}", read.paths);
    assert!(found.is_empty(), "{}", report(&found));
}

#[test]
fn walks_the_tree_without_build_or_run_output() {
    let mut files = Vec::new();
    walk(Path::new(env!("CARGO_MANIFEST_DIR")), "", &mut files);
    assert!(files.iter().any(|f| f == "README.md"));
    assert!(files.iter().any(|f| f == "src/lib.rs"));
    let skipped: Vec<_> = files
        .iter()
        .filter(|f| {
            SKIPPED_FOLDERS
                .iter()
                .any(|s| *f == s || f.starts_with(&format!("{s}/")))
        })
        .collect();
    assert!(skipped.is_empty(), "{skipped:?}");
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("Memory and disk"), "memory-and-disk");
    assert_eq!(
        slug("`rofrsim compare A B [C…] [options]`"),
        "rofrsim-compare-a-b-c-options"
    );
    assert_eq!(slug("`--set KEY=VALUE`"), "--set-keyvalue");
    assert_eq!(
        slug("`manifest.json` of a sweep"),
        "manifestjson-of-a-sweep"
    );
    assert_eq!(slug("See [the guide](x.md) now"), "see-the-guide-now");
    assert_eq!(slug("snake_case stays"), "snake_case-stays");
}
