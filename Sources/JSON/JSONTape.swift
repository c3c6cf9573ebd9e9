import YAML
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON document read once into a flat index of its tokens (a "tape", as simdjson calls it), so
/// that its values can be looked up, compared and skipped in place through `JSONView`.
///
/// A live plan reads every object of the managed kinds from LIST pages, and for an unchanged
/// cluster only needs to learn that each one still matches git. Building a `Node` tree for every
/// object cost an allocation per key and value and most of the plan's memory; indexing a page
/// costs one pass and eight bytes per token, and only the objects that turn out to differ are
/// decoded into trees (`JSONView.node`). See docs/benchmarks.md, fifth round.
///
/// Accepts exactly what `Node(json:)` accepts (RFC 8259, UTF-8, no duplicate keys, nesting up to
/// `JSONReader.maxDepth`), and on bad input throws the diagnostic `Node(json:)` gives.
public final class JSONTape: Sendable {
    let storage: TapeStorage

    public init(json bytes: [UInt8], file: String = "<json>") throws {
        let source = SourceText(file: file, bytes: bytes)
        try source.validateUTF8()
        if !bytes.isEmpty, bytes.count < Int(UInt32.max) {
            // The one copy of the body: the tape reads its own bytes, not the caller's array.
            let owned = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
            _ = owned.initialize(from: bytes)
            if let tokens = TapeBuilder.build(UnsafeBufferPointer(owned)) {
                let ownedTokens = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: tokens.count)
                _ = ownedTokens.initialize(from: tokens)
                storage = TapeStorage(owning: owned, tokens: ownedTokens)
                return
            }
            owned.deallocate()
        }
        // The builder only says that the input is bad; the reader says where and why.
        var reader = JSONReader(source: source, keepMarks: false)
        _ = try reader.read()
        throw source.diagnostic("JSON document too large to index (\(bytes.count) bytes)", at: nil)
    }

    /// The document's top-level value.
    public var root: JSONView { JSONView(storage: storage, index: 0) }
}

/// The memory of a tape: the document's bytes and its tokens, allocated at their exact size
/// (so that a read past either end is a heap overflow AddressSanitizer reports), written only
/// before this object is made, and freed when the object that owns them goes. A pointer into
/// them is only ever read through a `TapeStorage` the reader holds (`JSONView`, `JSONCursor`),
/// so it cannot outlive the memory.
///
/// `JSONView.withCursor` makes one that shares its owner's memory (and holds the owner), so the
/// reference counting of the many cursors a compare makes is on an object only that thread
/// touches, not on one every core reading the same page shares (see docs/benchmarks.md, item 22).
final class TapeStorage: @unchecked Sendable {  // immutable after init
    let bytes: UnsafeBufferPointer<UInt8>
    let tokens: UnsafeBufferPointer<UInt64>
    /// The storage that owns `bytes` and `tokens`; nil when this one does.
    private let owner: TapeStorage?

    init(owning bytes: UnsafeMutableBufferPointer<UInt8>, tokens: UnsafeMutableBufferPointer<UInt64>) {
        self.bytes = UnsafeBufferPointer(bytes)
        self.tokens = UnsafeBufferPointer(tokens)
        owner = nil
    }

    init(sharing other: TapeStorage) {
        let owner = other.owner ?? other
        self.owner = owner
        bytes = owner.bytes
        tokens = owner.tokens
    }

    deinit {
        guard owner == nil else { return }
        UnsafeMutableBufferPointer(mutating: bytes).deallocate()
        UnsafeMutableBufferPointer(mutating: tokens).deallocate()
    }
}

/// How a token is packed into 64 bits. Containers: the kind, the number of members or elements,
/// and the index of the first token after the container (so skipping one is a single read).
/// Strings and numbers: the kind, the byte offset and length of the text (a string's without its
/// quotes), and for strings whether the text is "plain": ASCII without escapes, so that it equals
/// another string exactly when their bytes do.
enum Token {
    static let object: UInt64 = 0, array: UInt64 = 1, string: UInt64 = 2, number: UInt64 = 3
    static let `true`: UInt64 = 4, `false`: UInt64 = 5, null: UInt64 = 6

