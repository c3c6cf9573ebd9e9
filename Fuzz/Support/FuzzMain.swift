import CFuzzDriver
import Foundation

/// The one entry point every harness's `@main` calls with its test function.
///
/// Built with `-sanitize=fuzzer,address -DFUZZING` (scripts/fuzz.sh) it hands the arguments to
/// libFuzzer (`LLVMFuzzerRunDriver`), which calls `body` with each input it makes. In a normal
/// build (`swift build`, `swift test`) the same executable replays the files and directories given
/// as arguments through `body`, so a crash input can be rerun under a debugger or any sanitizer
/// build without libFuzzer: `.build/debug/fuzz-yaml crash-0123abcd`.
///
/// A harness's `body` must return for any input (errors are the expected answer to bad input);
/// a crash, a sanitizer report, a precondition failure or a hang is a finding.
public enum FuzzMain {
    nonisolated(unsafe) static var body: (([UInt8]) -> Void)?

    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        #if FUZZING
        Self.body = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in LLVMFuzzerTestOneInput(data, size) }
        exit(status)
        #else
        exit(replay(CommandLine.arguments.dropFirst(), body))
        #endif
    }

    /// Runs every file named (directories: every regular file inside, recursively) through `body`.
    static func replay(_ paths: ArraySlice<String>, _ body: ([UInt8]) -> Void) -> Int32 {
        guard !paths.isEmpty else {
            let tool = (CommandLine.arguments.first as NSString?)?.lastPathComponent ?? "fuzz-harness"
            FileHandle.standardError.write(Data("usage: \(tool) FILE|DIR... (replays inputs; see docs/fuzzing.md)\n".utf8))
            return 2
        }
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("\(path): no such file\n".utf8))
                return 2
            }
            var files = [path]
            if isDirectory.boolValue {
                files = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
                    .map { path + "/" + $0 }
                    .filter { var dir: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &dir) && !dir.boolValue }
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("\(file): cannot read\n".utf8))
                    return 2
                }
                body(Array(data))
                count += 1
            }
        }
        print("replayed \(count) input(s), no crash")
        return 0
    }
}

#if FUZZING
/// libFuzzer's test function. `-sanitize=fuzzer` links all of libFuzzer, its `main` included,
/// which needs this symbol; that `main` is never the entry point (SwiftPM links `main` to the
/// harness's `@main`, which calls `LLVMFuzzerRunDriver`), but the symbol calls the same body.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    FuzzMain.body?(bytes)
    return 0
}
#endif
