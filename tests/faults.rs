//! Fault injection, end to end (issue #6, point 3): a full disk, an output
//! folder that becomes read-only or disappears mid-run, SIGTERM / SIGINT
//! during `sweep` and `compare`, and damaged `manifest.json` /
//! `sensitivity.csv` files given to `compare` / `sensitivity`. In every
//! case: one clear `error: …` message, a non-zero exit, no file left that
//! looks complete, and any earlier output folder intact.
//!
//! The full-disk and read-only cases mount a small tmpfs or a read-only bind
//! mount, which needs root (CAP_SYS_ADMIN). They are `#[ignore]`d for plain
//! `cargo test`; `.ci/run` (as root) runs them with `cargo test --
//! --include-ignored`. Where `mount` is refused they fail, saying so: they
//! never pass without checking anything.
//!
//! Not repeated here (see tests/run_cli.rs and tests/analysis_cli.rs):
//! SIGINT / SIGTERM during `run`, an existing folder without `--force`, an
//! output path under /proc or under a file, truncated or corrupted
//! `trials.csv` given to `compare`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Run, Spawned, rofrsim, rofrsim_env, root, spawn_env};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-faults-")
        .tempdir()
        .expect("create a temporary folder")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Path → bytes of every file under `dir`, recursively, hidden ones
/// included (folders as `<dir>`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.insert(p.clone(), b"<dir>".to_vec());
            out.extend(snapshot(&p));
        } else {
            out.insert(p.clone(), fs::read(&p).unwrap_or_default());
        }
    }
    out
}

fn names(snap: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    snap.keys().map(|p| p.display().to_string()).collect()
}

/// A failed command: no crash, exit code `code` (any non-zero when None),
/// stderr one clear `error…` message, stdout without a result table.
fn assert_clean_failure(r: &Run, code: Option<i32>, what: &str) {
    assert!(!r.timed_out, "{what}: hung\n{}", r.dump());
    assert!(
        r.crash_signs().is_empty(),
        "{what}: crashed ({:?})\n{}",
        r.crash_signs(),
        r.dump()
    );
    match code {
        Some(c) => assert_eq!(r.code, Some(c), "{what}: exit code\n{}", r.dump()),
        None => assert!(
            matches!(r.code, Some(c) if c != 0),
            "{what}: expected a non-zero exit (not death by a signal)\n{}",
            r.dump()
        ),
    }
    assert!(
        r.stderr.trim_start().starts_with("error"),
        "{what}: stderr should be one clear `error: …` message\n{}",
        r.dump()
    );
    assert!(
        !r.stdout.contains("outputs:"),
        "{what}: stdout reports outputs of a failed run\n{}",
        r.dump()
    );
}

/// Runs `mount ARGS…`; Err with its stderr when refused.
fn mount(args: &[&str]) -> Result<(), String> {
    match Command::new("mount").args(args).output() {
        Err(e) => Err(format!("cannot run mount: {e}")),
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "mount {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
    }
}

/// A mount point, unmounted on drop.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // Still busy (a child not yet reaped): detach it lazily.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// How to run the tests that mount, for the failure message.
const NEEDS_ROOT: &str = "this test needs root (CAP_SYS_ADMIN) to mount a tmpfs or a bind mount; \
     run it as root, e.g. `.ci/run` or `cargo test --test faults -- --include-ignored` as root";

/// Mounts a tmpfs of `size` (e.g. "1m") on `dir`; panics, saying the test
/// needs root, when mounting is not permitted here.
fn tmpfs(dir: &Path, size: &str) -> Mounted {
    fs::create_dir_all(dir).expect("create the mount point");
    match mount(&[
        "-t",
        "tmpfs",
        "-o",
        &format!("size={size}"),
        "tmpfs",
        &s(dir),
    ]) {
        Ok(()) => Mounted(dir.to_path_buf()),
        Err(e) => panic!("cannot mount a tmpfs ({e}): {NEEDS_ROOT}"),
    }
}

