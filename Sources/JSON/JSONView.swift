import YAML
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One value of a `JSONTape`, read in place: lookups and comparisons read the tape and the
/// document's bytes, and allocate nothing for plain (ASCII, unescaped) keys and strings. `node`
/// decodes it into a tree when one is needed after all. Keys and strings compare as `String`s
/// do, as in `Node`. Keeps its tape's memory alive.
public struct JSONView: Sendable {
    let storage: TapeStorage
    let index: Int

    /// Reads this value through a `JSONCursor`, for loops that read many values. The cursors
    /// hold a `TapeStorage` made for this call, which holds the tape's: they stay valid even if
    /// `body` lets one escape, and counting their references touches only this thread's object.
    public func withCursor<Result>(_ body: (JSONCursor) throws -> Result) rethrows -> Result {
        try body(JSONCursor(storage: TapeStorage(sharing: storage), index: index))
    }

    /// A cursor on the tape's own storage, for the single reads below.
    private var cursor: JSONCursor { JSONCursor(storage: storage, index: index) }

    private func view(_ cursor: JSONCursor?) -> JSONView? { cursor.map { JSONView(storage: storage, index: $0.index) } }

    public var isObject: Bool { cursor.isObject }
    public var count: Int { cursor.count }
    public var string: String? { cursor.string }
    public var scalarText: String? { cursor.scalarText }
    /// The value as a tree, without marks (as `Node(json:marks: false)` reads it).
    public var node: Node { cursor.node }
    public func scalarEquals(_ node: Node) -> Bool { cursor.scalarEquals(node) }

    /// The value of member `key` (nil when this is not an object or has no such member).
    public subscript(key: String) -> JSONView? { view(cursor[key]) }

    /// Follows a path of keys through nested objects.
    public subscript(path path: [String]) -> JSONView? {
        var view: JSONView? = self
        for key in path { view = view?[key] }
        return view
    }

    /// An object's members in document order (empty for anything else).
    public var members: [(key: JSONView, value: JSONView)] {
        cursor.members.map { (JSONView(storage: storage, index: $0.key.index), JSONView(storage: storage, index: $0.value.index)) }
    }

    /// An array's elements in order (empty for anything else).
    public var elements: [JSONView] {
        cursor.elements.map { JSONView(storage: storage, index: $0.index) }
    }
}

/// A value of a `JSONTape` read in place: what `JSONView` offers, for loops that read many
/// values (the plan's compare of every live object). Every cursor holds the `TapeStorage` it
/// reads, so the memory cannot be freed while any cursor exists.
public struct JSONCursor: Sendable {
    let storage: TapeStorage
    let index: Int

    private var tokens: UnsafeBufferPointer<UInt64> { storage.tokens }
    private var bytes: UnsafeBufferPointer<UInt8> { storage.bytes }
    private var token: UInt64 { storage.tokens[index] }

    public var isObject: Bool { Token.kind(token) == Token.object }
    public var isArray: Bool { Token.kind(token) == Token.array }

    /// Members of an object or elements of an array; 0 for a scalar.
    public var count: Int { isObject || isArray ? Token.size(token) : 0 }

    /// The index of the first token after the value at `index`.
    @inline(__always) private static func skip(_ tokens: UnsafeBufferPointer<UInt64>, _ index: Int) -> Int {
        let kind = Token.kind(tokens[index])
        return kind == Token.object || kind == Token.array ? Token.low(tokens[index]) : index + 1
    }

    private func at(_ index: Int) -> JSONCursor { JSONCursor(storage: storage, index: index) }

    // MARK: - Lookup

    /// The value of member `key` (nil when this is not an object or has no such member).
    public subscript(key: String) -> JSONCursor? {
        guard isObject else { return nil }
        var key = key
        return key.withUTF8 { member($0) }
    }

    /// Follows a path of keys through nested objects.
    public subscript(path path: [String]) -> JSONCursor? {
        var cursor: JSONCursor? = self
        for key in path { cursor = cursor?[key] }
        return cursor
    }

