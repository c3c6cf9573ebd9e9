import Foundation

/// git's `gpg.ssh.allowedSignersFile` (ssh-keygen(1) ALLOWED SIGNERS): one signer a line,
/// `principals [options] keytype base64 [comment]`. Options: `namespaces="git,…"`,
/// `valid-after="YYYYMMDD[HHMM[SS]][Z]"`, `valid-before=…`, `cert-authority`. Given by the
/// operator (never read from the config repository).
public struct AllowedSigners: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The pattern list as written (`alice@example.com,*@ops.example.com`).
        public let principals: String
        /// The `namespaces=` pattern list, nil when the line has none (any namespace).
        public let namespaces: String?
        public let validAfter: Date?
        public let validBefore: Date?
        /// `cert-authority`: the key signs certificates. Parsed, refused at verification.
        public let certificateAuthority: Bool
        let key: SSHPublicKey
        /// Where the entry was read, for messages (`allowed_signers:3`).
        public let location: String

        public var fingerprint: String { key.fingerprint }
    }

    public let entries: [Entry]
    /// The file the entries came from, for messages.
    public let path: String

    /// Reads and parses `path`; a bad line throws naming the file, line and field.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AllowedSignersError(
                location: path, message: "cannot read the trusted signers file: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AllowedSignersError(location: path, message: "the trusted signers file is not UTF-8 text")
        }
        try self.init(text: text, path: path)
    }

    public init(text: String, path: String, timeZone: TimeZone = .current) throws {
        self.path = path
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            entries.append(try AllowedSignersLine.parse(trimmed, location: "\(path):\(index + 1)", timeZone: timeZone))
        }
        self.entries = entries
    }
}

/// A malformed `allowed_signers` file or line: `file:line: message`.
public struct AllowedSignersError: Error, CustomStringConvertible, Equatable {
    public let location: String
    public let message: String

    public var description: String { "\(location): \(message)" }
}

/// Parsing one non-comment line of an allowed_signers file.
enum AllowedSignersLine {
    static func parse(_ line: String, location: String, timeZone: TimeZone) throws -> AllowedSigners.Entry {
        var fields = Fields(line)
        func fail(_ message: String) -> AllowedSignersError {
            AllowedSignersError(location: location, message: message)
        }
        guard let principals = fields.next(), !principals.isEmpty else { throw fail("missing principals") }
        guard var token = fields.next() else { throw fail("missing key after principals \(principals)") }
        var options: String?
        if !SSHPublicKey.isKeyType(token) {
            if token.hasPrefix("ssh-") || token.hasPrefix("ecdsa-") { throw fail("unsupported key type \(token)") }
            options = token
            guard let keyType = fields.next() else { throw fail("missing key after options \(token)") }
            token = keyType
        }
        guard SSHPublicKey.isKeyType(token) else {
            throw fail("unknown key type \(token) after options \(options ?? "")")
        }
        guard let base64 = fields.next() else { throw fail("missing base64 key after key type \(token)") }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(type: token, base64: base64)
        } catch {
            throw fail("invalid \(token) key: \(error)")
        }
        var namespaces: String?
        var validAfter: Date?
        var validBefore: Date?
        var certificateAuthority = false
        for option in try splitOptions(options ?? "", fail: fail) {
            let (name, value) = option
            switch name.lowercased() {
            case "cert-authority":
                guard value == nil else { throw fail("option cert-authority takes no value") }
                certificateAuthority = true
            case "namespaces":
                guard let value, !value.isEmpty else {
                    throw fail("option namespaces needs a value, e.g. namespaces=\"git\"")
                }
                namespaces = value
            case "valid-after", "valid-before":
                guard let value, let date = parseTime(value, timeZone: timeZone) else {
                    throw fail("option \(name) must be a time YYYYMMDD[HHMM[SS]][Z], got \(value ?? "nothing")")
                }
                if name.lowercased() == "valid-after" { validAfter = date } else { validBefore = date }
            default:
                throw fail("unsupported option \(name)")
            }
        }
        let unquoted =
            principals.hasPrefix("\"") && principals.hasSuffix("\"") && principals.count >= 2
            ? String(principals.dropFirst().dropLast()) : principals
        return AllowedSigners.Entry(
            principals: unquoted, namespaces: namespaces, validAfter: validAfter,
            validBefore: validBefore, certificateAuthority: certificateAuthority,
            key: key, location: location)
    }

    /// `a,b="x,y",c` → [(a,nil), (b,"x,y"), (c,nil)], honouring double quotes.
    static func splitOptions(_ text: String, fail: (String) -> AllowedSignersError) throws -> [(String, String?)] {
        guard !text.isEmpty else { return [] }
        var options: [(String, String?)] = []
        var current = ""
        var inQuotes = false
        for character in text + "," {
            if character == "\"" {
                inQuotes.toggle()
                current.append(character)
            } else if character == ",", !inQuotes {
                guard !current.isEmpty else { throw fail("empty option in \(text)") }
                if let equals = current.firstIndex(of: "=") {
                    var value = String(current[current.index(after: equals)...])
                    guard value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 else {
                        throw fail("option value must be double-quoted: \(current)")
                    }
                    value = String(value.dropFirst().dropLast())
                    options.append((String(current[..<equals]), value))
                } else {
                    options.append((current, nil))
                }
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !inQuotes else { throw fail("unterminated quote in options \(text)") }
        return options
    }

    /// ssh-keygen's absolute time: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, UTC with a `Z`
    /// suffix, else in `timeZone` (the system's, as ssh-keygen does).
    static func parseTime(_ text: String, timeZone: TimeZone) -> Date? {
        var digits = text
        var zone = timeZone
        if digits.hasSuffix("Z") || digits.hasSuffix("z") {
            digits.removeLast()
            zone = TimeZone(identifier: "UTC")!
        }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            return nil
        }
        let numbers = Array(digits)
        func field(_ start: Int, _ length: Int) -> Int { Int(String(numbers[start..<start + length])) ?? 0 }
        var components = DateComponents()
        components.year = field(0, 4)
        components.month = field(4, 2)
        components.day = field(6, 2)
        components.hour = digits.count >= 12 ? field(8, 2) : 0
        components.minute = digits.count >= 12 ? field(10, 2) : 0
        components.second = digits.count == 14 ? field(12, 2) : 0
        guard (1...12).contains(components.month!), (1...31).contains(components.day!), components.hour! < 24,
            components.minute! < 60, components.second! < 61
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: components)
    }

    /// Whitespace-separated fields; a field may be double-quoted (and then hold spaces).
    struct Fields {
        private var rest: Substring

        init(_ line: String) {
            rest = Substring(line)
        }

        mutating func next() -> String? {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { return nil }
            var field = ""
            var inQuotes = false
            while let character = rest.first {
                if character == "\"" { inQuotes.toggle() }
                if !inQuotes, character == " " || character == "\t" { break }
                field.append(character)
                rest = rest.dropFirst()
            }
            return field
        }
    }
}