/// Makes `dir` read-only in place (a read-only bind mount over itself):
/// files already open for writing stay writable, every new entry, rename
/// or removal under `dir` fails with EROFS, even for root.
fn bind_read_only(dir: &Path) -> Result<Mounted, String> {
    mount(&["--bind", &s(dir), &s(dir)])?;
    let m = Mounted(dir.to_path_buf());
    // The kernel refuses (EBUSY, "mount point is busy") while a write
    // through the new mount is under way — the run under test is writing —
    // so try again for a moment rather than fail on the timing.
    let mut tries = 0;
    loop {
        match mount(&["-o", "remount,bind,ro", &s(dir)]) {
            Ok(()) => return Ok(m),
            Err(e) if e.contains("busy") && tries < 200 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Panics, saying the test needs root, unless this process may mount
/// (checked with a scratch tmpfs at `scratch`).
fn require_mount(scratch: &Path) {
    drop(tmpfs(scratch, "64k"));
}

/// Fills the file system holding `dir` until `free_bytes` (rounded down to
/// whole 4 KiB pages) remain; returns the filler file.
fn fill(dir: &Path, free_bytes: u64) -> PathBuf {
    let filler = dir.join("filler.bin");
    let mut f = fs::File::create(&filler).expect("create the filler");
    let chunk = vec![0x5au8; 4096];
    let mut written: u64 = 0;
    while f.write_all(&chunk).is_ok() {
        written += chunk.len() as u64;
    }
    drop(f);
    let pages_free = free_bytes / 4096;
    let keep = written.saturating_sub(pages_free * 4096);
    fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .and_then(|f| f.set_len(keep))
        .expect("shrink the filler");
    filler
}

/// `rofrsim run SCENARIO --trials N --out OUT --quiet EXTRA…`.
fn run_args(scenario: &Path, trials: u64, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "run".to_string(),
        s(scenario),
        "--trials".into(),
        trials.to_string(),
        "--out".into(),
        s(out),
        "--quiet".into(),
    ];
    a.extend(extra.iter().map(|x| x.to_string()));
    a
}

/// A 1 MB tmpfs at `tmp/disk` (panics where it cannot be mounted), holding
/// an earlier run's folder `earlier` when `with_earlier`.
fn small_disk(tmp: &Path, with_earlier: bool) -> (PathBuf, Mounted) {
    let disk = tmp.join("disk");
    let mounted = tmpfs(&disk, "1m");
    if with_earlier {
        earlier_run(&disk.join("earlier"));
    }
    (disk, mounted)
}

/// A small complete run into `out` (the "earlier output" a failure must
/// not touch).
fn earlier_run(out: &Path) {
    let r = rofrsim(run_args(&fixture("minimal.toml"), 20, out, &[]));
    assert_eq!(r.code, Some(0), "the earlier run failed\n{}", r.dump());
    assert!(out.join("trials.csv").is_file());
}

/// Waits until an entry whose name contains `needle` appears in `dir`
/// while `child` runs; its path, or None if the child ended first.
fn wait_for_entry(child: &mut Spawned, dir: &Path, needle: &str) -> Option<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && child.running() {
        if let Some(p) = fs::read_dir(dir).ok().and_then(|rd| {
            rd.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .contains(needle)
            })
        }) {
            return Some(p);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

// ---------------------------------------------------------------------------
// A full disk
// ---------------------------------------------------------------------------

/// Skips the up-front disk-space check, standing in for a disk that
/// something else fills while the run goes on (the check cannot foresee it).
const SKIP_DISK_CHECK: &[(&str, &str)] = &[("ROFRSIM_SKIP_DISK_CHECK", "1")];

/// Without the stand-in, a run whose trials.csv cannot fit is refused
/// before any work: exit 2, the destination and the free space named, the
/// disk exactly as before.
#[test]
#[ignore = "needs root to mount a tmpfs; .ci/run runs it with --include-ignored"]
fn a_run_too_big_for_the_disk_is_refused_up_front() {
    let tmp = tempdir();
    let (disk, _mounted) = small_disk(tmp.path(), true);
    let before = snapshot(&disk);
    let out = disk.join("new");
    let r = rofrsim(run_args(&fixture("minimal.toml"), 5000, &out, &[]));
    assert_clean_failure(&r, Some(2), "too big for the disk");
    assert!(
        r.stderr.contains("GB is free") && r.stderr.contains(&s(&out)),
        "the message names the free space and the destination\n{}",
        r.dump()
    );
    assert!(snapshot(&disk) == before, "the disk changed\n{}", r.dump());
}

/// trials.csv of 5000 minimal.toml trials is ~1.5 MB: a 1 MB tmpfs fills
/// while it is being written. With a new destination and over an earlier
/// folder with --force: non-zero exit, "no space" in the message, the disk
/// exactly as before.
#[test]
#[ignore = "needs root to mount a tmpfs; .ci/run runs it with --include-ignored"]
fn a_full_disk_while_writing_trials_fails_cleanly() {
    let tmp = tempdir();
    let (disk, _mounted) = small_disk(tmp.path(), true);
    let before = snapshot(&disk);
    for (out, extra) in [
        (disk.join("new"), vec![]),
        (disk.join("earlier"), vec!["--force"]),
    ] {
        let what = format!("full disk, --out {} {extra:?}", out.display());
        let r = rofrsim_env(
            run_args(&fixture("minimal.toml"), 5000, &out, &extra),
            SKIP_DISK_CHECK,
        );
        assert_clean_failure(&r, Some(1), &what);
        assert!(
            r.stderr.to_lowercase().contains("space"),
            "{what}: the message should say the disk is full\n{}",
            r.dump()
        );
        let after = snapshot(&disk);
        assert_eq!(
            names(&after),
            names(&before),
            "{what}: files left on the full disk\n{}",
            r.dump()
        );
        assert!(after == before, "{what}: the earlier output folder changed");
    }
}

/// The disk has room for trials.csv but not for the files written after
/// it (summary, sensitivity, timeseries, manifest): the run must still
/// fail and leave nothing.
#[test]
#[ignore = "needs root to mount a tmpfs; .ci/run runs it with --include-ignored"]
fn a_full_disk_after_trials_fails_cleanly() {
    let tmp = tempdir();
    // The size trials.csv will have, from the same run on the real disk.
    let reference = tmp.path().join("reference");
    let r = rofrsim(run_args(&fixture("minimal.toml"), 300, &reference, &[]));
    assert_eq!(r.code, Some(0), "reference run\n{}", r.dump());
    let trials_len = fs::metadata(reference.join("trials.csv"))
        .expect("trials.csv")
        .len();
    let rest: u64 = ["summary.csv", "sensitivity.csv", "timeseries.csv"]
        .iter()
        .map(|f| fs::metadata(reference.join(f)).map_or(0, |m| m.len()))
        .sum();
    assert!(
        rest > 2 * 4096,
        "the later files are too small for this test"
    );

    let (disk, _mounted) = small_disk(tmp.path(), true);
    // Room for trials.csv (whole pages) and one page more.
    fill(&disk, trials_len.div_ceil(4096) * 4096 + 4096);
    let before = snapshot(&disk);
    for (out, extra) in [
        (disk.join("new"), vec![]),
        (disk.join("earlier"), vec!["--force"]),
    ] {
        let what = format!(
            "disk full after trials.csv, --out {} {extra:?}",
            out.display()
        );
        let r = rofrsim(run_args(&fixture("minimal.toml"), 300, &out, &extra));
        assert_clean_failure(&r, Some(1), &what);
        assert!(
            r.stderr.to_lowercase().contains("space"),
            "{what}: the message should say the disk is full\n{}",
            r.dump()
        );
        if r.stderr.contains("trials.csv") {
            eprintln!("note: {what}: failed while writing trials.csv, not after it");
        }
        let after = snapshot(&disk);
        assert_eq!(
            names(&after),
            names(&before),
            "{what}: files left on the full disk\n{}",
            r.dump()
        );
        assert!(after == before, "{what}: the earlier output folder changed");
    }
}

/// `sweep` and `compare` on a full disk: the same contract as `run`.
#[test]
#[ignore = "needs root to mount a tmpfs; .ci/run runs it with --include-ignored"]
fn a_full_disk_fails_sweep_and_compare_cleanly() {
    let tmp = tempdir();
    let (disk, _mounted) = small_disk(tmp.path(), true);
    fill(&disk, 0);
    let before = snapshot(&disk);
    let minimal = s(&fixture("minimal.toml"));
    let shift = s(&fixture("analysis_shift.toml"));
    let shift_up = s(&fixture("analysis_shift_up.toml"));
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "sweep, new folder",
            vec![
                "sweep".into(),
                minimal.clone(),
                "--vary".into(),
                "demand.initial_gw=1,2".into(),
                "--trials".into(),
                "50".into(),
                "--out".into(),
                s(&disk.join("sweep")),
                "-q".into(),
            ],
        ),
        (
            "sweep over the earlier folder",
            vec![
                "sweep".into(),
                minimal.clone(),
                "--vary".into(),
                "demand.initial_gw=1,2".into(),
                "--trials".into(),
                "50".into(),
                "--out".into(),
                s(&disk.join("earlier")),
                "--force".into(),
                "-q".into(),
            ],
        ),
        (
            "compare, new folder",
            vec![
                "compare".into(),
                shift.clone(),
                shift_up.clone(),
                "--trials".into(),
                "50".into(),
                "--out".into(),
                s(&disk.join("cmp")),
                "-q".into(),
            ],
        ),
        (
            "compare over the earlier folder",
            vec![
                "compare".into(),
                shift,
                shift_up,
                "--trials".into(),
                "50".into(),
                "--out".into(),
                s(&disk.join("earlier")),
                "--force".into(),
                "-q".into(),
            ],
        ),
    ];
    for (what, args) in cases {
        let r = rofrsim_env(args, SKIP_DISK_CHECK);
        assert_clean_failure(&r, Some(1), what);
        assert!(
            r.stderr.to_lowercase().contains("space"),
            "{what}: the message should say the disk is full\n{}",
            r.dump()
        );
        let after = snapshot(&disk);
        assert_eq!(
            names(&after),
            names(&before),
            "{what}: files left\n{}",
            r.dump()
        );
        assert!(after == before, "{what}: the earlier output folder changed");
    }
}

