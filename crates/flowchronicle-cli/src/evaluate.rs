//! `flowchronicle evaluate`: compare synthetic flows with real flows and
//! print one row of metrics per synthetic file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use flowchronicle::eval::dkc::{DkcCounts, RULES, RULE_COUNT};
use flowchronicle::eval::{evaluate, EvalConfig, Report, Summary, CONTINUOUS};
use flowchronicle::flow::FlowTable;
use flowchronicle::io::{read_flows, Format, ReadOptions};
use serde_json::json;

use crate::progress;

/// Output layout of the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned plain-text columns.
    Table,
    /// Markdown tables.
    Markdown,
    /// A JSON array with one object per synthetic file.
    Json,
}

/// Arguments of `evaluate`.
#[derive(clap::Args)]
pub struct Args {
    /// Real flows the generator was trained on.
    #[arg(long, value_name = "TRAIN")]
    real: PathBuf,

    /// Synthetic flow files to evaluate; the real file may be among them.
    #[arg(long, value_name = "SYN", num_args = 1.., required = true)]
    synthetic: Vec<PathBuf>,

    /// Real flows the generator never saw; enables membership disclosure
    /// (MD).
    #[arg(long, value_name = "TEST")]
    holdout: Option<PathBuf>,

    /// Rows drawn from each file per repeat, without replacement (the whole
    /// file when smaller).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    sample_size: usize,

    /// Number of repeats; metrics are reported as mean ± standard deviation.
    #[arg(long, default_value_t = 20, value_name = "R")]
    repeats: usize,

    /// Seed of every random choice.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,

    /// Report EMD and DKC as the FlowChronicle authors computed them, flag
    /// every port-0 flow in DKC, and check the CIDDS-001 topology rules.
    #[arg(long)]
    paper_compatible: bool,

    /// Check the CIDDS-001 topology rules (DKC rules 10 to 13).
    #[arg(long)]
    cidds_rules: bool,

    /// Output layout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = crate::units::parse_positive)]
    threads: Option<usize>,

    /// Input format of every file: cidds, nfdump, zeek, zeek-json or csv.
    /// Detected from each file's first line when not given.
    #[arg(long, value_name = "FORMAT")]
    format_in: Option<Format>,

    /// Keep only records with this label (repeatable; ASCII case ignored).
    /// Default: the benign label of NetFlow inputs (CIDDS-001 "normal",
    /// UGR'16 "background") and every record of other inputs.
    #[arg(long = "keep-label", value_name = "LABEL")]
    keep_labels: Vec<String>,

    /// Idle time in seconds that ends a session when unidirectional NetFlow
    /// records are merged into bidirectional flows.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    session_timeout: f64,

    /// Skip malformed records and count them by reason instead of stopping
    /// at the first one.
    #[arg(long)]
    skip_invalid: bool,
}

fn read(path: &Path, options: &ReadOptions, role: &str) -> anyhow::Result<FlowTable> {
    let (table, summary) = read_flows(&[path.to_path_buf()], options)
        .with_context(|| format!("failed to read the {role} flows from {}", path.display()))?;
    log::info!(
        "read {} {role} flows from {} ({} records skipped)",
        table.flows.len(),
        path.display(),
        summary.skipped_total()
    );
    Ok(table)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .with_context(|| format!("failed to start {threads} worker threads"))?;
    }
    let options = ReadOptions {
        format: args.format_in,
        skip_invalid: args.skip_invalid,
        keep_labels: (!args.keep_labels.is_empty()).then(|| args.keep_labels.clone()),
        session_timeout_secs: args.session_timeout,
    };
    let real = read(&args.real, &options, "real")?;
    let holdout = match &args.holdout {
        Some(path) => Some(read(path, &options, "holdout")?),
        None => None,
    };
    let synthetic: Vec<FlowTable> = args
        .synthetic
        .iter()
        .map(|path| read(path, &options, "synthetic"))
        .collect::<anyhow::Result<_>>()?;

    let config = EvalConfig {
        sample_size: args.sample_size,
        repeats: args.repeats,
        seed: args.seed,
        paper_compatible: args.paper_compatible,
        cidds_rules: args.cidds_rules || args.paper_compatible,
        ..EvalConfig::default()
    };
    let started = Instant::now();
    let bar = progress::bar(config.repeats as u64, "repeats");
    let tables: Vec<&FlowTable> = synthetic.iter().collect();
    let reports = evaluate(&real, holdout.as_ref(), &tables, &config, &mut |done| {
        bar.set_position(done as u64)
    })
    .context("evaluation failed")?;
    bar.finish_and_clear();
    log::info!(
        "evaluated {} synthetic file(s) in {:.1} s ({} repeats of {} rows)",
        reports.len(),
        started.elapsed().as_secs_f64(),
        config.repeats,
        config.sample_size
    );

    let text = match args.format {
        OutputFormat::Json => render_json(&args.synthetic, &reports, &config)?,
        OutputFormat::Table => render_text(&args.synthetic, &reports, &config, false),
        OutputFormat::Markdown => render_text(&args.synthetic, &reports, &config, true),
    };
    print!("{text}");
    Ok(())
}

