import Executors
import Foundation

/// Where commands write. Real runs use the process's stdout/stderr; tests install a capturing
/// console through the task-local so commands run in-process with their output inspected.
public final class Console: Sendable {
    /// Serialises writes, so lines of concurrent tasks do not interleave.
    private let writing = Locked(())
    private let writeOut: @Sendable (String) -> Void
    private let writeErr: @Sendable (String) -> Void
    /// Whether stdout is a terminal (colour and prompts only then).
    public let isTerminal: Bool
    /// Whether stdin is a terminal (approval prompts only then).
    public let isInteractive: Bool

    public init(isTerminal: Bool, isInteractive: Bool = false, out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.isInteractive = isInteractive
        self.writeOut = out
        self.writeErr = err
    }

    public static let standard = Console(
        isTerminal: isatty(STDOUT_FILENO) == 1, isInteractive: isatty(STDIN_FILENO) == 1,
        out: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
        err: { text in FileHandle.standardError.write(Data(text.utf8)) })

    @TaskLocal public static var current: Console = .standard

    public func out(_ text: String) { writing.withLock { _ in writeOut(text) } }
    public func err(_ text: String) { writing.withLock { _ in writeErr(text) } }

    /// Colour on a TTY unless NO_COLOR is set (https://no-color.org).
    public var wantsColour: Bool { isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }
}

/// Output captured in memory, for tests.
public final class CapturedOutput: Sendable {
    private let text = Locked((out: "", err: ""))

    public init() {}

    public var stdout: String { text.current.out }
    public var stderr: String { text.current.err }

    public var console: Console {
        Console(isTerminal: false, out: { [text] written in text.withLock { $0.out += written } },
                err: { [text] written in text.withLock { $0.err += written } })
    }
}
