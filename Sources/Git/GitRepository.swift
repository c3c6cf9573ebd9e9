import Foundation
internal import CGit2

/// An open git repository: the only owner of a `git_repository` handle, freed in deinit.
///
/// libgit2 handles must not be used from two threads at once, so every operation takes `lock`;
/// that is what makes the `@unchecked Sendable` honest. Everything returned is a copied Swift value.
public final class GitRepository: @unchecked Sendable {
    let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    /// The `.git` directory (the repository itself for bare repos), without a trailing slash.
    public let path: String
    /// The working tree directory without a trailing slash; nil for bare repositories.
    public let workingDirectory: String?
    /// The `origin` remote, looked up once and reused by every fetch (guarded by `lock`).
    /// Looking a remote up runs libgit2's `url.*.insteadOf` config scan, which in Debian's 1.5.1
    /// leaks its pcre2 match data (~390 KB a lookup, measured with valgrind); one lookup for the
    /// repository's life keeps a controller that fetches every pass flat.
    var origin: OpaquePointer?

    init(handle: OpaquePointer) {
        self.handle = handle
        path = Self.trimSlash(swiftString(git_repository_path(handle)) ?? "")
        workingDirectory = git_repository_is_bare(handle) == 1
            ? nil : swiftString(git_repository_workdir(handle)).map(Self.trimSlash)
    }

    deinit {
        if let origin { git_remote_free(origin) }
        git_repository_free(handle)
    }

    /// Opens a repo at or above `path` (working tree or bare).
    public static func open(path: String) throws -> GitRepository {
        try open(path: path, search: true)
    }

    static func open(path: String, search: Bool) throws(GitError) -> GitRepository {
        LibGit2.ensureInitialized()
        var repo: OpaquePointer?
        let flags = search ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        let code = git_repository_open_ext(&repo, path, flags, nil)
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError.fromLibGit2(
                code: code, function: "git_repository_open_ext",
                context: "not a git repository (or any parent directory): \(path)", kind: .notARepository)
        }
        try LibGit2.check(code, "git_repository_open_ext", "cannot open git repository \(path)")
        return GitRepository(handle: repo!)
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private static func trimSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    // MARK: - Refs and commits

    /// Resolves "HEAD", a branch (local, or origin/<b> remote-tracking in a cached clone), a tag
    /// (annotated tags peeled to the commit), a full or abbreviated commit id, or any other git
    /// revision expression. Always returns a commit id.
    ///
    /// Order for a bare name: `refs/heads/<n>`, `refs/remotes/origin/<n>`, `refs/tags/<n>`, then
    /// libgit2's rev-parse (full ref names, `origin/<n>`, ids). "HEAD" falls back to `origin/HEAD`
    /// because a cached clone has no local branch for HEAD to point at.
    public func resolveCommit(_ ref: String) throws -> ObjectID {
        try locked {
            guard !ref.isEmpty else { throw GitError.referenceNotFound(ref, in: path) }
            let candidates = ref == "HEAD"
                ? ["HEAD", "refs/remotes/origin/HEAD"]
                : ["refs/heads/\(ref)", "refs/remotes/origin/\(ref)", "refs/tags/\(ref)", ref]
            for candidate in candidates {
                if let id = try peelToCommit(candidate, requested: ref) { return id }
            }
            throw GitError.referenceNotFound(ref, in: path)
        }
    }

