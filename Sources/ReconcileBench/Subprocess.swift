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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
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
        return ProcessRun(exitCode: code, signal: signal, wall: wall, userCPU: seconds(usage.ru_utime), systemCPU: seconds(usage.ru_stime),
                          maxRSS: Int(usage.ru_maxrss) * 1024, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }
}