/// "A clear message" on a full disk says where the write failed: the
/// `--out` folder the user asked for, not a bare file name (`cannot write
/// trials.csv`: which run's?) or only the hidden staging folder that no
/// longer exists once the command has failed.
#[test]
#[ignore = "needs root to mount a tmpfs; .ci/run runs it with --include-ignored"]
fn a_full_disk_message_names_the_output_folder() {
    let tmp = tempdir();
    let (disk, _mounted) = small_disk(tmp.path(), false);
    fill(&disk, 0);
    let run_out = disk.join("run-out");
    let sweep_out = disk.join("sweep-out");
    let compare_out = disk.join("compare-out");
    let cases: Vec<(&str, &Path, Vec<String>)> = vec![
        (
            "run",
            &run_out,
            run_args(&fixture("minimal.toml"), 50, &run_out, &[]),
        ),
        (
            "sweep",
            &sweep_out,
            vec![
                "sweep".into(),
                s(&fixture("minimal.toml")),
                "--vary".into(),
                "demand.initial_gw=1,2".into(),
                "--trials".into(),
                "50".into(),
                "--out".into(),
                s(&sweep_out),
                "-q".into(),
            ],
        ),
        (
            "compare",
            &compare_out,
            vec![
                "compare".into(),
                s(&fixture("analysis_shift.toml")),
                s(&fixture("analysis_shift_up.toml")),
                "--trials".into(),
                "50".into(),
                "--out".into(),
                s(&compare_out),
                "-q".into(),
            ],
        ),
    ];
    let mut unclear = Vec::new();
    for (what, out, args) in cases {
        let r = rofrsim_env(args, SKIP_DISK_CHECK);
        assert_clean_failure(&r, Some(1), what);
        if !r.stderr.contains(&s(out)) {
            unclear.push(format!(
                "{what} --out {}: {}",
                out.display(),
                r.stderr.trim()
            ));
        }
    }
    assert!(
        unclear.is_empty(),
        "full-disk messages that do not name the --out folder:\n  {}",
        unclear.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// The output folder becomes unwritable, or disappears, mid-run
// ---------------------------------------------------------------------------

/// Trials for a run that is still simulating a second or more after its
/// staging folder appears (debug build).
const LONG_TRIALS: u64 = 20_000;

/// The parent of `--out` is made read-only (a read-only bind mount; chmod
/// does not stop root) while trials are being simulated. The open
/// trials.csv stays writable, so the failure comes when the next file is
/// created: a non-zero exit naming the read-only file system, and the
/// earlier folder intact. The staging folder cannot be removed from a
/// read-only file system: it may stay behind, hidden and incomplete (no
/// manifest.json), which is reported as a note.
#[test]
#[ignore = "needs root to mount a tmpfs and a read-only bind mount; .ci/run runs it with --include-ignored"]
fn an_output_folder_made_read_only_mid_run_fails_cleanly() {
    let tmp = tempdir();
    require_mount(&tmp.path().join("probe"));
    for with_earlier in [false, true] {
        let parent = tmp.path().join(format!("parent-{with_earlier}"));
        fs::create_dir(&parent).expect("parent");
        let out = parent.join("out");
        let mut extra = vec!["--threads", "1"];
        if with_earlier {
            earlier_run(&out);
            extra.push("--force");
        }
        let earlier = snapshot(&out);
        let what = format!("read-only mid-run, earlier folder: {with_earlier}");
        let mut child = spawn_env(
            run_args(&fixture("minimal.toml"), LONG_TRIALS, &out, &extra),
            &[],
        );
        let Some(staging) = wait_for_entry(&mut child, &parent, "rofrsim-partial") else {
            let r = child.wait(Duration::from_secs(60));
            panic!("{what}: no staging folder seen while it ran\n{}", r.dump());
        };
        let ro = bind_read_only(&parent);
        let still_running = child.running();
        let r = child.wait(Duration::from_secs(120));
        let ro = ro.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            still_running,
            "{what}: the run ended before the folder was made read-only; raise LONG_TRIALS\n{}",
            r.dump()
        );
        assert_clean_failure(&r, Some(1), &what);
        assert!(
            r.stderr.contains("Read-only") || r.stderr.contains("read-only"),
            "{what}: the message should say the file system is read-only\n{}",
            r.dump()
        );
        drop(ro);
        assert_eq!(
            snapshot(&out),
            earlier,
            "{what}: the destination changed (or was created)"
        );
        let left: Vec<PathBuf> = fs::read_dir(&parent)
            .expect("list parent")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p != &out)
            .collect();
        for p in &left {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            assert!(
                name.starts_with('.') && name.contains("rofrsim-partial") && p == &staging,
                "{what}: unexpected entry left beside the output: {}",
                p.display()
            );
            assert!(
                !p.join("manifest.json").exists() && !p.join("summary.csv").exists(),
                "{what}: the staging folder left behind looks complete: {:?}",
                names(&snapshot(p))
            );
            eprintln!(
                "note: {what}: the staging folder {} stays behind (the file system was read-only): {:?}",
                p.display(),
                names(&snapshot(p))
            );
        }
    }
}