    @inline(__always) static func kind(_ token: UInt64) -> UInt64 { token >> 61 }
    @inline(__always) static func low(_ token: UInt64) -> Int { Int(token & 0xFFFF_FFFF) }
    /// Containers: member or element count. Strings and numbers: byte length.
    @inline(__always) static func size(_ token: UInt64) -> Int { Int((token >> 32) & 0x0FFF_FFFF) }
    @inline(__always) static func isPlain(_ token: UInt64) -> Bool { token & (1 << 60) != 0 }

    static let maxSize = 0x0FFF_FFFF

    @inline(__always) static func container(_ kind: UInt64, count: Int, next: Int) -> UInt64 {
        kind << 61 | UInt64(count) << 32 | UInt64(next)
    }

    @inline(__always) static func text(_ kind: UInt64, offset: Int, length: Int, plain: Bool) -> UInt64 {
        kind << 61 | (plain ? 1 << 60 : 0) | UInt64(length) << 32 | UInt64(offset)
    }
}

/// One validating pass that writes the tape; nil on anything `JSONReader` would reject (or a
/// document past the tape's limits), so the caller can let the reader explain. A struct with
/// mutating methods rather than closures over locals: captured variables would be boxed and
/// every access checked for exclusivity at run time.
struct TapeBuilder {
    private struct Open {
        let index: Int
        let isObject: Bool
        var count = 0
    }

    private let p: UnsafeBufferPointer<UInt8>
    private let n: Int
    private var i = 0
    private var tokens: [UInt64] = []
    private var keys = KeyCheck()

    private init(_ p: UnsafeBufferPointer<UInt8>) {
        self.p = p
        n = p.count
        tokens.reserveCapacity(n / 12 + 16)
    }

    static func build(_ p: UnsafeBufferPointer<UInt8>) -> [UInt64]? {
        var builder = TapeBuilder(p)
        return builder.run() ? builder.tokens : nil
    }

    private mutating func run() -> Bool {
        var stack: [Open] = []
        skipWhitespace()
        while true {
            // One value, or the opening of a container.
            guard i < n else { return false }
            switch p[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = p[i] == UInt8(ascii: "{")
                guard stack.count < JSONReader.maxDepth else { return false }
                i += 1
                skipWhitespace()
                if i < n, p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    tokens.append(Token.container(isObject ? Token.object : Token.array, count: 0, next: tokens.count + 1))
                    break
                }
                stack.append(Open(index: tokens.count, isObject: isObject))
                tokens.append(0)  // patched when the container closes
                if isObject { guard key() else { return false } }
                continue
            case UInt8(ascii: "\""):
                guard string() else { return false }
            case UInt8(ascii: "t"):
                guard literal("true", Token.true) else { return false }
            case UInt8(ascii: "f"):
                guard literal("false", Token.false) else { return false }
            case UInt8(ascii: "n"):
                guard literal("null", Token.null) else { return false }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard number() else { return false }
            default:
                return false
            }
            // A value is complete: count it in its container, closing containers as they end.
            while true {
                guard let top = stack.indices.last else {
                    skipWhitespace()
                    return i == n
                }
                stack[top].count += 1
                skipWhitespace()
                guard i < n else { return false }
                if p[i] == UInt8(ascii: ",") {
                    i += 1
                    skipWhitespace()
                    if stack[top].isObject { guard key() else { return false } }
                    break
                }
                let open = stack[top]
                guard p[i] == (open.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")), open.count <= Token.maxSize else { return false }
                i += 1
                stack.removeLast()
                tokens[open.index] = Token.container(open.isObject ? Token.object : Token.array, count: open.count, next: tokens.count)
                if open.isObject, !keys.areDistinct(object: open.index, in: tokens, bytes: p) { return false }
            }
        }
    }

