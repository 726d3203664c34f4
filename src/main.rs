//! The `rofrsim` command: parse the command line, run, report errors.

use std::process::ExitCode;

fn main() -> ExitCode {
    rofrsim::commands::main()
}