/// The staging folder is deleted while trials are simulated (a cleaner
/// sweeping hidden folders): the run must fail, not report success, and
/// the earlier folder must survive.
#[test]
fn the_staging_folder_removed_mid_run_fails_cleanly() {
    let tmp = tempdir();
    for with_earlier in [false, true] {
        let parent = tmp.path().join(format!("parent-{with_earlier}"));
        fs::create_dir(&parent).expect("parent");
        let out = parent.join("out");
        let mut extra = vec!["--threads", "1"];
        if with_earlier {
            earlier_run(&out);
            extra.push("--force");
        }
        let earlier = snapshot(&out);
        let what = format!("staging removed mid-run, earlier folder: {with_earlier}");
        let mut child = spawn_env(
            run_args(&fixture("minimal.toml"), LONG_TRIALS, &out, &extra),
            &[],
        );
        let Some(staging) = wait_for_entry(&mut child, &parent, "rofrsim-partial") else {
            let r = child.wait(Duration::from_secs(60));
            panic!("{what}: no staging folder seen while it ran\n{}", r.dump());
        };
        // Let trials.csv be created inside it first.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !staging.join("trials.csv").exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        fs::remove_dir_all(&staging).expect("remove the staging folder");
        let still_running = child.running();
        let r = child.wait(Duration::from_secs(120));
        assert!(
            still_running,
            "{what}: the run ended before its staging folder was removed; raise LONG_TRIALS\n{}",
            r.dump()
        );
        assert_clean_failure(&r, Some(1), &what);
        assert_eq!(snapshot(&out), earlier, "{what}: the destination changed");
        let left: Vec<String> = fs::read_dir(&parent)
            .expect("list parent")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p != &out)
            .map(|p| p.display().to_string())
            .collect();
        assert!(left.is_empty(), "{what}: left beside the output: {left:?}");
    }
}

