import YAML
/// JSON in and out of `Node`. Kubernetes speaks JSON on the wire and in `last-applied`
/// annotations; reading it keeps marks for error messages, and writing it must escape exactly
/// so that a hash or a patch of the output is stable.
extension Node {
    /// Fast hand-written JSON parser (UTF-8 bytes) into Node with marks; integers that fit Int -> .int,
    /// others -> .float; throws Diagnostic with line:col on bad JSON. Duplicate object keys are
    /// rejected like duplicate YAML keys. `marks: false` leaves every mark nil (errors still name
    /// line and column): for API responses, which are large and never shown as source.
    public init(json bytes: [UInt8], file: String = "<json>", marks: Bool = true) throws {
        let source = SourceText(file: file, bytes: bytes)
        try source.validateUTF8()
        var reader = JSONReader(source: source, keepMarks: marks)
        self = try reader.read()
    }

    /// Compact JSON (or pretty with 2-space indent), keys in the node's order; correct escaping.
    /// NaN and infinities, which JSON cannot represent, are written as `null`.
    public func jsonString(pretty: Bool = false) -> String {
        String(decoding: jsonBytes(pretty: pretty), as: UTF8.self)
    }

    /// The same JSON as UTF-8 bytes, for bodies that are sent rather than shown.
    public func jsonBytes(pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        writer.write(self, depth: 0)
        return writer.bytes
    }
}

/// Serialises `Node` as JSON into a byte buffer.
struct JSONWriter {
    let pretty: Bool
    var bytes: [UInt8] = []

    init(pretty: Bool) {
        self.pretty = pretty
    }

    mutating func write(_ node: Node, depth: Int) {
        switch node.value {
        case .null:
            append("null")
        case .bool(let b):
            append(b ? "true" : "false")
        case .int(let i):
            append(String(i))
        case .float(let d):
            append(d.isFinite ? Node.formatFloat(d) : "null")
        case .string(let s):
            writeString(s)
        case .sequence(let items):
            guard !items.isEmpty else { return append("[]") }
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                write(item, depth: depth + 1)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "]"))
        case .mapping(let entries):
            guard !entries.isEmpty else { return append("{}") }
            bytes.append(UInt8(ascii: "{"))
            for (index, entry) in entries.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                writeString(entry.key)
                bytes.append(UInt8(ascii: ":"))
                if pretty { bytes.append(UInt8(ascii: " ")) }
                write(entry.value, depth: depth + 1)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func newline(_ depth: Int) {
        guard pretty else { return }
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Quotes and escapes: `"` `\` and control characters; U+2028/U+2029 too, because they end
    /// lines in JavaScript. Everything else, including non-ASCII, is written as UTF-8.
    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0x00..<0x20: appendUnicodeEscape(UInt16(byte))
            case 0xE2:
                // U+2028 is E2 80 A8, U+2029 is E2 80 A9.
                let second = utf8.next()
                let third = second == 0x80 ? utf8.next() : nil
                if second == 0x80, let third, third == 0xA8 || third == 0xA9 {
                    appendUnicodeEscape(0x2000 | UInt16(third - 0xA8 + 0x28))
                } else {
                    bytes.append(byte)
                    if let second { bytes.append(second) }
                    if let third { bytes.append(third) }
                }
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ value: UInt16) {
        append("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(Self.hexDigits[Int((value >> UInt16(shift)) & 0xF)])
        }
    }
}
