import Foundation
import ReconcileCLI

#if os(Linux)
// A plan of thousands of objects builds a few hundred MiB of small trees on every core. glibc
// grows each thread's arena a page at a time by default (an mprotect per step, then page faults);
// growing it 64 MiB at a time takes ~10% off a 10,000-object plan (docs/benchmarks.md).
// `mallopt` is looked up because Swift's Glibc module does not export malloc.h.
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    _ = mallopt(-2 /* M_TOP_PAD */, 64 << 20)
}
#endif

await ProcessExit.run(arguments: Array(CommandLine.arguments.dropFirst()))