// ---------------------------------------------------------------------------
// SIGTERM / SIGINT during sweep and compare
// ---------------------------------------------------------------------------

/// `run` is covered by tests/run_cli.rs; `sweep` and `compare` stage their
/// folders the same way and must stop as cleanly, keeping an earlier
/// folder replaced with --force.
#[test]
fn signals_during_sweep_and_compare_leave_nothing_behind() {
    let tmp = tempdir();
    let minimal = s(&fixture("minimal.toml"));
    let shift = s(&fixture("analysis_shift.toml"));
    let shift_up = s(&fixture("analysis_shift_up.toml"));
    for (k, (what, signal, with_earlier)) in [
        ("sweep", "TERM", false),
        ("sweep", "INT", true),
        ("compare", "INT", false),
        ("compare", "TERM", true),
    ]
    .into_iter()
    .enumerate()
    {
        let parent = tmp.path().join(format!("case{k}"));
        fs::create_dir(&parent).expect("parent");
        let out = parent.join("out");
        if with_earlier {
            earlier_run(&out);
        }
        let before = snapshot(&parent);
        let mut args: Vec<String> = match what {
            "sweep" => vec![
                "sweep".into(),
                minimal.clone(),
                "--vary".into(),
                "demand.initial_gw=1,2,3,4".into(),
                "--trials".into(),
                "500000".into(),
            ],
            _ => vec![
                "compare".into(),
                shift.clone(),
                shift_up.clone(),
                "--trials".into(),
                "500000".into(),
            ],
        };
        args.extend([
            "--out".into(),
            s(&out),
            "-q".into(),
            "--threads".into(),
            "2".into(),
        ]);
        if with_earlier {
            args.push("--force".into());
        }
        let what = format!("SIG{signal} during {what}, earlier folder: {with_earlier}");
        let mut child = spawn_env(args, &[]);
        if wait_for_entry(&mut child, &parent, "rofrsim-partial").is_none() {
            let r = child.wait(Duration::from_secs(60));
            panic!("{what}: no staging folder seen while it ran\n{}", r.dump());
        }
        std::thread::sleep(Duration::from_millis(500));
        assert!(child.running(), "{what}: ended before the signal");
        child.signal(signal);
        let sent = Instant::now();
        let r = child.wait(Duration::from_secs(60));
        let took = sent.elapsed();
        assert_clean_failure(&r, Some(1), &what);
        assert!(
            r.stderr.contains("interrupt"),
            "{what}: the message should say the run was interrupted\n{}",
            r.dump()
        );
        assert!(
            took < Duration::from_secs(30),
            "{what}: took {took:?} to stop"
        );
        let after = snapshot(&parent);
        assert_eq!(
            names(&after),
            names(&before),
            "{what}: entries left\n{}",
            r.dump()
        );
        assert!(after == before, "{what}: the earlier folder changed");
    }
}

