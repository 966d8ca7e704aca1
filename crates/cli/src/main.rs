//! The `tcscreen` binary: a counting allocator (for the memory safety stop) and the CLI.

#[global_allocator]
static ALLOCATOR: tcscreen_cli::memory::CountingAllocator = tcscreen_cli::memory::CountingAllocator;

fn main() -> std::process::ExitCode {
    tcscreen_cli::main()
}
