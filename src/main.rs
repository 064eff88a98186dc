use std::process::ExitCode;

fn main() -> ExitCode {
    rivven_render::cli::main()
}
