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
