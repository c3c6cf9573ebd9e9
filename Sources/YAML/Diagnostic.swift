/// A message about one place in one input file, printed as compilers do:
///
///     bundles/mesh/vs.yaml:12:7: error: unknown field "hots"
///        12 |       hots: [reviews]
///           |       ^
///
/// Every input error in reconcile (YAML syntax, config, manifests) renders through this type so
/// users always see the file, line, column, the source line and a caret.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var mark: Mark?
    public var message: String
    /// The text of the line `mark` points into, when the source is known.
    public var sourceLine: String?

    public init(file: String, mark: Mark?, message: String, sourceLine: String? = nil) {
        self.file = file
        self.mark = mark
        self.message = message
        self.sourceLine = sourceLine
    }

    /// Builds a diagnostic and takes the source line out of `source` (the whole file's text).
    public init(file: String, mark: Mark?, message: String, source: String?) {
        var line: String?
        if let mark, let source { line = Diagnostic.line(mark.line, of: source) }
        self.init(file: file, mark: mark, message: message, sourceLine: line)
    }

    /// `file:line:col` (or just `file` when there is no position).
    public var location: String {
        guard let mark else { return file }
        return "\(file):\(mark.line):\(mark.column)"
    }

    public var description: String {
        var text = "\(location): \(message)"
        if let mark, let sourceLine {
            let number = String(mark.line)
            let gutter = String(repeating: " ", count: number.count)
            let shown = sourceLine.replacingTabs()
            let caretColumn = max(0, min(mark.column - 1, shown.count))
            text += "\n \(number) | \(shown)"
            text += "\n \(gutter) | " + String(repeating: " ", count: caretColumn) + "^"
        }
        return text
    }

    /// Line `number` (1-based) of `source`, without its line break.
    public static func line(_ number: Int, of source: String) -> String? {
        guard number >= 1 else { return nil }
        var current = 1
        var lineStart = source.startIndex
        var index = source.startIndex
        while index < source.endIndex {
            if current == number { break }
            if source[index] == "\n" || source[index] == "\r\n" {
                current += 1
                lineStart = source.index(after: index)
            }
            index = source.index(after: index)
        }
        guard current == number else { return nil }
        let end = source[lineStart...].firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) ?? source.endIndex
        return String(source[lineStart..<end])
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        String(map { $0 == "\t" ? " " : $0 })
    }
}
