import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Helpers that build real repositories with the git CLI in temporary directories. Shared by every
/// test target that needs a repository (GitTests, ReconcileCLITests); never linked into `reconcile`.
public enum TestGit {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Environment for deterministic commits, isolated from the user's and system git config.
    public static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "Test User"
        env["GIT_AUTHOR_EMAIL"] = "test@example.com"
        env["GIT_COMMITTER_NAME"] = "Test User"
        env["GIT_COMMITTER_EMAIL"] = "test@example.com"
        env["GIT_AUTHOR_DATE"] = "2024-05-01T12:00:00Z"
        env["GIT_COMMITTER_DATE"] = "2024-05-01T12:00:00Z"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_TERMINAL_PROMPT"] = "0"
        return env
    }()

    /// Runs `git -c init.defaultBranch=main <args>` in `directory`, failing after 30 s.
    @discardableResult
    public static func run(_ args: [String], in directory: String) throws -> String {
        try runTool("git", ["-c", "init.defaultBranch=main"] + args, in: directory, timeout: 30,
                    describedAs: "git " + args.joined(separator: " "))
    }

    /// Runs `tool` (found on PATH) in `directory` with this isolated environment plus
    /// `environment`, killing it after `timeout` seconds; returns its trimmed stdout.
    @discardableResult
    public static func runTool(
        _ tool: String, _ args: [String], in directory: String, environment extra: [String: String] = [:],
        timeout: Double, describedAs described: String? = nil
    ) throws -> String {
        let described = described ?? ([tool] + args).joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + args
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment.merging(extra) { $1 }
        // Output goes to files, not pipes, so a chatty tool can never block on a full pipe.
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("gittest-\(UUID().uuidString).out")
        let errURL = outURL.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)  // SIGTERM may be blocked in children of test threads
                process.waitUntilExit()
                throw Failure(description: "\(described) timed out")
            }
            usleep(5_000)
        }
        let text = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let errors = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
            throw Failure(description: "\(described) failed: \(errors)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A fresh empty directory, removed by the caller with `cleanup`.
    public static func temporaryDirectory() throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/gittests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // Canonical path, so comparisons with libgit2's paths hold even if /tmp is a symlink.
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    public static func cleanup(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes raw bytes (for example deliberately invalid UTF-8), creating parent directories.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Copies the directory `source` to `destination` (which must not exist yet).
    public static func copyDirectory(_ source: String, to destination: String) throws {
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: destination).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }

    /// `git init` + one commit with `files`; returns the commit id.
    @discardableResult
    public static func initRepo(at path: String, files: [String: String], message: String = "initial") throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try run(["init", "-q"], in: path)
        return try commit(in: path, files: files, message: message)
    }

    @discardableResult
    public static func commit(in path: String, files: [String: String], message: String) throws -> String {
        for (name, text) in files { try write(text, to: path + "/" + name) }
        try run(["add", "-A"], in: path)
        try run(["commit", "-q", "-m", message], in: path)
        return try run(["rev-parse", "HEAD"], in: path)
    }

    /// True when this git installation ships `git daemon`.
    public static let daemonAvailable: Bool = FileManager.default.isExecutableFile(atPath: execPath + "/git-daemon")

    /// `git --exec-path`, where git's helper programs live ("" when git cannot be run).
    public static let execPath: String = (try? run(["--exec-path"], in: "/")) ?? ""
}

/// A `git daemon` serving `baseDirectory` on 127.0.0.1 for the duration of a test.
public final class GitDaemon {
    public let port: Int
    private let process: Process

    public init(baseDirectory: String) throws {
        port = try Self.freePort()
        process = Process()
        // The git-daemon binary itself (not the `git` wrapper), so the pid we kill is the daemon.
        process.executableURL = URL(fileURLWithPath: TestGit.execPath + "/git-daemon")
        process.arguments = ["--reuseaddr", "--base-path=\(baseDirectory)", "--export-all",
                             "--listen=127.0.0.1", "--port=\(port)", baseDirectory]
        process.environment = TestGit.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(port: port) {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw TestGit.Failure(description: "git daemon did not start listening on 127.0.0.1:\(port)")
            }
            usleep(50_000)
        }
    }

    /// SIGKILL, because children spawned from test-runner threads inherit a signal mask that
    /// blocks SIGTERM; SIGKILL cannot be blocked.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// Asks the kernel for an unused port on 127.0.0.1.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestGit.Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestGit.Failure(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }
}
