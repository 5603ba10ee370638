//! The `baocao` command: see `baocao --help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    baocao_server::cli::main().await
}
