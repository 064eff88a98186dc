//! `rivven-render schemas` and `rivven-render crd`.
use std::path::PathBuf;

use clap::Args;

use super::io::sayln;

use super::{EXIT_OK, EXIT_USAGE};
use crate::model::Kind;
use crate::schema::{crd_stream, plan_schema_files, schema_file_name, schema_file_text};

/// Arguments of `schemas`.
#[derive(Args, Debug)]
pub struct SchemasArgs {
    /// Directory to write `<kind>.json` and the plans' `topic-plan.json` and `registry-plan.json` into (created if missing).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// Arguments of `crd`.
#[derive(Args, Debug)]
pub struct CrdArgs {}

/// Runs `schemas`.
pub fn run_schemas(args: &SchemasArgs) -> u8 {
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        sayln!("rivven-render: cannot create {}: {e}", args.output.display());
        return EXIT_USAGE;
    }
    let mut files: Vec<(String, String)> = Kind::ALL.iter().map(|k| (schema_file_name(*k), schema_file_text(*k))).collect();
    files.extend(plan_schema_files().into_iter().map(|(name, text)| (name.to_owned(), text)));
    for (name, text) in &files {
        let path = args.output.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            sayln!("rivven-render: cannot write {}: {e}", path.display());
            return EXIT_USAGE;
        }
    }
    sayln!("wrote {} schemas to {}", files.len(), args.output.display());
    EXIT_OK
}

/// Runs `crd`.
pub fn run_crd(_args: &CrdArgs) -> u8 {
    match super::io::to_stdout(|out| out.write_all(crd_stream().as_bytes())) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
