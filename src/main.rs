use std::process::ExitCode;

fn main() -> ExitCode {
    uvcache::cli::main()
}
