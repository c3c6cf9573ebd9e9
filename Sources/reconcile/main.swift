import ReconcileCLI

// Runs the command line and ends the process through `ProcessExit`, which aborts and waits for
// the HTTP transfers still in flight before `exit` (see `Transfers`). No allocator tuning here:
// glibc's arena growth is set from the environment where it is measured to help (the image sets
// GLIBC_TUNABLES; docs/benchmarks.md, "Safety review").
await ProcessExit.run(arguments: Array(CommandLine.arguments.dropFirst()))
