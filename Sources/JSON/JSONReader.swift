import YAML
/// A hand-written JSON reader. JSON manifests and API responses are large and common, and going
/// through libyaml would be slower and would accept non-JSON; this reads strict RFC 8259 JSON
/// straight into `Node` with a mark on every value and key. It keeps an explicit stack of open
/// containers, so deep nesting cannot overflow a thread stack.
struct JSONReader {
    static let maxDepth = InputLimits.maxSafeNestingDepth

    /// An open array or object. Mutated in place on the stack so appends never copy.
    private struct Container {
        let isObject: Bool
        let mark: Mark?
        var items: [Node] = []
        var entries: [Node.Entry] = []
        var keys = DuplicateKeys()
        var key = ""
        var keyMark: Mark?
    }

    private let source: SourceText
    private let bytes: [UInt8]
    /// Whether values and keys get marks. API responses do not need them (nobody edits a LIST
    /// response), and working out columns is a second pass over every byte; errors still do.
    private let keepMarks: Bool
    private var position = 0
    private var line = 1
    private var lineStart = 0
    // Column cache: the column of `columnOffset`, so marks on long lines cost O(distance).
    private var columnOffset = 0
    private var column = 1

    init(source: SourceText, keepMarks: Bool = true) {
        self.source = source
        self.keepMarks = keepMarks
        bytes = source.bytes
    }

    /// Reads exactly one JSON value followed only by whitespace.
    mutating func read() throws -> Node {
        var stack: [Container] = []
        var result: Node?
        skipWhitespace()
        while true {
            // Read one value (or open a container).
            var finished: Node?
            let mark = keepMarks ? currentMark() : nil
            guard position < bytes.count else { throw error("unexpected end of JSON input") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                guard stack.count < Self.maxDepth else { throw error("JSON nesting is too deep", at: mark) }
                skipWhitespace()
                if peek(UInt8(ascii: "}")) {
                    position += 1
                    finished = Node(.mapping([]), mark: mark)
                } else {
                    let (key, keyMark) = try readKey()
                    stack.append(Container(isObject: true, mark: mark, key: key, keyMark: keyMark))
                }
            case UInt8(ascii: "["):
                position += 1
                guard stack.count < Self.maxDepth else { throw error("JSON nesting is too deep", at: mark) }
                skipWhitespace()
                if peek(UInt8(ascii: "]")) {
                    position += 1
                    finished = Node(.sequence([]), mark: mark)
                } else {
                    stack.append(Container(isObject: false, mark: mark))
                }
            case UInt8(ascii: "\""):
                finished = Node(.string(try readString()), mark: mark)
            case UInt8(ascii: "t"):
                try expectWord("true")
                finished = Node(.bool(true), mark: mark)
            case UInt8(ascii: "f"):
                try expectWord("false")
                finished = Node(.bool(false), mark: mark)
            case UInt8(ascii: "n"):
                try expectWord("null")
                finished = Node(.null, mark: mark)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                finished = Node(try readNumber(), mark: mark)
            default:
                throw error("unexpected character \(describe(bytes[position])) where a JSON value was expected")
            }
            // Attach finished values to their containers, closing containers as they end.
            while let node = finished {
                finished = nil
                guard !stack.isEmpty else {
                    result = node
                    break
                }
                let top = stack.count - 1
                skipWhitespace()
                if !stack[top].isObject {
                    stack[top].items.append(node)
                    if peek(UInt8(ascii: ",")) {
                        position += 1
                        skipWhitespace()
                    } else if peek(UInt8(ascii: "]")) {
                        position += 1
                        let array = stack.removeLast()
                        finished = Node(.sequence(array.items), mark: array.mark)
                    } else {
                        throw unexpected("',' or ']' after an array element")
                    }
                } else {
                    stack[top].entries.append(Node.Entry(key: stack[top].key, keyMark: stack[top].keyMark, value: node))
                    if peek(UInt8(ascii: ",")) {
                        position += 1
                        skipWhitespace()
                        let keyStart = position
                        let (key, keyMark) = try readKey()
                        let earlier = stack[top].entries
                        if let first = stack[top].keys.record(key, line: keyMark?.line ?? 0, earlier: earlier) {
                            // Without marks the first key's line is unknown; this one's is worked out now.
                            let at = keyMark ?? markOf(keyStart)
                            throw error("duplicate key \"\(key)\"" + (keepMarks ? " (first defined at line \(first))" : ""), at: at)
                        }
                        stack[top].key = key
                        stack[top].keyMark = keyMark
                    } else if peek(UInt8(ascii: "}")) {
                        position += 1
                        let object = stack.removeLast()
                        finished = Node(.mapping(object.entries), mark: object.mark)
                    } else {
                        throw unexpected("',' or '}' after an object member")
                    }
                }
            }
            if let result {
                skipWhitespace()
                guard position == bytes.count else { throw unexpected("end of input after the JSON value") }
                return result
            }
        }
    }

