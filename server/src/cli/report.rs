//! The one-shot report commands: `figures`, `export` and `check`.

use super::DataDir;
use clap::Args;
use std::path::PathBuf;

/// A round: template, period and consolidating unit.
#[derive(Debug, Args)]
pub(super) struct FiguresArgs {
    #[command(flatten)]
    db: DataDir,
    /// Template id.
    #[arg(long)]
    template: String,
    /// Period id, e.g. 2024-H1.
    #[arg(long)]
    period: String,
    /// Consolidating org unit id, e.g. the district.
    #[arg(long)]
    unit: String,
}

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    #[command(flatten)]
    round: FiguresArgs,
    /// docx, xlsx, csv, html, txt or json.
    #[arg(long)]
    format: String,
    /// File to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    db: DataDir,
}

/// Opens the database for a round's figures: the projection must be up to
/// date, as `serve` makes it.
async fn open(db: &DataDir) -> Result<(crate::db::Pool, crate::catalog::Catalog), String> {
    let (pool, catalog) = db.open().await?;
    crate::store::repair_projection(&pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok((pool, catalog))
}

pub(super) async fn export(args: ExportArgs) -> Result<(), String> {
    let format: crate::export::Format = args.format.parse()?;
    let r = &args.round;
    let (pool, catalog) = open(&r.db).await?;
    let data = crate::export::load(
        &pool,
        std::sync::Arc::new(catalog),
        &r.template,
        &r.period,
        &r.unit,
    )
    .await
    .map_err(|e| e.to_string())?;
    let bytes = data
        .export(format, crate::export::today_vn())
        .map_err(|e| e.to_string())?;
    std::fs::write(&args.out, bytes)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

pub(super) async fn figures(args: FiguresArgs) -> Result<(), String> {
    let (pool, catalog) = open(&args.db).await?;
    let out =
        crate::round::compute_figures(&pool, &catalog, &args.template, &args.period, &args.unit)
            .await
            .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}

pub(super) async fn check(args: CheckArgs) -> Result<(), String> {
    let (pool, catalog) = args.db.open().await?;
    let (total, found) = crate::check::run(&pool, &catalog, &mut std::io::stderr()).await?;
    for f in &found {
        println!("{} {}", f.report, f.doc);
        for p in &f.problems {
            println!("  {p}");
        }
    }
    match found.len() {
        0 => {
            eprintln!("{total} reports checked: every one fits its template");
            Ok(())
        }
        n => Err(format!("{n} of {total} reports break their template")),
    }
}
