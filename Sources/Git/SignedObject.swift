import Foundation

/// Who made a commit or tag, as git records it in the object (`committer` / `tagger` line).
public struct GitIdentity: Sendable, Equatable {
    public let name: String
    public let email: String
    public let time: Date

    public init(name: String, email: String, time: Date) {
        self.name = name
        self.email = email
        self.time = time
    }

    /// `Name <email>`, or the name alone when there is no email.
    public var description: String { email.isEmpty ? name : "\(name) <\(email)>" }
}

/// A commit or annotated tag as signature verification needs it: the armored signature (nil
/// when the object is unsigned), the exact bytes that were signed, and who made it. Plain
/// copied values: nothing here points into libgit2.
public struct SignedObject: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case commit
        case tag
    }

    public let kind: Kind
    public let id: ObjectID
    /// The signature as stored (`-----BEGIN SSH SIGNATURE-----…` or `-----BEGIN PGP SIGNATURE-----…`).
    public let signature: [UInt8]?
    /// What the signer signed: the object without its signature (header or trailing block).
    public let payload: [UInt8]
    /// The committer of a commit, the tagger of a tag (git verifies SSH validity at this time).
    public let signer: GitIdentity
    /// For a tag, the name in its `tag` line; nil for a commit.
    public let tagName: String?
    /// For a tag, the commit it points to (through any tags in between); nil for a commit.
    public let taggedCommit: ObjectID?

    public init(
        kind: Kind, id: ObjectID, signature: [UInt8]?, payload: [UInt8], signer: GitIdentity, tagName: String? = nil,
        taggedCommit: ObjectID? = nil
    ) {
        self.kind = kind
        self.id = id
        self.signature = signature
        self.payload = payload
        self.signer = signer
        self.tagName = tagName
        self.taggedCommit = taggedCommit
    }
}

/// Splits a raw tag object into payload and trailing signature the way git does
/// (`parse_signed_buffer` in gpg-interface.c): the signature starts at the last line that opens
/// with a known signature marker, and runs to the end.
enum TrailingSignature {
    static let markers = [
        "-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP MESSAGE-----",
        "-----BEGIN SIGNED MESSAGE-----", "-----BEGIN SSH SIGNATURE-----",
    ].map { Array($0.utf8) }

    /// (payload, signature); signature is nil when no line starts with a marker.
    static func split(_ bytes: [UInt8]) -> (payload: [UInt8], signature: [UInt8]?) {
        var match: Int?
        var lineStart = 0
        while lineStart < bytes.count {
            if markers.contains(where: { bytes[lineStart...].starts(with: $0) }) { match = lineStart }
            guard let newline = bytes[lineStart...].firstIndex(of: 0x0A) else { break }
            lineStart = newline + 1
        }
        guard let match else { return (bytes, nil) }
        return (Array(bytes[..<match]), Array(bytes[match...]))
    }
}
