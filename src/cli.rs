//! The command line (MODEL.md, "Command line"): every option is defined
//! once here, and `main` only dispatches.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::scenario::{self, Override};

/// Monte Carlo simulation of OpenAI's compute demand under Microsoft's
/// contract rights.
#[derive(Debug, Parser)]
#[command(name = "rofrsim", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a scenario and print its uncertain inputs with p5 / p50 / p95.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a value: key.path=VALUE, VALUE in TOML syntax
        /// (e.g. providers.azure.price=12 or 'demand.growth={dist="normal",mean=0.5,sd=0.1}').
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<Override>,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Dispatches a parsed command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Validate { scenario, set } => {
            let s = scenario::load_file(&scenario, &set)?;
            print!("{}", crate::validate::report(&s));
            Ok(())
        }
    }
}
