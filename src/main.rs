fn main() {
    let command = kiln::cli::parse();
    if let Err(err) = kiln::run(command, &mut std::io::stdout()) {
        eprintln!("{}", err.report());
        std::process::exit(err.exit_code());
    }
}