// ---------------------------------------------------------------------------
// compare: a damaged manifest.json (or a missing / empty trials.csv)
// ---------------------------------------------------------------------------

/// Two complete run folders with the same seed and trials.
fn two_runs(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("ra");
    let b = dir.join("rb");
    for (scenario, out) in [("analysis_shift.toml", &a), ("analysis_shift_up.toml", &b)] {
        let r = rofrsim(run_args(&fixture(scenario), 40, out, &["--seed", "3"]));
        assert_eq!(r.code, Some(0), "{}", r.dump());
    }
    (a, b)
}

fn copy_run(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create copy");
    for e in fs::read_dir(from).expect("list run").flatten() {
        fs::copy(e.path(), to.join(e.file_name())).expect("copy file");
    }
}

#[test]
fn compare_refuses_a_folder_with_a_missing_or_damaged_manifest() {
    let tmp = tempdir();
    let (ra, rb) = two_runs(tmp.path());
    let good = fs::read_to_string(ra.join("manifest.json")).expect("manifest");
    let json: serde_json::Value = serde_json::from_str(&good).expect("manifest JSON");
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = json.clone();
        f(&mut v);
        v.to_string().into_bytes()
    };
    // (what, manifest bytes, or None to delete it; trials.csv bytes to
    // write instead of the good one)
    type Case = (&'static str, Option<Vec<u8>>, Option<Vec<u8>>);
    let cases: Vec<Case> = vec![
        ("manifest.json missing", None, None),
        ("manifest.json empty", Some(Vec::new()), None),
        (
            "manifest.json cut mid-way",
            Some(good.as_bytes()[..good.len() / 2].to_vec()),
            None,
        ),
        (
            "manifest.json not JSON",
            Some(b"trials = 40\nseed = 3\n".to_vec()),
            None,
        ),
        (
            "manifest.json binary junk",
            Some(vec![0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96, 0x7b, 0x00]),
            None,
        ),
        (
            "manifest.json a JSON array",
            Some(b"[1, 2, 3]".to_vec()),
            None,
        ),
        ("manifest.json null", Some(b"null".to_vec()), None),
        (
            "manifest.json without seed",
            Some(with(&|v| {
                if let Some(o) = v.as_object_mut() {
                    o.remove("seed");
                }
            })),
            None,
        ),
        (
            "manifest.json trials as text",
            Some(with(&|v| v["trials"] = serde_json::json!("forty"))),
            None,
        ),
        (
            "manifest.json negative trials",
            Some(with(&|v| v["trials"] = serde_json::json!(-40))),
            None,
        ),
        (
            "manifest.json fractional seed",
            Some(with(&|v| v["seed"] = serde_json::json!(3.5))),
            None,
        ),
        (
            "manifest.json trials more than the rows",
            Some(with(&|v| v["trials"] = serde_json::json!(41))),
            None,
        ),
        (
            "manifest.json trials zero",
            Some(with(&|v| v["trials"] = serde_json::json!(0))),
            None,
        ),
        (
            "manifest.json trials 2^64-1",
            Some(with(&|v| v["trials"] = serde_json::json!(u64::MAX))),
            None,
        ),
        ("trials.csv empty", None, Some(Vec::new())),
        (
            "trials.csv header only",
            None,
            Some(
                fs::read_to_string(ra.join("trials.csv"))
                    .expect("trials")
                    .lines()
                    .next()
                    .map(|h| format!("{h}\n"))
                    .unwrap_or_default()
                    .into_bytes(),
            ),
        ),
    ];
    let arena = tmp.path().join("arena");
    fs::create_dir(&arena).expect("arena");
    for (k, (what, manifest, trials)) in cases.into_iter().enumerate() {
        let bad = arena.join(format!("bad{k}"));
        copy_run(&ra, &bad);
        match (&manifest, what.starts_with("manifest.json missing")) {
            (_, true) => fs::remove_file(bad.join("manifest.json")).expect("remove"),
            (Some(m), _) => fs::write(bad.join("manifest.json"), m).expect("write"),
            (None, _) => {}
        }
        if let Some(t) = &trials {
            fs::write(bad.join("trials.csv"), t).expect("write trials");
        }
        let before = snapshot(&arena);
        for as_b in [false, true] {
            let out = arena.join(format!("cmp{k}-{as_b}"));
            let (first, second) = if as_b { (&rb, &bad) } else { (&bad, &rb) };
            let what = format!("{what}{}", if as_b { " (as B)" } else { "" });
            let r = rofrsim([
                "compare".to_string(),
                s(first),
                s(second),
                "--out".into(),
                s(&out),
                "-q".into(),
            ]);
            assert_clean_failure(&r, Some(2), &what);
            let file = if trials.is_some() {
                "trials.csv"
            } else {
                "manifest.json"
            };
            assert!(
                r.stderr.contains(&s(&bad))
                    && (r.stderr.contains(file) || r.stderr.contains("trials.csv")),
                "{what}: the message should name {}/{file}\n{}",
                bad.display(),
                r.dump()
            );
            assert!(!out.exists(), "{what}: {} was created", out.display());
            assert_eq!(
                names(&snapshot(&arena)),
                names(&before),
                "{what}: files left behind"
            );
        }
    }
    // A folder that does not exist, and a file given as a folder.
    for (what, path) in [
        ("a folder that does not exist", arena.join("nowhere")),
        ("a CSV file instead of a folder", ra.join("trials.csv")),
    ] {
        let out = arena.join("cmp-missing");
        let r = rofrsim([
            "compare".to_string(),
            s(&ra),
            s(&path),
            "--out".into(),
            s(&out),
            "-q".into(),
        ]);
        assert_clean_failure(&r, Some(2), what);
        assert!(
            r.stderr.contains(&s(&path)),
            "{what}: the message should name {}\n{}",
            path.display(),
            r.dump()
        );
        assert!(!out.exists(), "{what}: {} was created", out.display());
    }
}

