/// Turns scalar text into typed values the way Kubernetes reads manifests: sigs.k8s.io/yaml uses
/// go-yaml v2, which follows YAML 1.1 (`yes`/`on` are booleans, `0777` is octal). Matching it
/// matters: a reconciler that read `on` as a string would see a diff where kubectl sees none.
enum ScalarResolver {
    static let specialFloats: [String: Double] = [
        ".inf": .infinity, ".Inf": .infinity, ".INF": .infinity,
        "+.inf": .infinity, "+.Inf": .infinity, "+.INF": .infinity,
        "-.inf": -.infinity, "-.Inf": -.infinity, "-.INF": -.infinity,
        ".nan": .nan, ".NaN": .nan, ".NAN": .nan,
    ]

    static let tagPrefix = "tag:yaml.org,2002:"
    /// The tag of a merge key written explicitly (`!!merge <<`).
    static let mergeTag = tagPrefix + "merge"

    /// YAML 1.1's null and boolean spellings (`yes`, `Off`, `~`, ...), keyed by `packed`.
    private static let shortWords: [UInt64: Node.Value] = {
        let words: [(String, Node.Value)] =
            ["~", "null", "Null", "NULL"].map { ($0, .null) }
            + ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map { ($0, .bool(true)) }
            + ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map { ($0, .bool(false)) }
        return Dictionary(uniqueKeysWithValues: words.map { (packed($0.0.utf8), $0.1) })
    }()

    /// The first 7 bytes as one integer, with the length in the top byte so that no two short
    /// words share a value (`"y"` and `"y\0"` differ). Callers pass words of at most 5 bytes.
    private static func packed(_ bytes: String.UTF8View) -> UInt64 {
        var value = UInt64(bytes.count) << 56
        var shift: UInt64 = 0
        for byte in bytes.prefix(7) {
            value |= UInt64(byte) << shift
            shift += 8
        }
        return value
    }

    /// Why an explicitly tagged scalar could not be read as its tag demands.
    struct TagMismatch: Error {
        let message: String
    }

    /// The value of a scalar given its tag (as libyaml reports it, e.g. `tag:yaml.org,2002:str`)
    /// and whether it was written plain. Quoted and block scalars are strings unless tagged.
    static func resolve(_ text: String, tag: String?, plain: Bool) throws(TagMismatch) -> Node.Value {
        guard let tag, tag != "!" else {
            // `!` is the non-specific tag: the scalar is a string even when plain.
            return plain && tag == nil ? resolvePlain(text) : .string(text)
        }
        guard tag.hasPrefix(tagPrefix) else { return plain ? resolvePlain(text) : .string(text) }
        let name = tag.dropFirst(tagPrefix.count)
        switch name {
        case "str", "binary", "timestamp":
            return .string(text)
        case "null":
            if case .null = resolvePlain(text) { return .null }
        case "bool":
            if case .bool(let b) = resolvePlain(text) { return .bool(b) }
        case "int":
            switch resolvePlain(text) {
            case .int(let i): return .int(i)
            case .float(let d) where isIntegerSyntax(text): return .float(d)
            default: break
            }
        case "float":
            switch resolvePlain(text) {
            case .int(let i): return .float(Double(i))
            case .float(let d): return .float(d)
            default: break
            }
        default:
            return plain ? resolvePlain(text) : .string(text)
        }
        throw TagMismatch(message: "cannot read \"\(text)\" as !!\(name)")
    }

    /// YAML 1.1 resolution of an untagged plain scalar (go-yaml v2 rules).
    static func resolvePlain(_ text: String) -> Node.Value {
        guard let first = text.utf8.first else { return .null }
        // Every null and boolean spelling starts with one of a few letters and is at most 5 bytes:
        // other words (most keys) are strings without a lookup, and the rest are looked up as one
        // integer, without comparing strings.
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"),
            UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
            UInt8(ascii: "o"), UInt8(ascii: "O"), UInt8(ascii: "~"):
            if text.utf8.count <= 5, let word = Self.shortWords[Self.packed(text.utf8)] { return word }
            return .string(text)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if let special = specialFloats[text] { return .float(special) }
            let plain = text.utf8.filter { $0 != UInt8(ascii: "_") }
            if let number = parseInteger(plain) { return number }
            if isFloatSyntax(plain), let d = Double(String(decoding: plain, as: UTF8.self)) { return .float(d) }
            return .string(text)
        default:
            return .string(text)
        }
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`, `0o`, `0b` or a leading `0`
    /// (octal) prefix, else decimal. Values too large for `Int` come back as `.float`.
    static func parseInteger(_ s: [UInt8]) -> Node.Value? {
        var i = 0
        var negative = false
        if let sign = s.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            i = 1
        }
        var radix = 10
        if s.count - i >= 2, s[i] == UInt8(ascii: "0") {
            switch s[i + 1] | 0x20 {
            case UInt8(ascii: "x"): radix = 16; i += 2
            case UInt8(ascii: "o"): radix = 8; i += 2
            case UInt8(ascii: "b"): radix = 2; i += 2
            default: radix = 8; i += 1
            }
        }
        guard i < s.count else { return nil }
        var value = 0
        var overflow = false
        var approximate = 0.0
        for byte in s[i...] {
            guard let digit = digitValue(byte), digit < radix else { return nil }
            approximate = approximate * Double(radix) + Double(digit)
            if overflow { continue }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            // Accumulate negatively so Int.min is representable.
            let (next, o2) = shifted.subtractingReportingOverflow(digit)
            if o1 || o2 { overflow = true } else { value = next }
        }
        if !overflow, negative { return .int(value) }
        if !overflow, value != .min { return .int(-value) }
        // Too large for Int: decimal text converts correctly rounded; other radices are accumulated.
        if radix == 10, let exact = Double(String(decoding: s, as: UTF8.self)) { return .float(exact) }
        return .float(negative ? -approximate : approximate)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }

    /// go-yaml's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    static func isFloatSyntax(_ s: [UInt8]) -> Bool {
        var i = 0
        let n = s.count
        func isDigit(_ k: Int) -> Bool { k < n && s[k] >= UInt8(ascii: "0") && s[k] <= UInt8(ascii: "9") }
        if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        if i < n, s[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        } else {
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
            if i < n, s[i] == UInt8(ascii: ".") {
                i += 1
                while isDigit(i) { i += 1 }
            }
        }
        if i < n, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        return i == n
    }

    /// Whether `text` is written as an integer (so an overflowing `!!int` is still accepted).
    private static func isIntegerSyntax(_ text: String) -> Bool {
        parseInteger(text.utf8.filter { $0 != UInt8(ascii: "_") }) != nil
    }
}
