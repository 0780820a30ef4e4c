// include_dir! embeds these directories at compile time; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=presets");
}
