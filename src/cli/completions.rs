//! `rivven-render completions SHELL` and `rivven-render man`: shell completion scripts and a roff
//! man page, generated from the same clap definitions as the commands themselves.
use clap::{Args, CommandFactory, ValueEnum};

use super::Cli;

/// A shell to complete in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// Arguments of `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell, e.g. `rivven-render completions bash > /etc/bash_completion.d/rivven-render`.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script of a shell.
pub fn run_completions(args: &CompletionsArgs) -> u8 {
    use clap_complete::Shell as S;
    let shell = match args.shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Elvish => S::Elvish,
    };
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "rivven-render", &mut script);
    if shell == S::Bash {
        // clap_complete 4.6 names the bash states of a hyphenated binary's subcommands in two ways
        // (`rivven__render__subcmd__diff` where it sets them, `rivven__subcmd__render__subcmd__diff`
        // where it reads them), so no subcommand's options completed; one spelling mends it (the
        // test asks a real bash).
        script = String::from_utf8_lossy(&script).replace("rivven__subcmd__render__", "rivven__render__").into_bytes();
    }
    print(&script)
}

/// Prints the man page (roff): `rivven-render man > rivven-render.1`.
pub fn run_man() -> u8 {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        super::io::sayln!("rivven-render: cannot write the man page: {e}");
        return super::EXIT_USAGE;
    }
    print(&page)
}

fn print(bytes: &[u8]) -> u8 {
    match super::io::to_stdout(|out| out.write_all(bytes)) {
        Ok(()) => super::EXIT_OK,
        Err(code) => code,
    }
}