    @inline(__always) private mutating func skipWhitespace() {
        while i < n {
            let byte = p[i]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            i += 1
        }
    }

    /// A string at `i` (which holds its opening quote), appended as a token.
    private mutating func string() -> Bool {
        i += 1
        let start = i
        var plain = true
        while i < n {
            let byte = p[i]
            if byte == UInt8(ascii: "\"") {
                guard i - start <= Token.maxSize else { return false }
                tokens.append(Token.text(Token.string, offset: start, length: i - start, plain: plain))
                i += 1
                return true
            }
            if byte == UInt8(ascii: "\\") {
                plain = false
                i += 1
                guard i < n else { return false }
                switch p[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 1
                case UInt8(ascii: "u"):
                    i += 1
                    guard i + 4 <= n else { return false }
                    for _ in 0..<4 {
                        guard Self.isHexDigit(p[i]) else { return false }
                        i += 1
                    }
                default:
                    return false
                }
            } else if byte < 0x20 {
                return false
            } else {
                if byte >= 0x80 { plain = false }
                i += 1
            }
        }
        return false
    }

    /// A member's key and the `:` after it, leaving `i` at the value.
    private mutating func key() -> Bool {
        guard i < n, p[i] == UInt8(ascii: "\""), string() else { return false }
        skipWhitespace()
        guard i < n, p[i] == UInt8(ascii: ":") else { return false }
        i += 1
        skipWhitespace()
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as `JSONReader` reads numbers.
    private mutating func number() -> Bool {
        let start = i
        if p[i] == UInt8(ascii: "-") { i += 1 }
        if i < n, p[i] == UInt8(ascii: "0") { i += 1 } else { guard digits() else { return false } }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return false }
        }
        if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return false }
        }
        guard i - start <= Token.maxSize else { return false }
        tokens.append(Token.text(Token.number, offset: start, length: i - start, plain: true))
        return true
    }

    @inline(__always) private mutating func digits() -> Bool {
        let start = i
        while i < n, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") { i += 1 }
        return i > start
    }

    private mutating func literal(_ word: StaticString, _ kind: UInt64) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= n else { return false }
        let p = self.p, start = i
        guard word.withUTF8Buffer({ word in (0..<count).allSatisfy { p[start + $0] == word[$0] } }) else { return false }
        tokens.append(kind << 61)
        i += count
        return true
    }

    @inline(__always) private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}

/// The duplicate-key check of a closed object, without allocating for the usual handful of plain
/// keys. Keys that are not plain are compared as `String`s, as `JSONReader` compares them (Swift
/// string equality is canonical equivalence, so different bytes can be the same key).
private struct KeyCheck {
    private var scratch: [UInt64] = []

    mutating func areDistinct(object: Int, in tokens: [UInt64], bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = Token.size(tokens[object])
        guard count > 1 else { return true }
        scratch.removeAll(keepingCapacity: true)
        var allPlain = true
        var index = object + 1
        for _ in 0..<count {
            let key = tokens[index]
            scratch.append(key)
            if !Token.isPlain(key) { allPlain = false }
            let value = tokens[index + 1]
            let kind = Token.kind(value)
            index = kind == Token.object || kind == Token.array ? Token.low(value) : index + 2
        }
        if allPlain && count <= 16 {
            for a in 1..<count {
                let length = Token.size(scratch[a])
                for b in 0..<a where Token.size(scratch[b]) == length {
                    if JSONCursor.equal(JSONCursor.text(scratch[a], in: bytes), JSONCursor.text(scratch[b], in: bytes)) { return false }
                }
            }
            return true
        }
        var seen = Set<String>(minimumCapacity: count)
        for key in scratch {
            guard seen.insert(JSONCursor.decodeString(key, bytes: bytes)).inserted else { return false }
        }
        return true
    }
}