    private func member(_ query: UnsafeBufferPointer<UInt8>) -> JSONCursor? {
        let tokens = self.tokens, bytes = self.bytes
        let end = Token.low(tokens[index])
        let queryIsASCII = Self.isASCII(query)
        var i = index + 1
        while i < end {
            let key = tokens[i]
            if Token.isPlain(key) && queryIsASCII {
                if Self.equal(Self.text(key, in: bytes), query) { return at(i + 1) }
            } else if Self.decodeString(key, bytes: bytes) == String(decoding: query, as: UTF8.self) {
                return at(i + 1)
            }
            i = Self.skip(tokens, i + 1)
        }
        return nil
    }

    /// An object's members in document order (empty for anything else).
    public var members: Members { Members(cursor: self) }

    /// An array's elements in order (empty for anything else).
    public var elements: Elements { Elements(cursor: self) }

    public struct Members: Sequence {
        let cursor: JSONCursor

        public struct Iterator: IteratorProtocol {
            var values: Values

            public mutating func next() -> (key: JSONCursor, value: JSONCursor)? {
                guard let key = values.next(), let value = values.next() else { return nil }
                return (key, value)
            }
        }

        public func makeIterator() -> Iterator {
            // An object's tokens are its keys and values, alternating.
            Iterator(values: Values(cursor: cursor, index: cursor.index + 1, remaining: cursor.isObject ? 2 * cursor.count : 0))
        }
    }

    public struct Elements: Sequence {
        let cursor: JSONCursor

        public func makeIterator() -> Values {
            Values(cursor: cursor, index: cursor.index + 1, remaining: cursor.isArray ? cursor.count : 0)
        }
    }

    /// Consecutive values inside a container, each skipped whole to reach the next.
    public struct Values: IteratorProtocol {
        let cursor: JSONCursor
        var index: Int
        var remaining: Int

