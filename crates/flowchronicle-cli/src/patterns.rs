//! `flowchronicle patterns`: print the patterns of a model for a person to
//! audit, most useful first, or as JSON for tools.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use flowchronicle::model::{CellValue, Model, PatternEntry};
use serde::Serialize;

/// Arguments of `patterns`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file written by `flowchronicle fit`.
    model: PathBuf,

    /// Output format: text (one table per pattern) or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,

    /// Print only the first N patterns.
    #[arg(long, value_name = "N")]
    top: Option<usize>,
}

/// A pattern as printed by `--format json`.
#[derive(Serialize)]
struct JsonPattern<'a> {
    id: usize,
    usage: u64,
    bits_saved: f64,
    rows: &'a [BTreeMap<String, CellValue>],
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let model = Model::load(&args.model)?;
    let mut patterns: Vec<&PatternEntry> = model.patterns.iter().collect();
    patterns.sort_by(|a, b| b.bits_saved.total_cmp(&a.bits_saved).then(a.id.cmp(&b.id)));
    patterns.truncate(args.top.unwrap_or(usize::MAX));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == "json" {
        let list: Vec<JsonPattern<'_>> = patterns
            .iter()
            .map(|p| JsonPattern {
                id: p.id,
                usage: p.usage,
                bits_saved: p.bits_saved,
                rows: &p.rows,
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
        return Ok(());
    }

    writeln!(
        out,
        "patterns: {}; flows left to the base network: {}; β1 binds a host, =β1 repeats it",
        model.patterns.len(),
        model.base.usage
    )?;
    for p in patterns {
        writeln!(out)?;
        write_table(&mut out, &model, p).context("failed to write to standard output")?;
    }
    Ok(())
}

fn cell_text(cell: &CellValue) -> String {
    match cell {
        CellValue::Fix(v) => v.clone(),
        CellValue::Set(x) => format!("β{}", x + 1),
        CellValue::Use(x) => format!("=β{}", x + 1),
    }
}

/// Writes one pattern as a table: a row per flow, a column per feature
/// that any row constrains, in schema order.
fn write_table(out: &mut impl Write, model: &Model, p: &PatternEntry) -> std::io::Result<()> {
    let covered_rows = p.usage * p.rows.len() as u64;
    writeln!(
        out,
        "pattern {}: usage {}, {} rows covered, {:.1} bits saved",
        p.id, p.usage, covered_rows, p.bits_saved
    )?;
    let columns: Vec<&str> = model
        .schema
        .features
        .iter()
        .map(|f| f.name.as_str())
        .filter(|name| p.rows.iter().any(|row| row.contains_key(*name)))
        .collect();
    let mut grid: Vec<Vec<String>> = vec![std::iter::once("row".to_string())
        .chain(columns.iter().map(|c| c.to_string()))
        .collect()];
    for (j, row) in p.rows.iter().enumerate() {
        let mut line = vec![(j + 1).to_string()];
        line.extend(
            columns
                .iter()
                .map(|c| row.get(*c).map(cell_text).unwrap_or_default()),
        );
        grid.push(line);
    }
    let widths: Vec<usize> = (0..grid[0].len())
        .map(|i| grid.iter().map(|l| l[i].chars().count()).max().unwrap_or(0))
        .collect();
    for line in grid {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(text, &w)| format!("{text:<w$}"))
            .collect();
        writeln!(out, "  {}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
