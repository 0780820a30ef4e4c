//! Arbitrary bytes through load → validate → resolve → render → cross-check:
//! any input is either rendered or refused with an input error, never a
//! panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // kiln reads kiln.toml as UTF-8 and refuses anything else before parsing.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = kiln::render_text(text, kiln::Verify::CrossCheck);
});
