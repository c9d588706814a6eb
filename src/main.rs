fn main() {
    std::process::exit(modkit::cli::main());
}
