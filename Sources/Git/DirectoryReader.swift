import Executors
import Foundation

/// Reads a plain directory that is not a git repository (configs kept outside git), with the same
/// `include` filter and the same file rules as `GitRepository.workingTreeFiles`.
public enum DirectoryReader {
    /// Files over `limits` are refused (`GitError.Kind.tooLarge`, naming the file).
    public static func files(at path: String, include: (String) -> Bool, limits: ReadLimits = .unlimited) throws -> [GitFile] {
        try DirectoryWalker.files(root: path, skip: { _, _ in false }, include: include, limits: limits)
    }
}

/// Recursive directory reading shared by `DirectoryReader` and working-tree reads.
///
/// Only regular files are read; symbolic links are skipped (as `files(at:)` skips symlink blobs),
/// which also rules out loops. `.git` entries are skipped, and so are nested repositories
/// (directories that contain their own `.git`), which git does not track as files either. Results
/// are sorted by path so output is deterministic.
///
/// A config repository can hold thousands of small files in hundreds of directories, and every
/// one costs system calls, so the tree is walked a level at a time with each level's directories
/// listed on every core, and files are opened relative to their directory (`openat`) instead of
/// by a full path the kernel resolves again for each file. `skip` and `include` are only ever
/// called from the calling thread, in path order (libgit2's ignore check is not thread-safe).
enum DirectoryWalker {
    /// `skip(relativePath, isDirectory)` prunes entries before they are read or descended into.
    static func files(
        root: String, skip: (String, Bool) throws -> Bool, include: (String) -> Bool, limits: ReadLimits = .unlimited
    ) throws -> [GitFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GitError(kind: .other, context: "cannot read directory \(root)", message: "no such directory")
        }
        var directories: [Directory] = []
        var level = [""]
        while !level.isEmpty {
            let listings = try level.concurrentMap(throwing: { try entries(of: absolute($0, root: root)) })
            var next: [String] = []
            for (relative, listing) in zip(level, listings) {
                // A nested repository (its own `.git`, a directory or a worktree's file) is not ours.
                if !relative.isEmpty && listing.contains(where: { $0.name == ".git" }) { continue }
                var directory = Directory(relative: relative, files: [])
                for entry in listing where entry.name != ".git" {
                    let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                    switch entry.type {
                    case .directory:
                        if try !skip(path, true) { next.append(path) }
                    case .regular:
                        if include(path), try !skip(path, false) { directory.files.append(entry.name) }
                    case .other:
                        continue
                    }
                }
                if !directory.files.isEmpty { directories.append(directory) }
            }
            level = next
        }
        // Each file is checked against the per-file limit as it is opened (its size from `fstat`,
        // and reading stops past the limit if it grows), and against the total as it is counted
        // in, so reading stops soon after the total is crossed. Directories are read in parallel,
        // so which file crossed it first is a race: the error names the file that crosses it in
        // path order instead, the same on every run.
        let total = ByteCount()
        let contents: [[[UInt8]]]
        do {
            contents = try directories.concurrentMap(throwing: { directory in
                try readFiles(of: directory, root: root, limits: limits, total: total)
            })
        } catch let crossed as TotalCrossed {
            throw totalViolationInPathOrder(directories, root: root, limits: limits) ?? crossed.violation
        }
        return zip(directories, contents).flatMap { directory, contents in
            zip(directory.files, contents).map { name, bytes in GitFile(path: directory.path(of: name), bytes: bytes) }
        }.sorted { $0.path < $1.path }
    }

    /// A directory's files that are to be read, by name.
    private struct Directory: Sendable {
        let relative: String
        var files: [String]

        func path(of name: String) -> String { relative.isEmpty ? name : relative + "/" + name }
    }

    private static func absolute(_ relative: String, root: String) -> String {
        relative.isEmpty ? root : root + "/" + relative
    }

    /// The contents of a directory's files, in the order of `directory.files`.
    /// Bytes read so far by every thread of one walk.
    private final class ByteCount: Sendable {
        private let total = Locked(0)

        /// Counts `size` more bytes for `path`, or throws `TotalCrossed` when that breaks `limits`.
        func add(_ size: Int, path: String, limits: ReadLimits) throws {
            try total.withLock { total in
                if let violation = limits.violation(path: path, size: size, total: total) { throw TotalCrossed(violation: violation) }
                total += size
            }
        }
    }

    /// The total limit was crossed while directories were read in parallel.
    private struct TotalCrossed: Error {
        let violation: GitError
    }

    /// The violation of the file that crosses the total in path order, from the files' sizes.
    private static func totalViolationInPathOrder(_ directories: [Directory], root: String, limits: ReadLimits) -> GitError? {
        let paths = directories.flatMap { directory in directory.files.map { directory.path(of: $0) } }.sorted()
        var total = 0
        for path in paths {
            var info = stat()
            guard stat(root + "/" + path, &info) == 0 else { continue }
            let size = Int(info.st_size)
            if let violation = limits.violation(path: path, size: size, total: total) { return violation }
            total += size
        }
        return nil
    }

    private static func readFiles(of directory: Directory, root: String, limits: ReadLimits, total: ByteCount) throws -> [[UInt8]] {
        let path = absolute(directory.relative, root: root)
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw GitError(kind: .other, context: "cannot list directory \(path)", message: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        return try directory.files.map { name in
            let bytes = try readFile(name, in: descriptor, path: path + "/" + name, relative: directory.path(of: name), limits: limits)
            try total.add(bytes.count, path: directory.path(of: name), limits: limits)
            return bytes
        }
    }

    private enum EntryType { case directory, regular, other }

    /// A directory's entries sorted by name, typed without following symbolic links (`d_type`,
    /// or `lstat` where the filesystem does not fill it in).
    private static func entries(of directory: String) throws -> [(name: String, type: EntryType)] {
        guard let stream = opendir(directory) else {
            throw GitError(kind: .other, context: "cannot list directory \(directory)", message: String(cString: strerror(errno)))
        }
        defer { closedir(stream) }
        var result: [(name: String, type: EntryType)] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var type: EntryType
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): type = .directory
            case Int32(DT_REG): type = .regular
            case Int32(DT_UNKNOWN):
                var info = stat()
                guard fstatat(dirfd(stream), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // vanished while we were walking
                switch info.st_mode & S_IFMT {
                case S_IFDIR: type = .directory
                case S_IFREG: type = .regular
                default: type = .other
                }
            default: type = .other  // symbolic links (not followed), devices, sockets, FIFOs
            }
            result.append((name, type))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The whole file `name` in the open directory `directory` (`path` names it in errors), read
    /// straight into the byte array the core works on (sized by `fstat`, and still complete if the
    /// file grows while it is read). `O_NOFOLLOW`: a file swapped for a symbolic link since the
    /// listing is refused, not followed.
    private static func readFile(
        _ name: String, in directory: Int32, path: String, relative: String, limits: ReadLimits
    ) throws -> [UInt8] {
        let descriptor = openat(directory, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            throw GitError(kind: .other, context: "cannot read file \(path)", message: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        let expected = fstat(descriptor, &info) == 0 ? max(Int(info.st_size), 0) : 0
        if let violation = limits.violation(path: relative, size: expected, total: 0) { throw violation }
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, initialized in
            initialized = 0
            while initialized < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count > 0 { initialized += count } else if count == 0 { return } else if errno != EINTR { failure = errno; return }
            }
        }
        if failure == 0 && bytes.count == expected + 1 {  // it grew: read on to the end
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while failure == 0 {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 { bytes += chunk[0..<count] } else if count == 0 { break } else if errno != EINTR { failure = errno }
                if let violation = limits.violation(path: relative, size: bytes.count, total: 0) { throw violation }
            }
        }
        if failure != 0 {
            throw GitError(kind: .other, context: "cannot read file \(path)", message: String(cString: strerror(failure)))
        }
        return bytes
    }
}
