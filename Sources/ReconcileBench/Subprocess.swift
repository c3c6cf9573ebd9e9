import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One child process run to completion, measured: wall time (monotonic clock), CPU time and
/// peak RSS from `wait4`'s rusage of exactly that child.
struct ProcessRun {
    var exitCode: Int32
    var signal: Int32
    var wall: Double
    var userCPU: Double
    var systemCPU: Double
    /// Peak resident set size in bytes (`ru_maxrss`, kilobytes on Linux).
    var maxRSS: Int
    var stdoutPath: String
    var stderrPath: String
    var cpu: Double { userCPU + systemCPU }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

/// Runs measured commands through a launcher: this executable in `launch` mode, started before
/// it allocates anything, spawns the command and reports `wait4`'s rusage of it. Measured
/// directly, a command's peak RSS would be wrong: Linux charges `ru_maxrss` at exec with the
/// high-water mark of the memory the process ran in before (`exec_mmap`), and posix_spawn's child
/// runs in the benchmark's own memory until it execs — the test API server and every object it
/// holds, ~200 MiB at 10,000 objects, which every earlier "peak RSS" figure reported instead of
/// the command's own. The launcher's own few MiB are the floor of what can be reported.
enum Subprocess {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Runs `executable` with `arguments`; stdout and stderr go to files under `outputPrefix`.
    static func run(_ executable: String, _ arguments: [String], outputPrefix: String, environment: [String: String]? = nil) throws -> ProcessRun {
        let stdoutPath = outputPrefix + ".stdout"
        let stderrPath = outputPrefix + ".stderr"
        let reportPath = outputPrefix + ".rusage"
        try? FileManager.default.removeItem(atPath: reportPath)
        let launcher = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let launched = try spawnAndWait(launcher, ["launch", reportPath, executable] + arguments, stdout: stdoutPath, stderr: stderrPath,
                                        environment: environment ?? ProcessInfo.processInfo.environment)
        guard launched.code == 0, let report = try? String(contentsOfFile: reportPath, encoding: .utf8) else {
            throw BenchError("the launcher for \(executable) failed (exit \(launched.code), signal \(launched.signal)): \(stderrPath)")
        }
        let fields = report.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard fields.count == 6 else { throw BenchError("the launcher for \(executable) wrote \(report)") }
        return ProcessRun(exitCode: Int32(fields[0]), signal: Int32(fields[1]), wall: fields[2], userCPU: fields[3], systemCPU: fields[4],
                          maxRSS: Int(fields[5]) * 1024, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// `reconcile-bench launch REPORT EXECUTABLE ARGS...`: runs the command with this process's
    /// standard streams and environment and writes "exit signal wall user system maxrss_kb".
    static func launch(_ arguments: [String]) -> Never {
        guard arguments.count >= 2 else { exit(64) }
        do {
            let run = try spawnAndWait(arguments[1], Array(arguments.dropFirst(2)), stdout: nil, stderr: nil,
                                       environment: ProcessInfo.processInfo.environment)
            let report = "\(run.code) \(run.signal) \(run.wall) \(run.user) \(run.system) \(run.maxRSSKilobytes)\n"
            try report.write(toFile: arguments[0], atomically: true, encoding: .utf8)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("reconcile-bench launch: \(error)\n".utf8))
            exit(1)
        }
    }

    private struct Waited {
        var code: Int32, signal: Int32, wall: Double, user: Double, system: Double, maxRSSKilobytes: Int
    }

    /// posix_spawn + wait4; stdin from /dev/null, stdout/stderr to the files given (else inherited).
    private static func spawnAndWait(_ executable: String, _ arguments: [String], stdout: String?, stderr: String?,
                                     environment: [String: String]) throws -> Waited {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }

        var pid: pid_t = 0
        let start = now()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, env)
        guard spawned == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 \(executable): \(String(cString: strerror(errno)))") }
        }
        let wall = now() - start
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : -1
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return Waited(code: code, signal: signal, wall: wall, user: seconds(usage.ru_utime), system: seconds(usage.ru_stime),
                      maxRSSKilobytes: Int(usage.ru_maxrss))
    }
}
