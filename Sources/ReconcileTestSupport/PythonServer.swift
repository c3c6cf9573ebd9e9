import Foundation

/// Starts a Python HTTP server script on 127.0.0.1 that prints its port on the first line of
/// stdout, and returns the process and that port. Shared by the loopback and GitHub stubs.
public enum PythonServer {
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    public static func launch(script: String, arguments: [String] = [], name: String) throws -> (process: Process, port: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = ""
        let handle = pipe.fileHandleForReading
        while !line.contains("\n") {
            let data = handle.availableData
            if data.isEmpty { break }
            line += String(decoding: data, as: UTF8.self)
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            stop(process)
            throw TestGit.Failure(description: "\(name) did not start")
        }
        return (process, port)
    }

    /// SIGKILL, not terminate(): SIGTERM is blocked in children of the test runner.
    public static func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
