internal import CGit2
import Foundation

/// Reading signatures and signed payloads of commits and annotated tags (issue 20). Verification
/// itself lives in `CommitVerification`; this only copies the bytes out of libgit2.
extension GitRepository {
    /// The commit's `gpgsig` signature, the bytes it signs (the commit object without that header,
    /// as `git_commit_extract_signature` rebuilds it) and its committer.
    public func signedCommit(_ id: ObjectID) throws -> SignedObject {
        try locked {
            try withCommit(id) { commit in
                var signature = git_buf()
                var payload = git_buf()
                defer {
                    git_buf_dispose(&signature)
                    git_buf_dispose(&payload)
                }
                var oid = id.oid
                let code = git_commit_extract_signature(&signature, &payload, handle, &oid, nil)
                let committer = Self.identity(git_commit_committer(commit))
                if code == GIT_ENOTFOUND.rawValue {
                    // Unsigned: the payload is the whole raw commit, for completeness.
                    return SignedObject(
                        kind: .commit, id: id, signature: nil, payload: try rawObject(id), signer: committer)
                }
                try LibGit2.check(
                    code, "git_commit_extract_signature", "cannot read the signature of commit \(id.short) in \(path)")
                return SignedObject(
                    kind: .commit, id: id, signature: Self.bytes(signature), payload: Self.bytes(payload),
                    signer: committer)
            }
        }
    }

    /// The annotated tag `name` (`refs/tags/<name>`, or any ref or id naming a tag object) with its
    /// trailing signature split off as git does. Nil when `name` is a lightweight tag, a branch or
    /// a commit: there is no tag object to verify.
    public func signedTag(_ name: String) throws -> SignedObject? {
        try locked {
            for candidate in ["refs/tags/\(name)", name] {
                var object: OpaquePointer?
                let code = git_revparse_single(&object, handle, candidate)
                if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue { continue }
                try LibGit2.check(code, "git_revparse_single", "cannot resolve ref \"\(name)\" in \(path)")
                defer { git_object_free(object) }
                guard git_object_type(object) == GIT_OBJECT_TAG else { return nil }
                let id = ObjectID(git_object_id(object))
                let tagger = Self.identity(git_tag_tagger(object))
                let tagName = swiftString(git_tag_name(object))
                var commit: OpaquePointer?
                try LibGit2.check(
                    git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "git_object_peel",
                    "tag \"\(name)\" in \(path) does not point to a commit")
                defer { git_object_free(commit) }
                let (payload, signature) = TrailingSignature.split(try rawObject(id))
                return SignedObject(
                    kind: .tag, id: id, signature: signature, payload: payload, signer: tagger, tagName: tagName,
                    taggedCommit: ObjectID(git_object_id(commit)))
            }
            throw GitError.referenceNotFound(name, in: path)
        }
    }

    /// The object's bytes as stored (without git's `type size\0` header).
    private func rawObject(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var odb: OpaquePointer?
        try LibGit2.check(
            git_repository_odb(&odb, handle), "git_repository_odb", "cannot open the object database of \(path)")
        defer { git_odb_free(odb) }
        var object: OpaquePointer?
        var oid = id.oid
        try LibGit2.check(git_odb_read(&object, odb, &oid), "git_odb_read", "cannot read object \(id.short) in \(path)")
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        guard size > 0, let data = git_odb_object_data(object) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: data, count: size))
    }

    private static func bytes(_ buffer: git_buf) -> [UInt8] {
        guard let pointer = buffer.ptr, buffer.size > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: buffer.size))
    }

    private static func identity(_ signature: UnsafePointer<git_signature>?) -> GitIdentity {
        guard let signature = signature?.pointee else {
            return GitIdentity(name: "", email: "", time: Date(timeIntervalSince1970: 0))
        }
        return GitIdentity(
            name: swiftString(signature.name) ?? "", email: swiftString(signature.email) ?? "",
            time: Date(timeIntervalSince1970: TimeInterval(signature.when.time)))
    }
}
