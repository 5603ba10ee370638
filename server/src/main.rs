//! The `baocao` command: see `baocao --help`.

/// mimalloc instead of glibc's malloc: after a burst (a district's phones
/// uploading at once) glibc keeps most of the peak in its arenas, mimalloc
/// gives it back (docs/BENCHMARKS.md, "100,000 stored reports").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    baocao_server::cli::main().await
}