        public mutating func next() -> JSONCursor? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            defer { index = JSONCursor.skip(cursor.tokens, index) }
            return cursor.at(index)
        }
    }

    // MARK: - Scalars

    /// The string (or key) itself; nil for anything else.
    public var string: String? {
        Token.kind(token) == Token.string ? Self.decodeString(token, bytes: bytes) : nil
    }

    /// Whether this string has exactly the bytes of `ascii`, which must be ASCII (for keys and
    /// values known in advance, such as `.` in `fieldsV1`); false for anything else.
    public func isPlainString(_ ascii: StaticString) -> Bool {
        let token = self.token
        guard Token.kind(token) == Token.string, Token.isPlain(token), Token.size(token) == ascii.utf8CodeUnitCount else { return false }
        let text = Self.text(token, in: bytes)
        return ascii.withUTF8Buffer { Self.equal(text, $0) }
    }

    /// The rest of a plain string that starts with `prefix` (ASCII); nil for anything else.
    public func plainString(droppingPrefix prefix: StaticString) -> String? {
        let token = self.token, count = prefix.utf8CodeUnitCount
        guard Token.kind(token) == Token.string, Token.isPlain(token), Token.size(token) >= count else { return nil }
        let text = Self.text(token, in: bytes)
        guard prefix.withUTF8Buffer({ Self.equal(text.extracting(..<count), $0) }) else { return nil }
        return String(decoding: text.extracting(count...), as: UTF8.self)
    }

    /// Whether this is a scalar equal to `node`, as `Node`'s `==` compares them (`1` equals `1.0`;
    /// strings by `String` equality). False for objects and arrays.
    public func scalarEquals(_ node: Node) -> Bool {
        let token = self.token
        switch (Token.kind(token), node.value) {
        case (Token.null, .null): return true
        case (Token.true, .bool(let value)): return value
        case (Token.false, .bool(let value)): return !value
        case (Token.number, .int), (Token.number, .float): return Node(Self.decodeNumber(token, bytes: bytes)) == node
        case (Token.string, .string(var wanted)):
            let bytes = self.bytes
            return wanted.withUTF8 { wanted in
                if Token.isPlain(token) && Self.equal(Self.text(token, in: bytes), wanted) { return true }
                // Different bytes are still the same string when either side is not ASCII
                // (canonical equivalence), or when escapes spell the same characters.
                if Token.isPlain(token) && Self.isASCII(wanted) { return false }
                return Self.decodeString(token, bytes: bytes) == String(decoding: wanted, as: UTF8.self)
            }
        default: return false
        }
    }

    /// The scalar as text, as `Node.scalarText` gives it; nil for objects and arrays.
    public var scalarText: String? {
        let token = self.token
        switch Token.kind(token) {
        case Token.object, Token.array: return nil
        case Token.string: return Self.decodeString(token, bytes: bytes)
        case Token.number: return Node(Self.decodeNumber(token, bytes: bytes)).scalarText
        case Token.true: return "true"
        case Token.false: return "false"
        default: return "null"
        }
    }

    // MARK: - Decoding

    /// The value as a tree, without marks (as `Node(json:marks: false)` reads it).
    public var node: Node {
        var index = self.index
        return decode(at: &index)
    }

    private func decode(at index: inout Int) -> Node {
        let tokens = self.tokens, bytes = self.bytes
        let token = tokens[index]
        index += 1
        switch Token.kind(token) {
        case Token.object:
            var entries: [Node.Entry] = []
            entries.reserveCapacity(Token.size(token))
            for _ in 0..<Token.size(token) {
                let key = Self.decodeString(tokens[index], bytes: bytes)
                index += 1
                entries.append(Node.Entry(key: key, value: decode(at: &index)))
            }
            return Node(.mapping(entries))
        case Token.array:
            var items: [Node] = []
            items.reserveCapacity(Token.size(token))
            for _ in 0..<Token.size(token) { items.append(decode(at: &index)) }
            return Node(.sequence(items))
        case Token.string: return Node(.string(Self.decodeString(token, bytes: bytes)))
        case Token.number: return Node(Self.decodeNumber(token, bytes: bytes))
        case Token.true: return Node(.bool(true))
        case Token.false: return Node(.bool(false))
        default: return Node(.null)
        }
    }

    /// The text of a string (without its quotes) or number token, as a buffer of exactly its
    /// bytes. Offsets and lengths come from `TapeBuilder`, which only writes ranges inside the
    /// document (checked again here in debug builds, where the buffer slicing is checked).
    @inline(__always) static func text(_ token: UInt64, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let start = Token.low(token)
        return bytes.extracting(start..<start + Token.size(token))
    }

    /// A string token's text. Escapes are rare in API objects: those strings go through
    /// `JSONReader`, so that escapes have one implementation. The reader is given a copy of the
    /// text between quotes of its own, not the document around the token.
    static func decodeString(_ token: UInt64, bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = Self.text(token, in: bytes)
        guard !Token.isPlain(token), text.contains(UInt8(ascii: "\\")) else { return String(decoding: text, as: UTF8.self) }
        var quoted: [UInt8] = []
        quoted.reserveCapacity(text.count + 2)
        quoted.append(UInt8(ascii: "\""))
        quoted.append(contentsOf: text)
        quoted.append(UInt8(ascii: "\""))
        var reader = JSONReader(source: SourceText(file: "<json>", bytes: quoted), keepMarks: false)
        guard let decoded = (try? reader.read())?.string else {
            preconditionFailure("a string JSONTape accepted does not decode")
        }
        return decoded
    }

    private static func decodeNumber(_ token: UInt64, bytes: UnsafeBufferPointer<UInt8>) -> Node.Value {
        let text = Self.text(token, in: bytes)
        let integral = !text.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        guard let value = JSONReader.number(text, integral: integral) else {
            preconditionFailure("a number JSONTape accepted does not decode")
        }
        return value
    }

    /// Byte equality without a call for the short keys and values of API objects.
    @inline(__always) static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = a.count
        guard count == b.count else { return false }
        guard count > 0 else { return true }
        if count > 32 { return memcmp(a.baseAddress!, b.baseAddress!, count) == 0 }
        for offset in 0..<count where a[offset] != b[offset] { return false }
        return true
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.contains { $0 >= 0x80 }
    }
}
