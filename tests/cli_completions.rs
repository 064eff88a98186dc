//! `rivven-render completions` and `rivven-render man`: the bash script really completes in bash,
//! every shell gets a script naming the subcommands, and the man page is roff naming them.
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let (code, script) = run(&["completions", "bash"]);
    assert_eq!(code, 0);
    // Load the script into a real bash and ask it, as the shell does on <TAB>.
    let ask = |words: &str, current: usize| {
        let program = format!(
            "{script}\nCOMP_WORDS=({words}); COMP_CWORD={current}; _rivven__render rivven-render \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = Command::new("bash").arg("-c").arg(program).output().expect("bash");
        String::from_utf8(out.stdout).unwrap()
    };
    let subcommands = ask("rivven-render ''", 1);
    for sub in ["render", "validate", "diff", "completions", "man"] {
        assert!(subcommands.lines().any(|l| l == sub), "`{sub}` not offered: {subcommands}");
    }
    let flags = ask("rivven-render diff --", 2);
    for flag in ["--base", "--format", "--exit-zero", "--max-chars"] {
        assert!(flags.lines().any(|l| l == flag), "`{flag}` not offered: {flags}");
    }
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_one_is_a_usage_error() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, script) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains("diff") && script.contains("validate"), "{shell}: {script}");
    }
    assert_eq!(run(&["completions", "tcsh"]).0, 2);
}

#[test]
fn the_man_page_is_roff_naming_the_commands() {
    let (code, page) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(page.contains(".TH rivven-render 1") && page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"), "{page}");
    for sub in ["render", "validate", "diff"] {
        assert!(page.contains(&format!("rivven\\-render\\-{sub}(1)")) || page.contains(sub), "{sub}");
    }
}
