//! `--xlsx` and `report --xlsx`: the workbook `summary.xlsx`, written by the
//! real binary into temporary folders (docs/outputs.md, "summary.xlsx").
//!
//! The plain tests check that the workbook is written, reproducible byte
//! for byte, and refused with a clear message when a file it is made of is
//! damaged. Two more need tools beyond Rust and are `#[ignore]`d for plain
//! `cargo test` (`.ci/run` installs the tools and runs them with
//! `--include-ignored`; without a tool they fail, saying what is missing):
//!
//! - [`workbooks_pass_xlsx_check_py`]: `tests/xlsx_check.py` (python3 with
//!   openpyxl) reads every cell back and compares it with the CSVs;
//! - [`charts_are_drawn_when_rendered`]: LibreOffice converts the workbook
//!   to PDF, pdftoppm the Charts page to pixels, and every chart's place
//!   must hold coloured ink; the same workbook with its charts stripped
//!   must fail that check.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, rofrsim};

/// Trials of the runs here: enough for the sensitivities and a histogram.
const TRIALS: &str = "300";
/// The workbook's name.
const FILE: &str = "summary.xlsx";

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-xlsx-")
        .tempdir()
        .expect("create a temporary folder")
}

fn ok(args: &[&str]) -> Run {
    let run = rofrsim(args);
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
    run
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `run scenarios/baseline.toml --xlsx` into `out`, with `extra` options.
fn baseline(out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "run",
        "scenarios/baseline.toml",
        "--trials",
        TRIALS,
        "--quiet",
        "--xlsx",
        "--out",
        path_str(out),
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

/// A compare folder of two scenario files, with `--xlsx`.
fn compare(out: &Path) -> Run {
    ok(&[
        "compare",
        "scenarios/seed_terms.toml",
        "scenarios/oct2025_terms.toml",
        "--trials",
        TRIALS,
        "--quiet",
        "--xlsx",
        "--out",
        path_str(out),
    ])
}

/// A sweep folder of three values, with `--xlsx`.
fn sweep(out: &Path) -> Run {
    ok(&[
        "sweep",
        "scenarios/baseline.toml",
        "--vary",
        "terms.revenue_share.rate=0.1,0.2,0.3",
        "--trials",
        "100",
        "--quiet",
        "--xlsx",
        "--out",
        path_str(out),
    ])
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("list folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

#[test]
fn run_compare_and_sweep_write_the_workbook_and_print_its_path() {
    let tmp = tempdir();
    let base = tmp.path().join("base");
    let r = baseline(&base, &[]);
    let book = base.join(FILE);
    assert!(
        r.stdout.contains(&format!("workbook: {}", book.display())),
        "{}",
        r.dump()
    );
    let bytes = fs::read(&book).expect("summary.xlsx");
    assert!(bytes.starts_with(b"PK"), "not a zip file");
    let cmp = tmp.path().join("cmp");
    let r = compare(&cmp);
    assert!(
        r.stdout
            .contains(&format!("workbook: {}", cmp.join(FILE).display()))
    );
    assert!(cmp.join(FILE).is_file());
    let sw = tmp.path().join("sweep");
    let r = sweep(&sw);
    assert!(
        r.stdout
            .contains(&format!("workbook: {}", sw.join(FILE).display()))
    );
    assert!(sw.join(FILE).is_file());
    // Nothing half-written is left beside it.
    for dir in [tmp.path().join("base"), cmp, sw] {
        for e in fs::read_dir(&dir).expect("list") {
            let name = e.expect("entry").file_name();
            assert!(
                !name.to_string_lossy().contains("partial"),
                "{name:?} left in {}",
                dir.display()
            );
        }
    }
}

/// The same run gives the same bytes: on one thread or two, and when
/// `report --xlsx` makes the workbook again from the folder.
#[test]
fn the_workbook_is_the_same_whatever_the_threads_and_when_made_again() {
    let tmp = tempdir();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    baseline(&one, &["--threads", "1"]);
    baseline(&two, &["--threads", "2"]);
    let a = fs::read(one.join(FILE)).expect("read");
    let b = fs::read(two.join(FILE)).expect("read");
    assert!(a == b, "summary.xlsx differs between 1 and 2 threads");
    let r = ok(&["report", path_str(&one), "--xlsx"]);
    assert!(r.stdout.contains("workbook written to"), "{}", r.dump());
    assert!(
        fs::read(one.join(FILE)).expect("read") == a,
        "report --xlsx wrote other bytes than run --xlsx"
    );
    assert!(
        !one.join("report.html").exists(),
        "--xlsx writes the workbook instead of the HTML page"
    );
}

/// A damaged or missing file is refused (exit 2) with its name; nothing
/// panics and no workbook is left.
#[test]
fn damaged_files_are_refused_with_their_name() {
    let tmp = tempdir();
    let base = tmp.path().join("base");
    baseline(&base, &[]);
    let cases: [(&str, Option<&str>); 4] = [
        ("summary.csv", Some("metric,n,mean\nunmet_share,3\n")),
        ("sensitivity.csv", Some("metric,input\n")),
        ("timeseries_wide.csv", None),
        ("manifest.json", Some("{ not json")),
    ];
    for (file, content) in cases {
        let dir = tmp.path().join(format!("damaged-{file}"));
        copy_folder(&base, &dir);
        fs::remove_file(dir.join(FILE)).expect("remove the workbook");
        match content {
            Some(text) => fs::write(dir.join(file), text).expect("write"),
            None => fs::remove_file(dir.join(file)).expect("remove"),
        }
        let r = rofrsim(["report", path_str(&dir), "--xlsx"]);
        assert_eq!(r.code, Some(2), "{file}: {}", r.dump());
        assert!(r.crash_signs().is_empty(), "{}", r.dump());
        assert!(
            r.stderr.starts_with("error: ") && r.stderr.contains(file),
            "{file}: the message does not name it: {}",
            r.dump()
        );
        assert!(!dir.join(FILE).exists(), "{file}: a workbook was left");
    }
    let r = rofrsim(["report", path_str(&tmp.path().join("nowhere")), "--xlsx"]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    let r = rofrsim(["report", path_str(&base), "--xlsx", "--out", "x.html"]);
    assert_eq!(r.code, Some(2), "--xlsx with --out: {}", r.dump());
}

/// A folder without `trials.csv` (or without its NPV column) still gets
/// its workbook, without the histogram.
#[test]
fn a_folder_without_trials_csv_gets_its_workbook() {
    let tmp = tempdir();
    let base = tmp.path().join("base");
    baseline(&base, &[]);
    fs::remove_file(base.join("trials.csv")).expect("remove trials.csv");
    ok(&["report", path_str(&base), "--xlsx"]);
    assert!(base.join(FILE).is_file());
}

// ---------------------------------------------------------------------------
// Checks that need python3 with openpyxl, or LibreOffice and pdftoppm
// ---------------------------------------------------------------------------

/// python3 with openpyxl; panics, saying how to install it, without.
fn python_with_openpyxl() -> Command {
    let mut probe = common::python3();
    let o = probe
        .args(["-c", "import openpyxl"])
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "this test needs the Python module openpyxl (Debian: apt-get install python3-openpyxl, \
         or python3 -m pip install openpyxl; .ci/run installs it): {}",
        String::from_utf8_lossy(&o.stderr).trim()
    );
    common::python3()
}

fn xlsx_check(args: &[&Path]) -> std::process::Output {
    let mut cmd = python_with_openpyxl();
    cmd.arg(common::root().join("tests/xlsx_check.py"));
    for a in args {
        cmd.arg(a);
    }
    cmd.output().expect("run python3 tests/xlsx_check.py")
}

fn check_py(folder: &Path) {
    let o = xlsx_check(&[Path::new("check"), folder]);
    assert!(
        o.status.success(),
        "xlsx_check.py check {} failed:\n{}{}",
        folder.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every sheet and cell of the workbooks of a run, a compare and a sweep
/// folder, and of a run without `trials.csv`, read back by openpyxl and
/// compared with the folder's CSVs; and the checker catches a workbook
/// whose charts are gone.
#[test]
#[ignore = "needs python3 with openpyxl; .ci/run installs it and runs it with --include-ignored"]
fn workbooks_pass_xlsx_check_py() {
    python_with_openpyxl();
    let tmp = tempdir();
    let base = tmp.path().join("base");
    baseline(&base, &[]);
    check_py(&base);
    let cmp = tmp.path().join("cmp");
    compare(&cmp);
    check_py(&cmp);
    let sw = tmp.path().join("sweep");
    sweep(&sw);
    check_py(&sw);

    let bare = tmp.path().join("no-trials");
    copy_folder(&base, &bare);
    fs::remove_file(bare.join("trials.csv")).expect("remove trials.csv");
    ok(&["report", path_str(&bare), "--xlsx"]);
    check_py(&bare);

    // The checker itself: a workbook without its charts fails.
    let stripped = tmp.path().join("stripped");
    copy_folder(&base, &stripped);
    let o = xlsx_check(&[
        Path::new("strip-charts"),
        &base.join(FILE),
        &stripped.join(FILE),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = xlsx_check(&[Path::new("check"), &stripped]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success(),
        "xlsx_check.py passed a workbook without charts"
    );
    assert!(err.contains("Charts: 0 charts"), "{err}");
}

/// Runs `program args…` with a time limit; panics with its output if it
/// fails or hangs.
fn tool(program: &str, args: &[&str], limit: Duration) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e})"));
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} {} took longer than {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().expect("collect output");
    assert!(
        o.status.success(),
        "{program} {} failed ({}):\n{}{}",
        args.join(" "),
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Panics, saying how to install it, when `program --version` cannot run.
fn require(program: &str, package: &str) {
    let ran = Command::new(program)
        .arg(if program == "pdftoppm" {
            "-v"
        } else {
            "--version"
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        ran.is_ok_and(|s| s.success()),
        "this test needs {program} (Debian: apt-get install {package}; .ci/run installs it)"
    );
}

/// An RGB image (pdftoppm's PPM, `P6`).
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn read_ppm(path: &Path) -> Image {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        // The header: P6, width, height, maxval, each after whitespace.
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            while !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
        }
        assert_eq!(fields[0], "P6", "{} is not a binary PPM", path.display());
        assert_eq!(
            fields[3],
            "255",
            "{}: 8-bit channels expected",
            path.display()
        );
        let width: usize = fields[1].parse().expect("width");
        let height: usize = fields[2].parse().expect("height");
        let rgb = bytes[i + 1..].to_vec();
        assert_eq!(
            rgb.len(),
            width * height * 3,
            "{}: truncated",
            path.display()
        );
        Image { width, height, rgb }
    }

    /// The share of pixels in the rectangle that are clearly coloured (not
    /// white, grey or black): chart series, never text or grid lines.
    fn coloured_share(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let mut coloured = 0usize;
        for y in y0..y1 {
            for x in x0..x1 {
                let p = &self.rgb[(y * self.width + x) * 3..][..3];
                let (lo, hi) = (p.iter().min().unwrap_or(&0), p.iter().max().unwrap_or(&0));
                if hi - lo >= 60 {
                    coloured += 1;
                }
            }
        }
        coloured as f64 / ((x1 - x0) * (y1 - y0)).max(1) as f64
    }
}

/// The least share of coloured pixels each chart's place must hold. The
/// baseline's charts hold 0.7 % (the two thin lines of Azure's share) to
/// 9 % (the histogram's bars); without them there are none at all.
const LEAST_COLOURED: f64 = 0.003;

/// Converts `book` to PDF (one page per sheet), renders the Charts sheet
/// (the second page) and returns the coloured share of each quarter of it,
/// where the 2 × 2 charts are.
fn chart_ink(book: &Path, work: &Path) -> [f64; 4] {
    fs::create_dir_all(work).expect("create folder");
    let profile = format!(
        "-env:UserInstallation=file://{}",
        path_str(&work.join("profile"))
    );
    tool(
        "soffice",
        &[
            &profile,
            "--headless",
            "--convert-to",
            // One page per sheet, so the Charts sheet is page 2 whatever
            // the size of the others.
            r#"pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}"#,
            "--outdir",
            path_str(work),
            path_str(book),
        ],
        Duration::from_secs(300),
    );
    let stem = book
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("summary");
    let pdf = work.join(format!("{stem}.pdf"));
    assert!(pdf.is_file(), "soffice wrote no {}", pdf.display());
    let prefix = work.join("charts");
    tool(
        "pdftoppm",
        &[
            "-f",
            "2",
            "-l",
            "2",
            "-r",
            "50",
            "-singlefile",
            path_str(&pdf),
            path_str(&prefix),
        ],
        Duration::from_secs(120),
    );
    let img = Image::read_ppm(&work.join("charts.ppm"));
    let (w, h) = (img.width, img.height);
    [
        img.coloured_share(0, 0, w / 2, h / 2),
        img.coloured_share(w / 2, 0, w, h / 2),
        img.coloured_share(0, h / 2, w / 2, h),
        img.coloured_share(w / 2, h / 2, w, h),
    ]
}

/// The workbook as LibreOffice draws it: every chart's quarter of the
/// Charts page holds coloured ink. The same workbook with its charts
/// stripped (by openpyxl) must fail the same check, so the check cannot
/// pass on a page without charts.
#[test]
#[ignore = "needs LibreOffice, pdftoppm and python3 with openpyxl; .ci/run installs them and runs it with --include-ignored"]
fn charts_are_drawn_when_rendered() {
    require("soffice", "libreoffice-calc");
    require("pdftoppm", "poppler-utils");
    python_with_openpyxl();
    let tmp = tempdir();
    let base = tmp.path().join("base");
    baseline(&base, &[]);
    let ink = chart_ink(&base.join(FILE), &tmp.path().join("render"));
    eprintln!("coloured share of each chart's place: {ink:?}");
    let names = [
        "demand and capacity",
        "Azure's share",
        "NPV histogram",
        "tornado",
    ];
    for (share, name) in ink.iter().zip(names) {
        assert!(
            *share >= LEAST_COLOURED,
            "the {name} chart is not drawn: {:.4} % of its place is coloured (all: {ink:?})",
            share * 100.0
        );
    }

    let stripped = tmp.path().join("stripped.xlsx");
    let o = xlsx_check(&[Path::new("strip-charts"), &base.join(FILE), &stripped]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bare = chart_ink(&stripped, &tmp.path().join("render-stripped"));
    assert!(
        bare.iter().all(|s| *s < LEAST_COLOURED),
        "the check passes a workbook without charts: {bare:?}"
    );
}
