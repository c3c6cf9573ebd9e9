import Foundation

/// Reads a plain directory that is not a git repository (configs kept outside git), with the same
/// `include` filter and the same file rules as `GitRepository.workingTreeFiles`.
public enum DirectoryReader {
    public static func files(at path: String, include: (String) -> Bool) throws -> [GitFile] {
        try DirectoryWalker.files(root: path, skip: { _, _ in false }, include: include)
    }
}

/// Recursive directory reading shared by `DirectoryReader` and working-tree reads.
///
/// Only regular files are read; symbolic links are skipped (as `files(at:)` skips symlink blobs),
/// which also rules out loops. `.git` entries are skipped, and so are nested repositories
/// (directories that contain their own `.git`), which git does not track as files either. Results
/// are sorted by path so output is deterministic.
enum DirectoryWalker {
    /// `skip(relativePath, isDirectory)` prunes entries before they are read or descended into.
    static func files(
        root: String, skip: (String, Bool) throws -> Bool, include: (String) -> Bool
    ) throws -> [GitFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GitError(kind: .other, context: "cannot read directory \(root)", message: "no such directory")
        }
        var files: [GitFile] = []
        try walk(root: root, relative: "", skip: skip, include: include, into: &files)
        return files.sorted { $0.path < $1.path }
    }

    private static func walk(
        root: String, relative: String, skip: (String, Bool) throws -> Bool,
        include: (String) -> Bool, into files: inout [GitFile]
    ) throws {
        let manager = FileManager.default
        let directory = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: directory)
        } catch {
            throw GitError(kind: .other, context: "cannot list directory \(directory)", message: "\(error)")
        }
        for name in names.sorted() where name != ".git" {
            let path = relative.isEmpty ? name : relative + "/" + name
            let absolute = root + "/" + path
            // attributesOfItem uses lstat, so symlinks report as .typeSymbolicLink and are not followed.
            guard let type = (try? manager.attributesOfItem(atPath: absolute))?[.type] as? FileAttributeType else {
                continue  // vanished while we were walking
            }
            switch type {
            case .typeDirectory:
                if manager.fileExists(atPath: absolute + "/.git") { continue }
                if try skip(path, true) { continue }
                try walk(root: root, relative: path, skip: skip, include: include, into: &files)
            case .typeRegular:
                guard include(path), !(try skip(path, false)) else { continue }
                guard let data = manager.contents(atPath: absolute) else {
                    throw GitError(kind: .other, context: "cannot read file \(absolute)")
                }
                files.append(GitFile(path: path, bytes: [UInt8](data)))
            default:
                continue
            }
        }
    }
}