fn render_json(
    paths: &[PathBuf],
    reports: &[Report],
    config: &EvalConfig,
) -> anyhow::Result<String> {
    let options = config.dkc_options();
    let files: Vec<serde_json::Value> = paths
        .iter()
        .zip(reports)
        .map(|(path, report)| {
            let rules: Vec<serde_json::Value> = (0..RULE_COUNT)
                .map(|r| {
                    json!({
                        "rule": r + 1,
                        "description": RULES[r],
                        "checked": options.is_checked(r + 1),
                        "violations": report.dkc_rules.per_rule[r],
                    })
                })
                .collect();
            json!({
                "synthetic": path.display().to_string(),
                "metrics": report.metrics,
                "temporal": report.temporal,
                "dkc_rules": {
                    "flows": report.dkc_rules.flows,
                    "with_violation": report.dkc_rules.with_violation,
                    "rules": rules,
                },
            })
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&files).context("failed to format the results as JSON")?;
    text.push('\n');
    Ok(text)
}

fn summary_cell(summary: Option<Summary>) -> String {
    match summary {
        Some(s) if s.mean.is_finite() && s.std.is_finite() => {
            format!("{:.3} ± {:.3}", s.mean, s.std)
        }
        Some(s) if s.mean.is_finite() => format!("{:.3}", s.mean),
        Some(_) => "n/a".to_string(),
        None => "-".to_string(),
    }
}

/// Renders rows of cells as aligned columns or as a Markdown table.
fn render_grid(rows: &[Vec<String>], markdown: bool) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        if markdown {
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
            if i == 0 {
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                out.push_str(&format!("| {} |\n", rule.join(" | ")));
            }
        } else {
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
    }
    out
}

fn render_text(
    paths: &[PathBuf],
    reports: &[Report],
    config: &EvalConfig,
    markdown: bool,
) -> String {
    let heading = |title: &str| {
        if markdown {
            format!("### {title}\n\n")
        } else {
            format!("{title}\n\n")
        }
    };
    let mut out = String::new();
    let emd_name = if config.paper_compatible {
        "EMD (paper) ↓"
    } else {
        "EMD ↓"
    };
    let dkc_name = if config.paper_compatible {
        "DKC (paper) ↓"
    } else {
        "DKC ↓"
    };
    let mut rows = vec![[
        "synthetic",
        "Density ↑",
        "Coverage ↑",
        "CMD ↓",
        "PCD ↓",
        emd_name,
        "JSD ↓",
        dkc_name,
        "MD",
    ]
    .map(String::from)
    .to_vec()];
    for (path, report) in paths.iter().zip(reports) {
        let m = &report.metrics;
        rows.push(vec![
            path.display().to_string(),
            summary_cell(Some(m.density)),
            summary_cell(Some(m.coverage)),
            summary_cell(Some(m.cmd)),
            summary_cell(Some(m.pcd)),
            summary_cell(Some(m.emd)),
            summary_cell(Some(m.jsd)),
            summary_cell(Some(m.dkc)),
            summary_cell(m.md),
        ]);
    }
    out.push_str(&heading(&format!(
        "Metrics: mean ± std over {} repeats of {} rows, seed {}",
        config.repeats, config.sample_size, config.seed
    )));
    out.push_str(&render_grid(&rows, markdown));

    let mut rows = vec![std::iter::once("synthetic".to_string())
        .chain(CONTINUOUS.iter().map(|f| f.to_string()))
        .collect::<Vec<_>>()];
    let mut notes = Vec::new();
    for (path, report) in paths.iter().zip(reports) {
        let mut row = vec![path.display().to_string()];
        for t in &report.temporal {
            match t.value {
                Some(v) => {
                    let lags = t.significant_lags.len();
                    let unit = if lags == 1 { "lag" } else { "lags" };
                    row.push(format!("{v:.3} ({lags} {unit})"))
                }
                None => {
                    row.push("n/a".to_string());
                    // The reason is usually about the real series, so each
                    // distinct reason per feature is printed once.
                    let note = format!("{}: {}", t.feature, t.note);
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                }
            }
        }
        rows.push(row);
    }
    out.push('\n');
    out.push_str(&heading(
        "Temporal autocorrelation error ↓: mean |ACF difference| at the significant lags of the real per-second sums",
    ));
    out.push_str(&render_grid(&rows, markdown));
    for note in notes {
        out.push_str(&format!("\nn/a: {note}"));
    }
    out.push('\n');

    let options = config.dkc_options();
    let mut rows = vec![["rule", "description"]
        .map(String::from)
        .into_iter()
        .chain((1..=paths.len()).map(|i| format!("#{i}")))
        .collect::<Vec<_>>()];
    for (r, description) in RULES.iter().enumerate() {
        let mut row = vec![(r + 1).to_string(), description.to_string()];
        for report in reports {
            row.push(if options.is_checked(r + 1) {
                report.dkc_rules.per_rule[r].to_string()
            } else {
                "-".to_string()
            });
        }
        rows.push(row);
    }
    let mut total = vec![
        "any".to_string(),
        "flows breaking at least one rule".to_string(),
    ];
    total.extend(reports.iter().map(|r| format_share(&r.dkc_rules)));
    rows.push(total);
    out.push('\n');
    out.push_str(&heading(
        "DKC violations per rule on the whole synthetic files",
    ));
    out.push_str(&render_grid(&rows, markdown));
    out.push('\n');
    for (i, path) in paths.iter().enumerate() {
        out.push_str(&format!("#{}: {}\n", i + 1, path.display()));
    }
    out
}

fn format_share(counts: &DkcCounts) -> String {
    format!("{} of {}", counts.with_violation, counts.flows)
}
