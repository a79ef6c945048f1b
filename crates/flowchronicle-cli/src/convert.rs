//! `flowchronicle convert`: read flow records, build bidirectional flows
//! and write them in the canonical CSV.

use std::path::PathBuf;

/// Arguments of `convert`.
#[derive(clap::Args)]
pub struct Args {
    /// Input files or folders.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,

    /// Output file.
    #[arg(short, long)]
    output: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::bail!(
        "converting {} input(s) to {} is not available in this build",
        args.inputs.len(),
        args.output.display()
    )
}
