fn main() {
    let command = kiln::cli::parse();
    match kiln::run(command, &mut std::io::stdout()) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("{}", err.report());
            std::process::exit(err.exit_code());
        }
    }
}
