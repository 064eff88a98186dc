use std::process::ExitCode;

/// Documents are parsed on one thread and freed on another: mimalloc keeps that cheap (glibc's
/// malloc took a third of a validation run, measured with perf). `.cargo/config.toml` builds it
/// to commit arena memory as it is used, which keeps the peak memory down.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    rivven_render::cli::main()
}