    /// The commit `spec` names, or nil when nothing by that name exists.
    private func peelToCommit(_ spec: String, requested: String) throws(GitError) -> ObjectID? {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, spec)
        switch code {
        case GIT_ENOTFOUND.rawValue, GIT_EINVALIDSPEC.rawValue, GIT_EUNBORNBRANCH.rawValue:
            return nil
        case GIT_EAMBIGUOUS.rawValue:
            throw GitError.fromLibGit2(
                code: code, function: "git_revparse_single",
                context: "ref \"\(requested)\" is ambiguous in \(path); use more characters of the commit id")
        default:
            try LibGit2.check(code, "git_revparse_single", "cannot resolve ref \"\(requested)\" in \(path)")
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try LibGit2.check(
            git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "git_object_peel",
            "ref \"\(requested)\" in \(path) does not point to a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// Runs `body` with the commit, freeing it afterwards.
    func withCommit<T>(_ id: ObjectID, _ body: (OpaquePointer) throws -> T) throws -> T {
        var oid = id.oid
        var commit: OpaquePointer?
        try LibGit2.check(git_commit_lookup(&commit, handle, &oid), "git_commit_lookup",
                          "cannot read commit \(id.short) in \(path)")
        defer { git_commit_free(commit) }
        return try body(commit!)
    }

    public func commitInfo(_ id: ObjectID) throws -> CommitInfo {
        try locked {
            try withCommit(id) { commit in
                let summary = swiftString(git_commit_summary(commit)) ?? ""
                var author = ""
                var time = Date(timeIntervalSince1970: 0)
                if let signature = git_commit_author(commit)?.pointee {
                    let name = swiftString(signature.name) ?? ""
                    let email = swiftString(signature.email) ?? ""
                    author = email.isEmpty ? name : "\(name) <\(email)>"
                    time = Date(timeIntervalSince1970: TimeInterval(signature.when.time))
                }
                return CommitInfo(id: id, summary: summary, author: author, time: time)
            }
        }
    }

    // MARK: - Files

    /// Files of the commit's tree, recursively, read from the object database (no checkout); only
    /// paths for which `include` returns true are read (blobs of others are never loaded). Regular
    /// and executable files only: symlinks and submodules are skipped. Sorted by path. A blob's
    /// size is read from its header before the blob is loaded, so one over `limits` is refused
    /// (`GitError.Kind.tooLarge`, naming the file) without being read.
    public func files(at commit: ObjectID, include: (String) -> Bool, limits: ReadLimits = .unlimited) throws -> [GitFile] {
        try locked {
            try withCommit(commit) { commitHandle in
                var tree: OpaquePointer?
                try LibGit2.check(git_commit_tree(&tree, commitHandle), "git_commit_tree",
                                  "cannot read the tree of commit \(commit.short) in \(path)")
                defer { git_tree_free(tree) }
                var odb: OpaquePointer?
                try LibGit2.check(git_repository_odb(&odb, handle), "git_repository_odb", "cannot open the object database of \(path)")
                defer { git_odb_free(odb) }
                var files: [GitFile] = []
                var total = 0
                try collect(tree: tree!, prefix: "", include: include, odb: odb!, limits: limits, total: &total, into: &files)
                return files.sorted { $0.path < $1.path }
            }
        }
    }

    private func collect(tree: OpaquePointer, prefix: String, include: (String) -> Bool, odb: OpaquePointer,
                         limits: ReadLimits, total: inout Int, into files: inout [GitFile]) throws(GitError) {
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let name = swiftString(git_tree_entry_name(entry)) ?? ""
            let entryPath = prefix.isEmpty ? name : prefix + "/" + name
            let id = git_tree_entry_id(entry)
            switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_TREE:
                var subtree: OpaquePointer?
                try LibGit2.check(git_tree_lookup(&subtree, handle, id), "git_tree_lookup",
                                  "cannot read directory \(entryPath) in \(path)")
                defer { git_tree_free(subtree) }
                try collect(tree: subtree!, prefix: entryPath, include: include, odb: odb, limits: limits, total: &total, into: &files)
            case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE:
                guard include(entryPath) else { continue }
                var headerSize = 0
                var type = GIT_OBJECT_INVALID
                try LibGit2.check(git_odb_read_header(&headerSize, &type, odb, id), "git_odb_read_header",
                                  "cannot read file \(entryPath) in \(path)")
                if let violation = limits.violation(path: entryPath, size: headerSize, total: total) { throw violation }
                total += headerSize
                var blob: OpaquePointer?
                try LibGit2.check(git_blob_lookup(&blob, handle, id), "git_blob_lookup",
                                  "cannot read file \(entryPath) in \(path)")
                defer { git_blob_free(blob) }
                let size = Int(git_blob_rawsize(blob))
                let bytes = size == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: size))
                files.append(GitFile(path: entryPath, bytes: bytes))
            default:
                continue
            }
        }
    }

    /// Files of the working tree as they are on disk now (uncommitted edits included), skipping
    /// `.git`, nested repositories, symlinks and paths git ignores (`git_ignore_path_is_ignored`).
    /// Files over `limits` are refused (`GitError.Kind.tooLarge`, naming the file).
    public func workingTreeFiles(include: (String) -> Bool, limits: ReadLimits = .unlimited) throws -> [GitFile] {
        try locked {
            guard let workingDirectory else {
                throw GitError(kind: .other, context: "cannot read the working tree of \(path)",
                               message: "it is a bare repository")
            }
            return try DirectoryWalker.files(root: workingDirectory, skip: { relative, isDirectory in
                var ignored: Int32 = 0
                try LibGit2.check(
                    git_ignore_path_is_ignored(&ignored, handle, isDirectory ? relative + "/" : relative),
                    "git_ignore_path_is_ignored", "cannot check whether \(relative) is ignored in \(workingDirectory)")
                return ignored == 1
            }, include: include, limits: limits)
        }
    }
}
