import Foundation

/// One file read from a commit, a working tree or a plain directory.
public struct GitFile: Sendable, Equatable {
    /// Relative to the repository (or directory) root, '/'-separated, no leading slash.
    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// How much may be read from a repository: no file larger than `maxFileBytes`, and no more than
/// `maxTotalBytes` over all files of one read. A repository is untrusted input, so a huge file
/// (or very many) is refused with an error naming the file, never read into memory first.
public struct ReadLimits: Sendable, Equatable {
    public var maxFileBytes: Int
    public var maxTotalBytes: Int

    public init(maxFileBytes: Int, maxTotalBytes: Int) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
    }

    public static let unlimited = ReadLimits(maxFileBytes: .max, maxTotalBytes: .max)

    /// The error for `path`, `size` bytes, when it would break a limit given `total` bytes read
    /// before it; nil when it fits.
    func violation(path: String, size: Int, total: Int) -> GitError? {
        // The path alone as context, so the error reads like every other input error: `file: message`.
        if size > maxFileBytes {
            return GitError(kind: .tooLarge, context: path,
                            message: "file is too large: \(Self.describe(size)), more than the limit of \(Self.describe(maxFileBytes)) per file")
        }
        if size > maxTotalBytes - min(total, maxTotalBytes) {
            return GitError(kind: .tooLarge, context: path,
                            message: "repository is too large: reading this file brings the files read to \(Self.describe(total + size)), "
                                + "more than the limit of \(Self.describe(maxTotalBytes)) for all files together")
        }
        return nil
    }

    /// Bytes as people read them: "16 MiB" for an exact number of MiB, else "17825793 bytes".
    static func describe(_ count: Int) -> String {
        if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count >= 1 << 10, count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        return "\(count) bytes"
    }
}

/// What we show about a commit: enough for status output and audit logs.
public struct CommitInfo: Sendable, Equatable {
    public let id: ObjectID
    /// The first paragraph of the message, folded onto one line (libgit2's summary).
    public let summary: String
    /// `Name <email>`.
    public let author: String
    public let time: Date

    public init(id: ObjectID, summary: String, author: String, time: Date) {
        self.id = id
        self.summary = summary
        self.author = author
        self.time = time
    }
}

/// Transfer counters of one fetch; an up-to-date remote yields `receivedObjects == 0`.
public struct FetchStats: Sendable, Equatable {
    public let receivedObjects: Int
    public let receivedBytes: Int
    public let indexedObjects: Int

    public init(receivedObjects: Int, receivedBytes: Int, indexedObjects: Int) {
        self.receivedObjects = receivedObjects
        self.receivedBytes = receivedBytes
        self.indexedObjects = indexedObjects
    }
}
