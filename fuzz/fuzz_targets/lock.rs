//! Arbitrary bytes as `kiln.lock` and `kiln.lock.pending`, read, checked and
//! merged as a build reads them: any input is read or refused with an input
//! error, never a panic or a hang. The input is split at its first NUL:
//! the lock before it, the journal after.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (lock, journal) = text.split_once('\0').unwrap_or((text, ""));
    let _ = kiln::read_lock_texts(lock, journal);
});
