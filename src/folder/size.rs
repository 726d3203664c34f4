//! How much an output folder takes: the bytes of its files, and that count
//! for a person (`12.3 MB`), as `run`, `compare` and `sweep` print it.

use std::io;
use std::path::Path;

/// The bytes of every file under `dir`, its subfolders included. Links
/// are not followed (a link counts as itself), so nothing is counted twice
/// and a link out of the folder does not count what it leads to.
pub fn bytes_under(dir: &Path) -> io::Result<u64> {
    let mut total = 0u64;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.path().symlink_metadata()?;
        total = total.saturating_add(if meta.is_dir() {
            bytes_under(&entry.path())?
        } else {
            meta.len()
        });
    }
    Ok(total)
}

/// `bytes` to three significant digits in decimal units, as a person reads
/// them: `512 B`, `1.00 kB`, `12.3 MB`, `456 GB` (1 kB = 1,000 bytes).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    for unit in UNITS {
        value /= 1000.0;
        // Rounded first: 999.7 kB shows as 1.00 MB, not as 1000 kB, and
        // 99.97 MB as 100 MB, not as 100.0 MB.
        let round = |decimals: i32| {
            let scale = 10f64.powi(decimals);
            (value * scale).round() / scale
        };
        if round(2) < 10.0 {
            return format!("{:.2} {unit}", round(2));
        }
        if round(1) < 100.0 {
            return format!("{:.1} {unit}", round(1));
        }
        if round(0) < 1000.0 {
            return format!("{:.0} {unit}", round(0));
        }
    }
    // u64 ends at 18.4 EB, so the last unit always returned.
    format!("{value:.0} EB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_in_the_unit_that_fits() {
        for (bytes, text) in [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.00 kB"),
            (1234, "1.23 kB"),
            (9_994, "9.99 kB"),
            (9_996, "10.0 kB"),
            (12_345, "12.3 kB"),
            (99_949, "99.9 kB"),
            (99_951, "100 kB"),
            (123_456, "123 kB"),
            (999_499, "999 kB"),
            (999_501, "1.00 MB"),
            (12_345_678, "12.3 MB"),
            (1_400_000_000, "1.40 GB"),
            (456_000_000_000, "456 GB"),
            (999_999_999_999, "1.00 TB"),
            (u64::MAX, "18.4 EB"),
        ] {
            assert_eq!(human(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn a_folder_counts_every_file_below_it_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), [0u8; 10]).unwrap();
        std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        std::fs::write(dir.path().join("sub/b"), [0u8; 200]).unwrap();
        std::fs::write(dir.path().join("sub/deeper/c"), [0u8; 3000]).unwrap();
        assert_eq!(bytes_under(dir.path()).unwrap(), 3210);
        // A link to a folder counts as the link, not as what it leads to.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("link")).unwrap();
            let link = std::fs::symlink_metadata(dir.path().join("link"))
                .unwrap()
                .len();
            assert_eq!(bytes_under(dir.path()).unwrap(), 3210 + link);
        }
        assert!(bytes_under(&dir.path().join("none")).is_err());
    }
}
