import Foundation
public import YAML

/// Flux post-build variable substitution on manifest text: `${var}`, `${var:=default}` and
/// `${var:-default}`; `$${var}` writes a literal `${var}`. Runs on the raw text before YAML
/// parsing, line by line, so a missing variable is reported at its file:line:column.
public struct Substitution: Sendable {
    public var values: [String: String]
    /// Named in the "not set" error so users know where to add the value.
    public var environmentName: String?
    /// The most text (UTF-8 bytes) one file may grow to by substitution: a value used many times
    /// can otherwise turn a small file into one that exhausts memory. The error names the
    /// variable reference that crosses it.
    public var maxOutputBytes: Int

    public init(values: [String: String], environmentName: String? = nil,
                maxOutputBytes: Int = InputLimits.default.maxSubstitutedBytes) {
        self.values = values
        self.environmentName = environmentName
        self.maxOutputBytes = maxOutputBytes
    }

    public func apply(to text: String, file: String) throws -> String {
        guard Substitution.mayReference(text) else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var line = 1
        var lineStart = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\n" {
                line += 1
                output.append(character)
                index = text.index(after: index)
                lineStart = index
                continue
            }
            if character == "$" {
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "$",
                    text.index(after: next) < text.endIndex, text[text.index(after: next)] == "{"
                {
                    output.append("$")
                    index = text.index(after: next)
                    output.append("{")
                    index = text.index(after: index)
                    continue
                }
                if next < text.endIndex, text[next] == "{" {
                    let column = text.distance(from: lineStart, to: index) + 1
                    let mark = Mark(line: line, column: column)
                    guard let close = text[next...].firstIndex(of: "}"),
                        !text[next..<close].contains("\n")
                    else {
                        throw Diagnostic(file: file, mark: mark, message: "unterminated variable reference: \"${\" without a closing \"}\" on the same line", source: text)
                    }
                    let expression = String(text[text.index(after: next)..<close])
                    output += try resolve(expression, file: file, mark: mark, source: text)
                    if output.utf8.count > maxOutputBytes {
                        throw Diagnostic(
                            file: file, mark: mark,
                            message: "substituting \"${\(expression)}\" makes the file larger than the limit of "
                                + "\(InputLimits.describeBytes(maxOutputBytes)) after substitution", source: text)
                    }
                    index = text.index(after: close)
                    continue
                }
            }
            output.append(character)
            index = text.index(after: index)
        }
        return output
    }

    private func resolve(_ expression: String, file: String, mark: Mark, source: String) throws -> String {
        var name = expression
        var fallback: String?
        if let range = expression.range(of: ":=") ?? expression.range(of: ":-") {
            name = String(expression[..<range.lowerBound])
            fallback = String(expression[range.upperBound...])
        }
        guard Substitution.isVariableName(name) else {
            throw Diagnostic(file: file, mark: mark, message: "invalid variable reference \"${\(expression)}\": names use letters, digits and '_' and do not start with a digit", source: source)
        }
        if let value = values[name] { return value }
        if let fallback { return fallback }
        let environment = environmentName.map { " in environment \"\($0)\"" } ?? ""
        throw Diagnostic(file: file, mark: mark, message: "variable \"\(name)\" is not set\(environment): add it to values in reconcile.yaml or give a default as ${\(name):=value}", source: source)
    }

    /// Whether the text has a `${` at all: one byte scan, so files without variables cost nothing.
    static func mayReference(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count > 1 else { return false }
            var index = 0
            while let dollar = bytes[index..<(bytes.count - 1)].firstIndex(of: UInt8(ascii: "$")) {
                if bytes[dollar + 1] == UInt8(ascii: "{") { return true }
                index = dollar + 1
            }
            return false
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}
