//! Standard output as the CLI writes its reports: a reader that goes away
//! (`kiln build | head -1`) is not an error, as for git and cargo, so the
//! command runs to its end and exits with its own code; any other failure
//! to write is kept for `finish`, which the CLI reports after the command.

use std::io::{self, Write};

pub struct Stdout {
    inner: io::Stdout,
    failed: Option<io::Error>,
}

impl Default for Stdout {
    fn default() -> Self {
        Stdout::new()
    }
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout {
            inner: io::stdout(),
            failed: None,
        }
    }

    /// Flushes, and gives back the first failure to write, unless it was
    /// only that the reader went away.
    pub fn finish(mut self) -> io::Result<()> {
        // A failure is kept, not returned, by `flush` itself.
        let _ = self.flush();
        match self.failed {
            Some(err) if err.kind() != io::ErrorKind::BrokenPipe => Err(err),
            _ => Ok(()),
        }
    }

    fn keep<T>(&mut self, result: io::Result<T>, done: T) -> io::Result<T> {
        match result {
            Err(err) if err.kind() != io::ErrorKind::Interrupted => {
                self.failed = Some(err);
                Ok(done)
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed.is_some() {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.keep(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed.is_some() {
            return Ok(());
        }
        let result = self.inner.flush();
        self.keep(result, ())
    }
}