// ---------------------------------------------------------------------------
// sensitivity: a missing or damaged sensitivity.csv
// ---------------------------------------------------------------------------

#[test]
fn sensitivity_refuses_a_missing_or_damaged_file() {
    let tmp = tempdir();
    let run = tmp.path().join("run");
    let r = rofrsim(run_args(&fixture("minimal.toml"), 60, &run, &[]));
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let good = fs::read_to_string(run.join("sensitivity.csv")).expect("sensitivity.csv");
    let lines: Vec<&str> = good.lines().collect();
    assert!(lines.len() > 5, "sensitivity.csv too short: {good}");
    let header = lines[0];
    // Replaces cell `col` of data line `line` (1-based after the header).
    let with_cell = |line: usize, col: usize, value: &str| {
        let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mut cells: Vec<String> = ls[line].split(',').map(String::from).collect();
        cells[col] = value.to_string();
        ls[line] = cells.join(",");
        ls.join("\n") + "\n"
    };
    // Cut inside the fourth cell of the middle data line: that line is
    // short of cells whatever the numbers are.
    let middle = lines.len() / 2;
    let offset: usize = lines[..middle].iter().map(|l| l.len() + 1).sum();
    let third_comma = lines[middle]
        .match_indices(',')
        .nth(2)
        .map(|(i, _)| i)
        .expect("a data line has cells");
    let mid = offset + third_comma + 2;
    let cases: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("sensitivity.csv missing", None),
        ("sensitivity.csv empty", Some(Vec::new())),
        (
            "sensitivity.csv with another header",
            Some(good.replacen("spearman", "pearson", 1).into_bytes()),
        ),
        (
            "sensitivity.csv without its header",
            Some((lines[1..].join("\n") + "\n").into_bytes()),
        ),
        (
            "sensitivity.csv cut mid-line",
            Some(good.as_bytes()[..mid].to_vec()),
        ),
        ("spearman NaN", Some(with_cell(2, 3, "NaN").into_bytes())),
        ("spearman inf", Some(with_cell(2, 3, "inf").into_bytes())),
        (
            "mean_low_decile text",
            Some(with_cell(3, 5, "abc").into_bytes()),
        ),
        ("n empty", Some(with_cell(1, 8, "").into_bytes())),
        (
            "a row with a cell missing",
            Some({
                let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                let cut = ls[2].rfind(',').expect("comma");
                ls[2].truncate(cut);
                (ls.join("\n") + "\n").into_bytes()
            }),
        ),
        (
            "binary junk",
            Some(
                [
                    header.as_bytes(),
                    b"\n\xff\xfe\x00\x01,\x80,1,2,3,4,5,6,7\n",
                ]
                .concat(),
            ),
        ),
    ];
    let arena = tmp.path().join("arena");
    fs::create_dir(&arena).expect("arena");
    for (k, (what, content)) in cases.into_iter().enumerate() {
        let bad = arena.join(format!("bad{k}"));
        copy_run(&run, &bad);
        match content {
            None => fs::remove_file(bad.join("sensitivity.csv")).expect("remove"),
            Some(c) => fs::write(bad.join("sensitivity.csv"), c).expect("write"),
        }
        let before = snapshot(&arena);
        for metric in [None, Some("demand_gw_end")] {
            let mut args = vec!["sensitivity".to_string(), s(&bad)];
            if let Some(m) = metric {
                args.extend(["--metric".to_string(), m.to_string()]);
            }
            let what = format!("{what}, --metric {metric:?}");
            let r = rofrsim(args);
            assert_clean_failure(&r, Some(2), &what);
            assert!(
                r.stderr.contains("sensitivity.csv") && r.stderr.contains(&s(&bad)),
                "{what}: the message should name {}/sensitivity.csv\n{}",
                bad.display(),
                r.dump()
            );
            assert!(
                r.stdout.trim().is_empty(),
                "{what}: a partial table was printed before the error\n{}",
                r.dump()
            );
            assert_eq!(snapshot(&arena), before, "{what}: the folder changed");
        }
    }
    for (what, path) in [
        ("a folder that does not exist", arena.join("nowhere")),
        ("a file given as the folder", run.join("trials.csv")),
    ] {
        let r = rofrsim(["sensitivity".to_string(), s(&path)]);
        assert_clean_failure(&r, Some(2), what);
        assert!(
            r.stderr.contains(&s(&path)),
            "{what}: the message should name {}\n{}",
            path.display(),
            r.dump()
        );
    }
}

/// A run where no input varies writes a sensitivity.csv with a header and
/// no rows (valid). `sensitivity` on it must say there is nothing to show,
/// not print nothing at all and exit 0.
#[test]
fn sensitivity_with_nothing_to_show_says_so() {
    let tmp = tempdir();
    let out = tmp.path().join("one");
    let r = rofrsim(run_args(&fixture("minimal.toml"), 1, &out, &[]));
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let rows = fs::read_to_string(out.join("sensitivity.csv"))
        .expect("sensitivity.csv")
        .lines()
        .count();
    assert_eq!(
        rows, 1,
        "one trial: sensitivity.csv should hold only its header"
    );
    let r = rofrsim(["sensitivity".to_string(), s(&out)]);
    assert!(r.crash_signs().is_empty(), "crash\n{}", r.dump());
    let said = match r.code {
        Some(0) => !r.stdout.trim().is_empty(),
        Some(2) => r.stderr.trim_start().starts_with("error"),
        _ => false,
    };
    assert!(
        said,
        "`sensitivity` on a run where nothing varies should explain that (exit 0 with a note, or exit 2 with an error), not stay silent\n{}",
        r.dump()
    );
}
