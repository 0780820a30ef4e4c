use anyhow::Context;
use std::io::Write;

// A build allocates and frees millions of small strings from several
// threads at once; glibc's and musl's allocators spend a fifth of the
// CPU of a large build on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let invocation = kiln::cli::parse();
    let mut out = kiln::stdout::Stdout::new();
    let code = match kiln::run(invocation, &mut out) {
        Ok(code) => match out.finish().context("cannot write to standard output") {
            Ok(()) => code,
            Err(err) => report(&format!("error: {err:#}"), 2),
        },
        Err(err) => {
            // The report so far goes out before the error that ends it.
            let _ = out.finish();
            report(&err.report(), err.exit_code())
        }
    };
    std::process::exit(code);
}

/// Prints `message` to stderr, which may be gone too: never a panic.
/// anstream drops its styles unless colour is on (docs/output.md).
fn report(message: &str, code: i32) -> i32 {
    let _ = writeln!(anstream::stderr(), "{message}");
    code
}