    /// Reads `"key"` and the following `:`, leaving the position at the member's value.
    private mutating func readKey() throws -> (String, Mark?) {
        let mark = keepMarks ? currentMark() : nil
        guard peek(UInt8(ascii: "\"")) else { throw unexpected("a string key") }
        let key = try readString()
        skipWhitespace()
        guard peek(UInt8(ascii: ":")) else { throw unexpected("':' after an object key") }
        position += 1
        skipWhitespace()
        return (key, mark)
    }

    private mutating func readString() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacter(byte) }
            position += 1
        }
        var buffer = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try readUnicodeEscape()
                    buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    position -= 2  // point at the backslash
                    throw error("invalid escape sequence \\\(describe(escape, quoted: false)) in JSON string")
                }
            default:
                if byte < 0x20 { throw controlCharacter(byte) }
                buffer.append(byte)
                position += 1
            }
        }
        throw error("unterminated JSON string")
    }

    /// `\uXXXX`, joining surrogate pairs; a lone surrogate becomes U+FFFD as Go's encoding/json does.
    private mutating func readUnicodeEscape() throws -> Unicode.Scalar {
        let high = try readHex4()
        if (0xD800..<0xDC00).contains(high) {
            if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let save = position
                position += 2
                let low = try readHex4()
                if (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
                }
                position = save
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    private mutating func readHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw error("unterminated \\u escape in JSON string") }
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A")) + 10
            default: throw error("invalid hex digit \(describe(byte)) in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; integers that fit `Int` are `.int`.
    private mutating func readNumber() throws -> Node.Value {
        let start = position
        var integral = true
        if peek(UInt8(ascii: "-")) { position += 1 }
        if peek(UInt8(ascii: "0")) {
            position += 1
        } else {
            guard readDigits() else { throw unexpected("a digit") }
        }
        if peek(UInt8(ascii: ".")) {
            integral = false
            position += 1
            guard readDigits() else { throw unexpected("a digit after the decimal point") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            integral = false
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard readDigits() else { throw unexpected("a digit in the exponent") }
        }
        guard let value = Self.number(bytes[start..<position], integral: integral) else {
            throw error("invalid number \(String(decoding: bytes[start..<position], as: UTF8.self))", at: markOf(start))
        }
        return value
    }

    /// The value of a number's text (already checked against the JSON grammar): integers that fit
    /// `Int` are `.int`, everything else `.float`. Shared with `JSONView`, which reads numbers in place.
    static func number(_ text: some Collection<UInt8>, integral: Bool) -> Node.Value? {
        let string = String(decoding: text, as: UTF8.self)
        if integral, let int = Int(string) { return .int(int) }
        return Double(string).map(Node.Value.float)
    }

    private mutating func readDigits() -> Bool {
        let start = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            position += 1
        }
        return position > start
    }

    private mutating func expectWord(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        let bytes = self.bytes, start = position
        guard start + count <= bytes.count, word.withUTF8Buffer({ bytes[start..<start + count].elementsEqual($0) }) else {
            throw error("invalid JSON literal (expected \(word))")
        }
        position += count
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n"):
                position += 1
                line += 1
                lineStart = position
                columnOffset = position
                column = 1
            default:
                return
            }
        }
    }

    // MARK: - Marks and errors

    /// The mark of the current position. Newlines only occur in whitespace (strings cannot hold
    /// raw control characters), so `line` is always current.
    private mutating func currentMark() -> Mark {
        markOf(position)
    }

    private mutating func markOf(_ offset: Int) -> Mark {
        if offset < columnOffset {
            columnOffset = lineStart
            column = 1
        }
        for byte in bytes[columnOffset..<offset] where byte & 0xC0 != 0x80 { column += 1 }
        columnOffset = offset
        return Mark(line: line, column: column)
    }

    private mutating func error(_ message: String, at mark: Mark? = nil) -> Diagnostic {
        source.diagnostic(message, at: mark ?? currentMark())
    }

    private mutating func unexpected(_ expected: String) -> Diagnostic {
        guard position < bytes.count else { return error("unexpected end of JSON input (expected \(expected))") }
        return error("unexpected character \(describe(bytes[position])) (expected \(expected))")
    }

    private mutating func controlCharacter(_ byte: UInt8) -> Diagnostic {
        error("control character \(describe(byte)) must be escaped in a JSON string")
    }

    private func describe(_ byte: UInt8, quoted: Bool = true) -> String {
        if byte >= 0x20, byte < 0x7F {
            let text = String(UnicodeScalar(byte))
            return quoted ? "'\(text)'" : text
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
