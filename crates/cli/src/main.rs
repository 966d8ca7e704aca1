//! The `tcscreen` binary: a counting allocator (for the memory safety stop) and the CLI.

#[global_allocator]
static ALLOCATOR: tcscreen_service::memory::CountingAllocator =
    tcscreen_service::memory::CountingAllocator;

fn main() -> std::process::ExitCode {
    tcscreen_cli::main()
}
