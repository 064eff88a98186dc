//! Standard streams without panics: Rust's `print!` family panics when a stream is closed or full.
//! A closed pipe on standard output (`rivven-render crd | head -1`) ends the command quietly, as
//! Unix tools do; any other write error is reported and exits 2.
use std::io::{self, Write};

use super::{EXIT_OK, EXIT_USAGE};

/// Writes a message to standard error; a failure to write it is ignored (there is nowhere left).
pub fn say(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Like `eprintln!`, without the panic.
macro_rules! sayln {
    ($($arg:tt)*) => { $crate::cli::io::say(&format!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use sayln;

/// The exit code for a failed write to standard output: quiet for a closed pipe.
pub fn stdout_failed(e: &io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return EXIT_OK;
    }
    say(&format!("rivven-render: cannot write to standard output: {e}\n"));
    EXIT_USAGE
}

/// Writes a plugin's whole output at once. Any failure, a closed pipe included, is an error: a
/// plugin must never look successful with a partial output.
pub fn write_plugin_output(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush())
}

/// Writes everything `write` produces to standard output (buffered) and flushes it.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), u8> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    write(&mut out).and_then(|()| out.flush()).map_err(|e| stdout_failed(&e))
}
